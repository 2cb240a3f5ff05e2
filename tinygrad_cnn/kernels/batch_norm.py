"""Batch-norm kernels on (N, C, L) arrays: statistics, the normalisation and its gradient
in fused passes per channel, into recycled buffers.

numpy's version makes a temporary for every step of `(x - mean) * inv_std * w + b` and of
the gradient's formula, each a full pass over memory with fresh pages; here the forward
reads x twice (mean, then variance) and writes y once, the backward reads g and x once for
its two sums and once more to write gx. Sums are float64 whatever the input's dtype;
`reassoc` lets LLVM vectorise them (NaN and inf still propagate: no `nnan`/`ninf`).
"""
from __future__ import annotations

from typing import Tuple

import numpy as np

from . import runtime
from .jit import njit

_MATH = {"contract", "reassoc"}
#: arrays with fewer elements per channel than this stay in numpy (e.g. BatchNorm1d on
#: (N, C)): a per-channel loop over a few strided values costs more than it saves
MIN_PER_CHANNEL = 16


@njit(cache=True, nogil=True, fastmath=_MATH)
def _sum_kernel(x, sums):
    """sums[c] = the sum of channel c's values."""
    n, c, length = x.shape
    for ch in range(c):
        total = 0.0
        for i in range(n):
            row = x[i, ch]
            for j in range(length):
                total += row[j]
        sums[ch] = total


@njit(cache=True, nogil=True, fastmath=_MATH)
def _squares_kernel(x, mean, sums):
    """sums[c] = the sum of (x - mean[c]) ** 2 over channel c (a second pass after the
    mean's: exact for large means too)."""
    n, c, length = x.shape
    for ch in range(c):
        mu, total = mean[ch], 0.0
        for i in range(n):
            row = x[i, ch]
            for j in range(length):
                d = row[j] - mu
                total += d * d
        sums[ch] = total


@njit(cache=True, nogil=True, fastmath=_MATH)
def _affine_kernel(x, mean, scale, shift, out):
    """out = (x - mean[c]) * scale[c] + shift[c] (x - mean first: no cancellation when
    the mean is large)."""
    n, c, length = x.shape
    for i in range(n):
        for ch in range(c):
            src, dst, mu, a, b = x[i, ch], out[i, ch], mean[ch], scale[ch], shift[ch]
            for j in range(length):
                dst[j] = (src[j] - mu) * a + b


@njit(cache=True, nogil=True, fastmath=_MATH)
def _grad_sums_kernel(g, x, mean, sum_g, sum_gx):
    """sum_g = sum of g, sum_gx = sum of g * (x - mean), per channel."""
    n, c, length = x.shape
    for ch in range(c):
        mu, sg, sgx = mean[ch], 0.0, 0.0
        for i in range(n):
            grow, xrow = g[i, ch], x[i, ch]
            for j in range(length):
                sg += grow[j]
                sgx += grow[j] * (xrow[j] - mu)
        sum_g[ch] = sg
        sum_gx[ch] = sgx


@njit(cache=True, nogil=True, fastmath=_MATH)
def _grad_input_kernel(g, x, mean, a, k, b, gx):
    """gx = a[c] * g + k[c] * (x - mean[c]) + b[c]: the batch-norm input gradient, linear
    per channel."""
    n, c, length = x.shape
    for i in range(n):
        for ch in range(c):
            grow, xrow, dst = g[i, ch], x[i, ch], gx[i, ch]
            mu, ac, kc, bc = mean[ch], a[ch], k[ch], b[ch]
            for j in range(length):
                dst[j] = ac * grow[j] + kc * (xrow[j] - mu) + bc


