"""Array layout for kernel arguments."""
from __future__ import annotations

import numpy as np


def kernel_array(a: np.ndarray) -> np.ndarray:
    """`a` as a C-contiguous, writable array (copied only if it is not one already).

    numba compiles one specialisation per argument layout and per read-only flag, so
    handing kernels only this one kind of array keeps compilation to one per dtype
    (a read-only broadcast gradient would otherwise trigger a fresh compile).

    >>> kernel_array(np.broadcast_to(np.float32(1), (2, 2))).flags.writeable
    True
    """
    return np.require(a, requirements=("C", "W"))
