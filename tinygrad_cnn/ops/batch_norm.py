"""Batch normalisation over all axes but the channel axis (1): forward and local gradient."""
from __future__ import annotations

import numpy as np

from ..autograd.function import Function
from ..kernels import batch_norm as kernels
from .circuit import jacobian


def _stat_axes(ndim: int) -> tuple:
    return (0,) + tuple(range(2, ndim))


def _per_channel(v: np.ndarray, ndim: int) -> np.ndarray:
    """Shape a (C,) vector to broadcast against an (N, C, ...) input."""
    return v.reshape((1, -1) + (1,) * (ndim - 2))


def batch_statistics(x: np.ndarray) -> tuple:
    """Per-channel mean and biased variance of an (N, C, ...) array."""
    if kernels.applies(x):
        return kernels.statistics(x)
    axes = _stat_axes(x.ndim)
    return x.mean(axis=axes), x.var(axis=axes)


class BatchNorm(Function):
    """Inputs: x, weight, bias; options: per-channel `mean`/`var`. When they are the batch's
    own statistics (`batch_stats=True`, training) the gradient also flows through them;
    running statistics (eval) are constants."""

    circuit = jacobian("bn")

    def forward(self, x, weight, bias, mean=None, var=None, eps=1e-5, batch_stats=False):
        axes = _stat_axes(x.ndim)
        self.batch_stats, self.fused = batch_stats, kernels.applies(x)
        if self.fused:  # keeps x, not x_hat: the backward's kernels recompute it on the fly
            inv_std = 1.0 / np.sqrt(np.asarray(var, np.float64) + eps)
            self.x, self.mean, self.inv_std, self.weight = x, mean, inv_std, weight
            return kernels.normalize(x, mean, inv_std * weight, bias)
        self.inv_std = _per_channel(1.0 / np.sqrt(var + eps), x.ndim).astype(x.dtype)
        self.x_hat = (x - _per_channel(mean, x.ndim).astype(x.dtype)) * self.inv_std
        self.weight, self.axes = _per_channel(weight, x.ndim), axes
        return self.x_hat * self.weight + _per_channel(bias, x.ndim)

    def backward(self, g):
        if self.fused:
            return kernels.backward(g, self.x, self.mean, self.inv_std, self.weight,
                                    self.batch_stats)
        x_hat, axes = self.x_hat, self.axes
        gw = (g * x_hat).sum(axis=axes)
        gb = g.sum(axis=axes)
        g_hat = g * self.weight
        if self.batch_stats:
            m = g.size // g.shape[1]
            # d/dx of (x - mean(x)) / std(x): remove the parts that move mean and variance
            gx = self.inv_std * (g_hat - g_hat.mean(axis=axes, keepdims=True)
                                 - x_hat * (g_hat * x_hat).sum(axis=axes, keepdims=True) / m)
        else:
            gx = g_hat * self.inv_std
        return gx, gw, gb
