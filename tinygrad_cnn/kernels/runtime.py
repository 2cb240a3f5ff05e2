"""The one seam between the kernels and the machine: how memory and cores are used.

Routes and kernels import this module and nothing else of the machine, so a route never
decides how memory or cores are used. Four parts, each a section below:

- **Array layout** (`kernel_array`, `SAVE_BYTES`): what kernels take and what a forward
  may keep for its backward.
- **Scratch buffers** (`scratch`, `scratch_zeros`): a pool of recycled arrays, since fresh
  memory costs a page fault per 4 KiB page and glibc hands large blocks back to the OS on
  free, so a training loop would pay that again every step.
- **Threads** (`set_num_threads`, `get_num_threads`): who gets the cores. Our numba kernels
  are serial and every GEMM runs on one BLAS thread (`gemm`, `gemm_accumulate`); large
  convs and products use the cores through our own threads instead.
- **Batch parts** (`batch_parts`, `run_parts`, `matmul`): a large conv's batch (or a large
  product's rows) split across threads, one whole pipeline (copies and GEMMs) per core.

Measurements behind every constant: benchmarks/TUNING.md.
"""
from __future__ import annotations

import atexit
import ctypes
import glob
import os
import sys
import threading
from collections import OrderedDict
from typing import Any, Callable, Dict, List, Optional, Tuple

import numpy as np

# ----- array layout -------------------------------------------------------------------

#: what a forward may keep for its backward (columns, channel-last input): kept when
#: the whole batch's fits, else backward recomputes it from x
SAVE_BYTES = 16 << 20


def kernel_array(a: np.ndarray) -> np.ndarray:
    """`a` as a C-contiguous, writable array (copied only if it is not one already).

    numba compiles one specialisation per argument layout and per read-only flag, so
    handing kernels only this one kind of array keeps compilation to one per dtype
    (a read-only broadcast gradient would otherwise trigger a fresh compile).

    >>> kernel_array(np.broadcast_to(np.float32(1), (2, 2))).flags.writeable
    True
    """
    flags = a.flags
    if flags.c_contiguous and flags.writeable:  # the common case, without np.require's work
        return a
    return np.require(a, requirements=("C", "W"))


# ----- scratch buffers ----------------------------------------------------------------
# `scratch(shape, dtype)` returns an array from a pool keyed by (shape, dtype). A pooled
# array is handed out again only when *nothing else references it*: every numpy view,
# tensor, saved-for-backward attribute or gradient in flight holds a reference to the base
# array, so `sys.getrefcount` tells exactly whether it is still in use. Aliasing is thus
# impossible by construction: two conv layers in one graph, or a graph kept alive with
# retain_graph=True, hold different buffers; a buffer saved for backward comes back to the
# pool when the engine frees the node (`Function.free`). Small arrays skip the pool: malloc
# recycles them without page faults, and the bookkeeping would cost more than it saves.

#: below this many bytes `scratch` is plain np.empty (fits glibc's recycled heap)
MIN_BYTES = 1 << 16
#: idle buffers beyond this total are evicted (least recently used shape first)
LIMIT_BYTES = 1 << 30
#: at most this many buffers per (shape, dtype); more in use at once are not pooled.
#: A deep net keeps dozens of activations of one shape for backward (ResNet-8's first
#: stage alone: 20), and each one beyond the pool is fresh memory every step.
PER_KEY = 256

_pool: "OrderedDict[Tuple, List[np.ndarray]]" = OrderedDict()
_pool_bytes = 0
_unpooled = 0  # arrays handed out fresh because their key's pool was full
_pool_lock = threading.Lock()


def _free_refcount() -> int:
    """getrefcount of a pooled array nobody else holds: the list slot + the call arg."""
    slot = [np.empty(1)]
    return sys.getrefcount(slot[0])


_FREE = _free_refcount()


def scratch(shape: Tuple[int, ...], dtype) -> np.ndarray:
    """An uninitialised C-contiguous array, recycled from the pool when possible.

    >>> scratch((2, 3), np.float32).shape
    (2, 3)
    """
    dtype = np.dtype(dtype)
    size = dtype.itemsize
    for n in shape:
        size *= n
    if size < MIN_BYTES:
        return np.empty(shape, dtype)
    key = (shape, dtype)
    with _pool_lock:  # two threads must not both see the same buffer as free
        buffers = _pool.get(key)
        if buffers is None:
            buffers = _pool[key] = []
        else:
            _pool.move_to_end(key)
            for i in range(len(buffers)):
                if sys.getrefcount(buffers[i]) == _FREE:
                    return buffers[i]
        array = np.empty(shape, dtype)
        global _pool_bytes, _unpooled
        if len(buffers) < PER_KEY:
            buffers.append(array)
            _pool_bytes += size
            if _pool_bytes > LIMIT_BYTES:
                _evict(keep=key)
        else:
            _unpooled += 1
        return array


