"""Reductions over `dim` (None, int or tuple) with `keepdim`: forward and local gradient."""
from __future__ import annotations

import numpy as np

from ..autograd.function import Function
from ..checks import reducible
from .shape import wrap_dim


def normalize_dims(dim, ndim: int):
    """`dim` as a sorted tuple of non-negative axes (None means all)."""
    if dim is None:
        return tuple(range(ndim))
    dims = (dim,) if isinstance(dim, (int, np.integer)) else tuple(dim)
    out = [wrap_dim(d, ndim) for d in dims]
    if len(set(out)) != len(out):
        raise RuntimeError(f"dim {max(out, key=out.count)} appears multiple times in the list "
                           f"of dims {dims}")
    return tuple(sorted(out)) if ndim else ()


def expand_back(g: np.ndarray, in_shape: tuple, axes: tuple, keepdim: bool) -> np.ndarray:
    """Broadcast a reduced gradient back over the reduced axes."""
    if not keepdim and axes:  # reshape is cheaper than np.expand_dims
        g = g.reshape([1 if i in axes else n for i, n in enumerate(in_shape)])
    return np.broadcast_to(g, in_shape)


class Sum(Function):
    def forward(self, a, dim=None, keepdim=False):
        self.axes = normalize_dims(dim, a.ndim)
        self.in_shape, self.keepdim = a.shape, keepdim
        return np.asarray(a.sum(axis=self.axes, keepdims=keepdim))

    def backward(self, g):
        return expand_back(g, self.in_shape, self.axes, self.keepdim)


class Mean(Function):
    def forward(self, a, dim=None, keepdim=False):
        self.axes = normalize_dims(dim, a.ndim)
        self.in_shape, self.keepdim = a.shape, keepdim
        self.count = int(np.prod([a.shape[i] for i in self.axes]))
        if self.count == 0:  # the mean of nothing is NaN, as in PyTorch (without a warning)
            return np.asarray(a.sum(axis=self.axes, keepdims=keepdim) * np.nan)
        return np.asarray(a.mean(axis=self.axes, keepdims=keepdim))

    def backward(self, g):
        with np.errstate(divide="ignore", invalid="ignore"):  # count 0: an empty gradient
            g = g / g.dtype.type(self.count)
        return expand_back(g, self.in_shape, self.axes, self.keepdim)


class Max(Function):
    """max/min over dims. With one int `dim` the gradient goes to the returned index
    (as torch.max(x, dim)); over all or several dims ties share it evenly (as torch.amax)."""

    def forward(self, a, dim=None, keepdim=False, smallest=False):
        self.in_shape, self.keepdim = a.shape, keepdim
        self.axes = normalize_dims(dim, a.ndim)
        reducible(a.shape, None if dim is None else self.axes, "min" if smallest else "max")
        pick = np.argmin if smallest else np.argmax
        if isinstance(dim, (int, np.integer)) and not a.ndim:
            self.aux = np.zeros((), np.int64)  # torch.max(scalar, 0): the value, index 0
            return a.copy()
        if isinstance(dim, (int, np.integer)):
            idx = pick(a, axis=self.axes[0], keepdims=True)
            self.index = idx
            self.aux = idx if keepdim else np.squeeze(idx, self.axes[0])
            out = np.take_along_axis(a, idx, axis=self.axes[0])
            return out if keepdim else np.squeeze(out, self.axes[0])
        out = (np.min if smallest else np.max)(a, axis=self.axes, keepdims=True)
        self.winners = a == out
        return out if keepdim else np.squeeze(out, self.axes)

    def backward(self, g):
        if not self.in_shape:
            return g
        if hasattr(self, "index"):
            grad = np.zeros(self.in_shape, dtype=g.dtype)
            g = g if self.keepdim else np.expand_dims(g, self.axes)
            np.put_along_axis(grad, self.index, g, axis=self.axes[0])
            return grad
        share = self.winners / self.winners.sum(axis=self.axes, keepdims=True)
        return expand_back(g, self.in_shape, self.axes, self.keepdim) * share.astype(g.dtype)


class Var(Function):
    """Variance over `dim` divided by (count - correction); one node instead of five."""

    def forward(self, a, dim=None, keepdim=False, correction=1):
        if a.dtype.kind not in "fc":
            raise RuntimeError("std and var only support floating point and complex dtypes, "
                               f"got {a.dtype}")
        self.axes = normalize_dims(dim, a.ndim)
        self.in_shape, self.keepdim = a.shape, keepdim
        count = int(np.prod([a.shape[i] for i in self.axes]))
        self.centered = a - a.mean(axis=self.axes, keepdims=True)
        # count <= correction gives inf/nan, as in PyTorch
        self.denom = a.dtype.type(max(count - correction, 0))
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.asarray((self.centered * self.centered).sum(
                axis=self.axes, keepdims=keepdim) / self.denom)

    def backward(self, g):
        with np.errstate(divide="ignore", invalid="ignore"):
            scale = g * g.dtype.type(2) / self.denom
        return expand_back(scale, self.in_shape, self.axes, self.keepdim) * self.centered


class Std(Var):
    """sqrt(var); where std is 0 the gradient is 0, as PyTorch defines it."""

    def forward(self, a, dim=None, keepdim=False, correction=1):
        self.out = np.sqrt(super().forward(a, dim, keepdim, correction))
        return self.out

    def backward(self, g):
        with np.errstate(divide="ignore", invalid="ignore"):
            g_var = np.where(self.out == 0, np.zeros((), g.dtype), g / (2 * self.out))
        return super().backward(g_var)
