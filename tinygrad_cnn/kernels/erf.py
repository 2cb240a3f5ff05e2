"""erf for numpy arrays (GELU's exact form): numpy has none, and scipy is not a dependency.
A numba ufunc runs math.erf per element at compiled speed."""
from __future__ import annotations

import math

import numpy as np
from numba import vectorize


@vectorize(["float64(float64)"], cache=True)
def _erf(x: float) -> float:
    return math.erf(x)


def erf(x: np.ndarray) -> np.ndarray:
    """The error function elementwise, in float64.

    >>> erf(np.array([0.0, 1.0])).round(4)
    array([0.    , 0.8427])
    """
    return _erf(np.asarray(x, np.float64))