def scratch_zeros(shape: Tuple[int, ...], dtype) -> np.ndarray:
    """`scratch` filled with zeros (recycled memory is already mapped: no page faults)."""
    array = scratch(shape, dtype)
    array.fill(0)
    return array


def _evict(keep: Tuple) -> None:
    global _pool_bytes
    for key in list(_pool):
        if _pool_bytes <= LIMIT_BYTES:
            return
        if key == keep:
            continue
        buffers = _pool[key]
        for i in range(len(buffers) - 1, -1, -1):
            if sys.getrefcount(buffers[i]) == _FREE:
                _pool_bytes -= buffers.pop(i).nbytes
        if not buffers:
            del _pool[key]


def clear_scratch() -> None:
    """Drop every idle buffer (buffers still in use stay valid: they are just unpooled)."""
    global _pool_bytes
    with _pool_lock:
        _pool.clear()
        _pool_bytes = 0


def scratch_stats() -> Dict[str, int]:
    """Pooled buffers and bytes (in use or idle)."""
    return {"buffers": sum(len(b) for b in _pool.values()), "bytes": _pool_bytes}


def scratch_unpooled() -> int:
    """How many arrays `scratch` handed out unpooled (fresh memory every time) because
    their shape's pool was full."""
    return _unpooled


# ----- threads: who gets the cores ----------------------------------------------------
# - numba kernels are serial (no `parallel=True`): a numba thread pool next to OpenBLAS's
#   pthreads fought over the cores, each parallel region waiting whole scheduler quanta for
#   a core held by a spinning BLAS thread. Serial kernels also compile faster.
# - Every GEMM of ours runs on one BLAS thread (`gemm`): an OpenBLAS thread keeps spinning
#   long after a multi-threaded call and then competes with our threads, and OpenBLAS's
#   per-block barriers can each wait a scheduler quantum on a shared machine.
# `set_num_threads` / `get_num_threads` (tinygrad_cnn.set_num_threads, as in torch) control
# numpy's OpenBLAS at run time, as threadpoolctl does, without the dependency: env vars such
# as OPENBLAS_NUM_THREADS only work if set before numpy loads, which a library imported
# after numpy cannot do. Without an OpenBLAS (another BLAS build) they do nothing and
# get_num_threads reports os.cpu_count().

_set: Optional[Callable[[int], None]] = None
_get: Optional[Callable[[], int]] = None
#: cblas_sgemm / cblas_dgemm of numpy's OpenBLAS, by dtype (for `gemm_accumulate`)
_cblas_gemm: dict = {}


def _find_openblas() -> None:
    """Bind numpy's bundled OpenBLAS thread setters (names differ between builds)."""
    global _set, _get
    libs = os.path.join(os.path.dirname(os.path.dirname(np.__file__)), "numpy.libs")
    for path in glob.glob(os.path.join(libs, "*openblas*")):
        try:
            lib = ctypes.CDLL(path)  # already loaded by numpy: this only looks it up
        except OSError:
            continue
        for prefix, suffix in (("scipy_openblas", "64_"), ("scipy_openblas", ""),
                               ("openblas", "64_"), ("openblas", "")):
            setter = getattr(lib, f"{prefix}_set_num_threads{suffix}", None)
            getter = getattr(lib, f"{prefix}_get_num_threads{suffix}", None)
            if setter is not None and getter is not None:
                setter.argtypes, setter.restype = [ctypes.c_int], None
                getter.argtypes, getter.restype = [], ctypes.c_int
                _set, _get = setter, getter
                _bind_cblas(lib, prefix, suffix)
                return


def _bind_cblas(lib: ctypes.CDLL, prefix: str, suffix: str) -> None:
    """cblas_?gemm(order, transa, transb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)."""
    index = ctypes.c_int64 if suffix == "64_" else ctypes.c_int
    cblas = prefix.replace("openblas", "cblas")  # scipy_openblas -> scipy_cblas
    for dtype, ctype, letter in ((np.float32, ctypes.c_float, "s"),
                                 (np.float64, ctypes.c_double, "d")):
        fn = getattr(lib, f"{cblas}_{letter}gemm{suffix}", None)
        if fn is None:
            continue
        fn.restype = None
        fn.argtypes = [ctypes.c_int] * 3 + [index] * 3 + [
            ctype, ctypes.c_void_p, index, ctypes.c_void_p, index, ctype, ctypes.c_void_p, index]
        _cblas_gemm[np.dtype(dtype)] = fn


