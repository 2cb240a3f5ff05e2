"""erf for numpy arrays (GELU's exact form): numpy has none, and scipy is not a dependency.
A numba ufunc runs math.erf per element at compiled speed.

The ufunc is made on the first call: `vectorize` with a signature compiles (or loads from
the cache) at once, and that first numba load costs ~0.5 s, which `import tinygrad_cnn`
must not pay (kernels/warmup.py pays it in the background instead).
"""
from __future__ import annotations

import math
from typing import Callable, Optional

import numpy as np

_ufunc: Optional[Callable] = None


def _erf_scalar(x: float) -> float:
    return math.erf(x)


def erf(x: np.ndarray) -> np.ndarray:
    """The error function elementwise, in float64.

    >>> erf(np.array([0.0, 1.0])).round(4)
    array([0.    , 0.8427])
    """
    global _ufunc
    if _ufunc is None:
        from numba import vectorize
        _ufunc = vectorize(["float64(float64)"], cache=True)(_erf_scalar)
    return _ufunc(np.asarray(x, np.float64))
