"""Who gets the 2 cores: our own threads, each GEMM on one BLAS thread. Thread settings
for the kernels, in one place.

- numba kernels are serial (no `parallel=True`): a numba thread pool next to OpenBLAS's
  pthreads fought over the cores, each parallel region waiting whole scheduler quanta
  for a core held by a spinning BLAS thread. Serial kernels also compile faster.
- Large convs and matrix products run in parts (batch images or rows) on Python threads,
  one part per core (`batch_split.py`): the kernels release the GIL, and each part's
  copies and GEMMs stay on its core, which beat 2-thread BLAS GEMMs with serial copies.
- So every GEMM of ours runs on one BLAS thread (`gemm`), also outside those parts: an
  OpenBLAS thread keeps spinning long after a multi-threaded call and then competes
  with our threads, and OpenBLAS's per-block barriers can each wait a scheduler quantum
  on a shared machine. Measurements: benchmarks/TUNING.md, "gemm on one BLAS thread".

`set_num_threads` / `get_num_threads` (re-exported as tinygrad_cnn.set_num_threads, as in
torch) control numpy's OpenBLAS at run time, as threadpoolctl does, without the
dependency: env vars such as OPENBLAS_NUM_THREADS only work if set before numpy loads,
which a library imported after numpy cannot do. If no OpenBLAS is found (another BLAS
build), they do nothing and get_num_threads reports os.cpu_count().
"""
from __future__ import annotations

import ctypes
import glob
import os
from contextlib import contextmanager
from typing import Callable, Optional

import numpy as np

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


@contextmanager
def one_blas_thread():
    """BLAS on one thread inside the block (restored after): see `gemm`."""
    threads = _get() if _get is not None else 1
    if threads == 1:
        yield
        return
    _set(1)
    try:
        yield
    finally:
        _set(threads)


def gemm(a: np.ndarray, b: np.ndarray, out: Optional[np.ndarray] = None) -> np.ndarray:
    """np.matmul(a, b, out=out) on one BLAS thread. Every GEMM of ours runs so; large
    ones are split across our own threads instead (batch_split.py): 2-thread GEMMs next
    to our threads fight over the cores (module docstring)."""
    with one_blas_thread():
        return np.matmul(a, b, out=out)


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
    with one_blas_thread():
        fn(_ROW_MAJOR, ta, tb, out.shape[0], out.shape[1], a.shape[1], 1.0, a.ctypes.data, lda,
           b.ctypes.data, ldb, 1.0, out.ctypes.data, ldc)
