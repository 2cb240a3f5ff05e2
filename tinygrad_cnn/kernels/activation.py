"""ReLU's forward and gradient as fused loops into recycled buffers.

`np.where(y > 0, g, 0)` allocates a boolean mask and a fresh output (page faults every
step); one fused loop into a recycled buffer reads g and y once and writes the gradient
once. numpy's `np.maximum(a, 0)` runs at a quarter of copy speed (its NaN-propagating
loop; benchmarks/TUNING.md); a plain loop runs at copy speed on AVX-512 and AVX2.
"""
from __future__ import annotations

import numpy as np

from . import runtime
from .jit import njit


#: below this many elements numpy's call is cheaper than a kernel call
KERNEL_MIN_SIZE = 4096


@njit(cache=True, nogil=True)
def _relu_kernel(a, out):
    for i in range(out.shape[0]):
        v = a[i]
        out[i] = 0 if v < 0 else v  # NaN (and -0.0) pass through, as in PyTorch


def relu_forward(a: np.ndarray) -> np.ndarray:
    """max(a, 0) with NaN propagated, in a recycled buffer.

    >>> relu_forward(np.array([-1.0, 2.0, np.nan])).tolist()
    [0.0, 2.0, nan]
    """
    if a.size < KERNEL_MIN_SIZE:  # numpy's call is cheaper than a kernel or the pool
        return np.maximum(a, a.dtype.type(0))
    out = runtime.scratch(a.shape, a.dtype)
    if a.dtype.kind != "f" or not a.flags.c_contiguous:
        return np.maximum(a, a.dtype.type(0), out=out)
    _in_parts(_relu_kernel, a.reshape(-1), out.reshape(-1))
    return out


@njit(cache=True, nogil=True)
def _relu_backward_kernel(g, y, out):
    for i in range(out.shape[0]):
        out[i] = 0 if y[i] <= 0 else g[i]  # NaN passes g, as PyTorch's threshold_backward


def relu_backward(g: np.ndarray, y: np.ndarray) -> np.ndarray:
    """g except where the ReLU's output y is <= 0 (0 there), in y's shape; at a NaN
    output g passes, as in PyTorch."""
    if y.dtype.kind != "f" or g.dtype != y.dtype or y.size < KERNEL_MIN_SIZE:
        # small or unusual arrays: numpy's call is cheaper than a kernel launch/compile
        return np.where(y <= 0, np.zeros((), dtype=g.dtype), g)
    g = runtime.kernel_array(g if g.shape == y.shape else np.broadcast_to(g, y.shape))
    out = runtime.scratch(y.shape, g.dtype)
    _in_parts(_relu_backward_kernel, g.reshape(-1), runtime.kernel_array(y).reshape(-1),
              out.reshape(-1))
    return out



def _in_parts(kernel, *flat: np.ndarray) -> None:
    """kernel(*flat), over ranges of the flat arrays on all threads when they are large."""
    runtime.run_pass(lambda i0, i1: kernel(*(a[i0:i1] for a in flat)), flat[0].size,
                     sum(a.nbytes for a in flat))