_find_openblas()


def set_num_threads(n: int) -> None:
    """Threads for large convs and matrix products (stored as numpy's BLAS setting, which
    numpy's own matmuls outside tinygrad_cnn keep using)."""
    if int(n) < 1:
        raise ValueError(f"set_num_threads expects a positive integer, got {n}")
    if _set is not None:
        _set(int(n))


def get_num_threads() -> int:
    """Threads for large convs and matrix products (see `set_num_threads`)."""
    return _get() if _get is not None else (os.cpu_count() or 1)


def _on_one_blas_thread(call: Callable, *args: Any) -> Any:
    """call(*args) with BLAS on one thread (the setting restored after): see `gemm`. A
    plain function, not a context manager: it runs on every GEMM, small ones too."""
    threads = _get() if _get is not None else 1
    if threads == 1:
        return call(*args)
    _set(1)
    try:
        return call(*args)
    finally:
        _set(threads)


def gemm(a: np.ndarray, b: np.ndarray, out: Optional[np.ndarray] = None) -> np.ndarray:
    """np.matmul(a, b, out=out) on one BLAS thread. Every GEMM of ours runs so; large
    ones are split across our own threads instead (`matmul`, `run_parts`)."""
    return _on_one_blas_thread(np.matmul, a, b, out)


_ROW_MAJOR, _NO_TRANS, _TRANS = 101, 111, 112


