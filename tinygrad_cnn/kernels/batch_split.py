"""Both cores for one large conv or matrix product: the batch (or the rows) split across
threads, BLAS on one thread each.

BLAS alone parallelises a conv's GEMMs, but the memory-bound passes around them (im2col,
the padded and stacked copies, NCHW transposes, col2im) run on one core, and on 2 cores
they were a third of a large conv's time. Splitting the batch gives every thread a whole
pipeline (copies and GEMMs) over its own images; each GEMM then runs on one BLAS thread,
so no BLAS pool spins next to the other thread (the trap in threads.py). Fwd+bwd, same
run, whole batch -> 2 halves: (8,64,56,56) 46 -> 34 ms, (64,32,14,14) 21.5 -> 18.6 ms.
Small convs lose (thread hand-off and two half-size GEMMs cost more than they save:
(16,8,20,20) k5 2.4 -> 3.1 ms), hence SPLIT_MIN_FLOPS.

The kernels release the GIL (numba nogil, numpy copies, BLAS), so Python threads run them
truly in parallel. The caller's thread takes the first part itself.
"""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor, wait
from typing import Callable, List, Optional, Tuple

import numpy as np

from . import threads
from .threads import gemm

#: a conv is split only when its forward multiply-adds x 2 reach this
SPLIT_MIN_FLOPS = 10e6

_pool: Optional[ThreadPoolExecutor] = None


def batch_parts(n: int, flops: float) -> List[Tuple[int, int]]:
    """Image ranges [(n0, n1), ...]: one per BLAS thread for a large conv, else [(0, n)]."""
    count = min(threads.get_num_threads(), n)
    if count < 2 or flops < SPLIT_MIN_FLOPS:
        return [(0, n)]
    bounds = [n * i // count for i in range(count + 1)]
    return list(zip(bounds[:-1], bounds[1:]))


def run_parts(fn: Callable, parts: List[Tuple[int, int]]) -> list:
    """[fn(i, n0, n1) for each part i], concurrently when there are several parts."""
    if len(parts) == 1:
        return [fn(0, *parts[0])]
    global _pool
    if _pool is None or _pool._max_workers < len(parts) - 1:
        _pool = ThreadPoolExecutor(len(parts) - 1, thread_name_prefix="tinygrad_cnn")
    blas = threads.get_num_threads()
    threads.set_num_threads(1)
    try:
        futures = [_pool.submit(fn, i, *part) for i, part in enumerate(parts) if i]
        try:
            first = fn(0, *parts[0])
        finally:  # never leave a worker running on after an error here
            wait(futures)
        return [first] + [f.result() for f in futures]
    finally:
        threads.set_num_threads(blas)


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
