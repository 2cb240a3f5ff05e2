"""Elementwise activation gradients that numpy can only do with a temporary mask.

`np.where(y > 0, g, 0)` allocates a boolean mask and a fresh output (page faults every
step); one fused loop into a recycled buffer reads g and y once and writes the gradient
once.
"""
from __future__ import annotations

import numpy as np
from numba import njit

from . import runtime


@njit(cache=True)
def _relu_backward_kernel(g, y, out):
    for i in range(out.shape[0]):
        out[i] = g[i] if y[i] > 0 else 0


def relu_backward(g: np.ndarray, y: np.ndarray) -> np.ndarray:
    """g where the ReLU's output y is positive, else 0 (shape of y)."""
    if y.dtype.kind != "f" or g.dtype != y.dtype or y.size < 4096:
        # small or unusual arrays: numpy's call is cheaper than a kernel launch/compile
        return np.where(y > 0, g, np.zeros((), dtype=g.dtype))
    g = runtime.kernel_array(g if g.shape == y.shape else np.broadcast_to(g, y.shape))
    out = runtime.scratch(y.shape, g.dtype)
    _relu_backward_kernel(g.reshape(-1), runtime.kernel_array(y).reshape(-1), out.reshape(-1))
    return out
