"""Both cores for one large conv or matrix product: the batch (or the rows) split across
threads, BLAS on one thread each.

BLAS alone parallelises a conv's GEMMs, but the memory-bound passes around them (im2col,
the padded and stacked copies, NCHW transposes, col2im) would run on one core. Splitting
the batch gives every thread a whole pipeline (copies and GEMMs) over its own images;
each GEMM then runs on one BLAS thread, so no BLAS pool spins next to the other thread
(the trap in threads.py). Small convs lose (thread hand-off and two half-size GEMMs cost
more than they save), hence SPLIT_MIN_FLOPS. Measurements: benchmarks/TUNING.md.

The kernels release the GIL (numba nogil, numpy copies, BLAS), so Python threads run them
truly in parallel. The caller's thread takes the first part itself; the others go to
persistent `_Worker` threads through a pair of locks, a cheaper hand-off than a
ThreadPoolExecutor's futures.
"""
from __future__ import annotations

import os
import threading
from typing import Callable, List, Tuple

import numpy as np

from . import threads
from .threads import gemm

#: a conv is split only when its forward multiply-adds x 2 reach this
SPLIT_MIN_FLOPS = 10e6


class _Worker:
    """A daemon thread that runs one job at a time: `start(job)`, then `join()` gives
    (result, None) or (None, error). Two locks hand the job over and back."""

    def __init__(self) -> None:
        self._go, self._done = threading.Lock(), threading.Lock()
        self._go.acquire()
        self._done.acquire()
        self._job: Callable = lambda: None
        self._outcome: tuple = (None, None)
        threading.Thread(target=self._loop, daemon=True, name="tinygrad_cnn").start()

    def _loop(self) -> None:
        while True:
            self._go.acquire()
            try:
                self._outcome = (self._job(), None)
            except BaseException as error:  # handed to the caller by join()
                self._outcome = (None, error)
            self._done.release()

    def start(self, job: Callable) -> None:
        self._job = job
        self._go.release()

    def join(self) -> tuple:
        self._done.acquire()
        outcome, self._outcome = self._outcome, (None, None)
        return outcome


_workers: List[_Worker] = []
_workers_pid = os.getpid()  # a forked child inherits the list but not the threads
#: one run_parts at a time uses the workers; a concurrent (or nested) call runs serially
_busy = threading.Lock()


def _take_workers(count: int) -> List[_Worker]:
    global _workers, _workers_pid
    if _workers_pid != os.getpid():
        _workers, _workers_pid = [], os.getpid()
    while len(_workers) < count:
        _workers.append(_Worker())
    return _workers[:count]


def batch_parts(n: int, flops: float) -> List[Tuple[int, int]]:
    """Image ranges [(n0, n1), ...]: one per BLAS thread for a large conv, else [(0, n)]."""
    count = min(threads.get_num_threads(), n)
    if count < 2 or flops < SPLIT_MIN_FLOPS:
        return [(0, n)]
    bounds = [n * i // count for i in range(count + 1)]
    return list(zip(bounds[:-1], bounds[1:]))


def run_parts(fn: Callable, parts: List[Tuple[int, int]]) -> list:
    """[fn(i, n0, n1) for each part i], concurrently when there are several parts."""
    if len(parts) == 1 or not _busy.acquire(blocking=False):
        return [fn(i, *part) for i, part in enumerate(parts)]
    blas = threads.get_num_threads()
    threads.set_num_threads(1)
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
        threads.set_num_threads(blas)
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
