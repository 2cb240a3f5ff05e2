"""Ops that move data without computing: forward and local gradient side by side."""
from __future__ import annotations

import numpy as np

from ..autograd.function import Function


def wrap_dim(dim: int, ndim: int) -> int:
    """A possibly negative `dim` as an axis in [0, ndim); a 0-d tensor accepts 0 and -1.

    >>> wrap_dim(-1, 3)
    2
    """
    if isinstance(dim, bool) or not isinstance(dim, (int, np.integer)):
        raise TypeError(f"dim must be an int, got {dim!r} ({type(dim).__name__})")
    n = max(ndim, 1)
    if not -n <= dim < n:
        raise IndexError(f"Dimension out of range (expected to be in range of [{-n}, {n - 1}], "
                         f"but got {dim})")
    return dim % n


class Reshape(Function):
    def forward(self, a, shape=None):
        self.in_shape = a.shape
        if any(d < -1 for d in shape) or list(shape).count(-1) > 1:  # numpy takes any < 0
            raise RuntimeError(f"shape {tuple(shape)} is invalid: sizes must be >= 0, with "
                               "at most one -1 (inferred)")
        try:
            return a.reshape(shape)
        except ValueError:
            raise RuntimeError(f"shape {tuple(shape)} is invalid for input of size {a.size} "
                               f"(shape {a.shape})") from None

    def backward(self, g):
        return g.reshape(self.in_shape)


class Permute(Function):
    def forward(self, a, dims=None):
        self.dims = dims
        return a.transpose(dims)

    def backward(self, g):
        return g.transpose(np.argsort(self.dims))


class Expand(Function):
    """Broadcast to a larger shape without copying; the engine sums the gradient back."""

    def forward(self, a, shape=None):
        return np.broadcast_to(a, shape)

    def backward(self, g):
        return g


class Getitem(Function):
    """Basic and advanced (integer-array, boolean) indexing; the gradient scatters back."""

    def forward(self, a, index=None):
        self.in_shape, self.index = a.shape, index
        self.advanced = _is_advanced(index)
        return a[index]

    def backward(self, g):
        grad = np.zeros(self.in_shape, dtype=g.dtype)
        if self.advanced:
            np.add.at(grad, self.index, g)  # repeated indices accumulate
        else:
            grad[self.index] = g
        return grad


def _is_advanced(index) -> bool:
    parts = index if isinstance(index, tuple) else (index,)
    return any(isinstance(p, (np.ndarray, list)) for p in parts)


class Cat(Function):
    def forward(self, *arrays, dim=0):
        self.dim = dim
        self.splits = np.cumsum([a.shape[dim] for a in arrays])[:-1]
        return np.concatenate(arrays, axis=dim)

    def backward(self, g):
        return tuple(np.split(g, self.splits, axis=self.dim))


class Pad(Function):
    """Constant padding; `pad` is PyTorch's flat tuple, last dimension first."""

    def forward(self, a, pad=(), value=0.0):
        widths = [(0, 0)] * a.ndim
        for i in range(len(pad) // 2):
            widths[a.ndim - 1 - i] = (pad[2 * i], pad[2 * i + 1])
        self.slices = tuple(slice(lo, n + lo) for (lo, _), n in zip(widths, a.shape))
        if any(lo < 0 or hi < 0 for lo, hi in widths):
            raise ValueError(f"negative padding {tuple(pad)} is not supported")
        if not widths:  # a 0-d tensor: nothing to pad (numpy's pad refuses it)
            return a.copy()
        return np.pad(a, widths, mode="constant", constant_values=value)

    def backward(self, g):
        return g[self.slices]