def _blas_operand(a: np.ndarray):
    """(transpose flag, leading dimension) of a 2-D view BLAS can read without a copy, or
    None. Row slices with any row stride qualify."""
    item = a.itemsize
    if a.strides[1] == item and a.strides[0] % item == 0 and a.strides[0] >= a.shape[1] * item:
        return _NO_TRANS, max(1, a.strides[0] // item)
    if a.strides[0] == item and a.strides[1] % item == 0 and a.strides[1] >= a.shape[0] * item:
        return _TRANS, max(1, a.strides[1] // item)
    return None


def gemm_accumulate(a: np.ndarray, b: np.ndarray, out: np.ndarray) -> None:
    """out += a @ b for 2-D views, in place: BLAS's beta = 1, so no product temporary
    and no extra pass over `out` (faster than matmul into a scratch + add). Falls back to
    numpy without a usable cblas."""
    fn = _cblas_gemm.get(out.dtype)
    ops = (_blas_operand(a), _blas_operand(b), _blas_operand(out))
    shapes_ok = a.shape[1] == b.shape[0] and out.shape == (a.shape[0], b.shape[1])
    if (fn is None or not shapes_ok or a.dtype != out.dtype or b.dtype != out.dtype or None in ops
            or ops[2][0] != _NO_TRANS):
        out += gemm(a, b)
        return
    (ta, lda), (tb, ldb), (_, ldc) = ops
    _on_one_blas_thread(fn, _ROW_MAJOR, ta, tb, out.shape[0], out.shape[1], a.shape[1], 1.0,
                        a.ctypes.data, lda, b.ctypes.data, ldb, 1.0, out.ctypes.data, ldc)


# ----- batch parts: both cores for one large conv or product --------------------------
# BLAS alone parallelises a conv's GEMMs, but the memory-bound passes around them (im2col,
# padded and stacked copies, NCHW transposes, col2im) would run on one core. Splitting the
# batch gives every thread a whole pipeline over its own images, each GEMM on one BLAS
# thread. The kernels release the GIL (numba nogil, numpy copies, BLAS), so Python threads
# run them truly in parallel. The caller's thread takes the first part itself; the others go
# to persistent `_Worker` threads through a pair of locks, a cheaper hand-off than a
# ThreadPoolExecutor's futures. Small convs lose (thread hand-off and two half-size GEMMs
# cost more than they save), hence SPLIT_MIN_FLOPS.

#: a conv is split only when its forward multiply-adds x 2 reach this
SPLIT_MIN_FLOPS = 10e6
#: a memory-bound pass is split only when it reads and writes this many bytes (below it
#: the hand-off, ~20 us, costs more than a core's share of the pass)
SPLIT_MIN_BYTES = 2 << 20


#: the worker flags' slots: stop spinning (set at exit), jobs posted, jobs finished
_STOP, _POSTED, _FINISHED = 0, 1, 2


class _Worker:
    """A daemon thread that runs one job at a time: `start(job)`, then `join()` gives
    (result, None) or (None, error). Two locks hand the job over and back; before
    blocking on one, each side spins a moment on a counter of posted / finished jobs, so
    that a hand-off between back-to-back convs does not wait for a halted core to wake."""

    def __init__(self) -> None:
        from .spin import spin_until  # numba: loaded once the first conv runs in parts
        self._spin = spin_until
        self._go, self._done = threading.Lock(), threading.Lock()
        self._go.acquire()
        self._done.acquire()
        self._flags = np.zeros(3, np.int64)
        self._job: Callable = lambda: None
        self._outcome: tuple = (None, None)
        threading.Thread(target=self._loop, daemon=True, name="tinygrad_cnn").start()

    def _loop(self) -> None:
        taken = 0
        while True:
            self._spin(self._flags, _POSTED, taken + 1)
            self._go.acquire()
            taken += 1
            try:
                self._outcome = (self._job(), None)
            except BaseException as error:  # handed to the caller by join()
                self._outcome = (None, error)
            self._flags[_FINISHED] = taken
            self._done.release()

    def start(self, job: Callable) -> None:
        self._job = job
        self._flags[_POSTED] += 1
        self._go.release()

    def join(self) -> tuple:
        self._spin(self._flags, _FINISHED, int(self._flags[_POSTED]))
        self._done.acquire()
        outcome, self._outcome = self._outcome, (None, None)
        return outcome

    def stop_spinning(self) -> None:
        """Make every spin return at once: at exit, a thread must not be running
        compiled code that the interpreter is about to unload."""
        self._flags[_STOP] = 1


_workers: List[_Worker] = []
_workers_pid = os.getpid()  # a forked child inherits the list but not the threads
#: one run_parts at a time uses the workers; a concurrent (or nested) call runs serially
_busy = threading.Lock()


@atexit.register
def _stop_workers_spinning() -> None:
    for worker in _workers:
        worker.stop_spinning()


def _take_workers(count: int) -> List[_Worker]:
    global _workers, _workers_pid
    if _workers_pid != os.getpid():
        _workers, _workers_pid = [], os.getpid()
    while len(_workers) < count:
        _workers.append(_Worker())
    return _workers[:count]


def batch_parts(n: int, flops: float) -> List[Tuple[int, int]]:
    """Image ranges [(n0, n1), ...]: one per BLAS thread for a large conv, else [(0, n)]."""
    return _parts(n, flops >= SPLIT_MIN_FLOPS)


def pass_parts(n: int, nbytes: int) -> List[Tuple[int, int]]:
    """Ranges of n rows (images, or values) for a memory-bound pass (batch norm, ReLU)
    touching `nbytes`: one per thread when it is large, else [(0, n)].

    >>> pass_parts(10, 1)
    [(0, 10)]
    """
    return _parts(n, nbytes >= SPLIT_MIN_BYTES)


def run_pass(fn: Callable[[int, int], Any], n: int, nbytes: int) -> list:
    """[fn(r0, r1) for each of `pass_parts(n, nbytes)`]: a memory-bound pass over n rows,
    on all threads when it is large (one core does not saturate memory)."""
    return run_parts(lambda i, r0, r1: fn(r0, r1), pass_parts(n, nbytes))


def _parts(n: int, large: bool) -> List[Tuple[int, int]]:
    if not large:
        return [(0, n)]
    count = min(get_num_threads(), n)
    if count < 2:
        return [(0, n)]
    bounds = [n * i // count for i in range(count + 1)]
    return list(zip(bounds[:-1], bounds[1:]))


def run_parts(fn: Callable, parts: List[Tuple[int, int]]) -> list:
    """[fn(i, n0, n1) for each part i], concurrently when there are several parts."""
    if len(parts) == 1 or not _busy.acquire(blocking=False):
        return [fn(i, *part) for i, part in enumerate(parts)]
    blas = get_num_threads()
    set_num_threads(1)
    try:
        workers = _take_workers(len(parts) - 1)
        for i, (worker, part) in enumerate(zip(workers, parts[1:]), start=1):
            worker.start(lambda i=i, part=part: fn(i, *part))
        try:
            first = fn(0, *parts[0])
        finally:  # never leave a worker running on after an error here
            rest = [worker.join() for worker in workers]
        for result, error in rest:
            if error is not None:
                raise error
        return [first] + [result for result, _ in rest]
    finally:
        set_num_threads(blas)
        _busy.release()


def matmul(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """a @ b (numpy's rules); a large 2-D product in row parts on all cores."""
    if a.ndim != 2 or b.ndim != 2:
        return gemm(a, b)
    parts = batch_parts(a.shape[0], 2.0 * a.shape[0] * a.shape[1] * b.shape[1])
    if len(parts) == 1:
        return gemm(a, b)
    out = np.empty((a.shape[0], b.shape[1]), np.result_type(a, b))
    run_parts(lambda i, r0, r1: gemm(a[r0:r1], b, out=out[r0:r1]), parts)
    return out
