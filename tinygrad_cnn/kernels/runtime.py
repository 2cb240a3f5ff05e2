"""The one seam between the conv routes and the machine: scratch buffers, batch parts on
threads, GEMMs on one BLAS thread, and the array layout kernels take. Routes import only
this (and their own numba kernels), so a route never decides how memory or cores are
used; the implementations live in workspace.py, batch_split.py and threads.py.
"""
from __future__ import annotations

import numpy as np

from .batch_split import batch_parts, run_parts  # noqa: F401
from .threads import gemm, gemm_accumulate  # noqa: F401
from .workspace import take as scratch, zeros as scratch_zeros  # noqa: F401

#: what a forward may keep for its backward (columns, stacked input): kept when the whole
#: batch's fits, else backward recomputes it from x (benchmarks/TUNING.md)
SAVE_BYTES = 16 << 20


def kernel_array(a: np.ndarray) -> np.ndarray:
    """`a` as a C-contiguous, writable array (copied only if it is not one already).

    numba compiles one specialisation per argument layout and per read-only flag, so
    handing kernels only this one kind of array keeps compilation to one per dtype
    (a read-only broadcast gradient would otherwise trigger a fresh compile).

    >>> kernel_array(np.broadcast_to(np.float32(1), (2, 2))).flags.writeable
    True
    """
    return np.require(a, requirements=("C", "W"))