def applies(x: np.ndarray) -> bool:
    """Do the kernels take this input (float32/64, enough values per channel)?"""
    return (x.dtype in (np.float32, np.float64) and x.ndim >= 3 and x.size > 0
            and x.size // (x.shape[0] * x.shape[1]) >= MIN_PER_CHANNEL)


def _ncl(a: np.ndarray) -> np.ndarray:
    return runtime.kernel_array(a).reshape(a.shape[0], a.shape[1], -1)


def _channel_sums(kernel, x3: np.ndarray, *per_channel: np.ndarray) -> np.ndarray:
    """The per-channel sums `kernel(x3 part, *per_channel, out)` gives, added over batch
    parts (each pass here is memory-bound: large arrays use all threads, runtime.run_pass)."""
    def part(n0: int, n1: int) -> np.ndarray:
        out = np.empty(x3.shape[1])
        kernel(x3[n0:n1], *per_channel, out)
        return out
    return sum(runtime.run_pass(part, x3.shape[0], x3.nbytes))


def statistics(x: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
    """Per-channel (mean, biased variance) of an (N, C, ...) array, float64 sums, in x's
    dtype."""
    x3 = _ncl(x)
    count = x.size // x.shape[1]
    mean = _channel_sums(_sum_kernel, x3) / count
    var = _channel_sums(_squares_kernel, x3, mean) / count
    return mean.astype(x.dtype), var.astype(x.dtype)


def normalize(x: np.ndarray, mean: np.ndarray, scale: np.ndarray,
              shift: np.ndarray) -> np.ndarray:
    """(x - mean) * scale + shift per channel (each (C,))."""
    out = runtime.scratch(x.shape, x.dtype)
    x3, out3 = _ncl(x), _ncl(out)
    mean, scale, shift = (v.astype(x.dtype) for v in (mean, scale, shift))
    runtime.run_pass(lambda n0, n1: _affine_kernel(x3[n0:n1], mean, scale, shift,
                                                   out3[n0:n1]), x3.shape[0], 2 * x3.nbytes)
    return out


def backward(g: np.ndarray, x: np.ndarray, mean: np.ndarray, inv_std: np.ndarray,
             weight: np.ndarray, batch_stats: bool) -> Tuple[np.ndarray, ...]:
    """(gx, gweight, gbias) of y = (x - mean) * inv_std * weight + bias; when the mean and
    variance are x's own (`batch_stats`), gx also flows through them."""
    if g.shape != x.shape:  # broadcast_to is read-only even when nothing broadcasts
        g = np.broadcast_to(g, x.shape)
    g3, x3 = _ncl(g), _ncl(x)
    mean64, inv64, w64 = (np.asarray(v, np.float64) for v in (mean, inv_std, weight))
    sums = runtime.run_pass(lambda n0, n1: _grad_sums(g3[n0:n1], x3[n0:n1], mean64),
                            x3.shape[0], 2 * x3.nbytes)
    sum_g, sum_gx = sum(s[0] for s in sums), sum(s[1] for s in sums)
    a = w64 * inv64
    if batch_stats:
        m = x.size // x.shape[1]
        # a * (g - mean(g) - x_hat * mean(g * x_hat)), x_hat = (x - mean) * inv_std
        k = -a * inv64 * inv64 * sum_gx / m
        b = -a * sum_g / m
    else:
        k, b = np.zeros_like(a), np.zeros_like(a)
    gx = runtime.scratch(x.shape, x.dtype)
    gx3 = _ncl(gx)
    mean_, a_, k_, b_ = (v.astype(x.dtype) for v in (mean64, a, k, b))
    runtime.run_pass(lambda n0, n1: _grad_input_kernel(g3[n0:n1], x3[n0:n1], mean_, a_, k_, b_,
                                                       gx3[n0:n1]), x3.shape[0], 3 * x3.nbytes)
    return gx, (sum_gx * inv64).astype(x.dtype), sum_g.astype(x.dtype)


def _grad_sums(g3: np.ndarray, x3: np.ndarray, mean64: np.ndarray) -> Tuple[np.ndarray, ...]:
    sum_g, sum_gx = np.empty(x3.shape[1]), np.empty(x3.shape[1])
    _grad_sums_kernel(g3, x3, mean64, sum_g, sum_gx)
    return sum_g, sum_gx
