"""Pooling kernels on stacks of planes (N*C, H, W): one thread works on whole planes, so
no two threads ever write the same element.

Max pooling finds the max and its argmax in the same pass; the index is flat into the
H*W plane, as PyTorch's return_indices. Average pooling is written for arbitrary
per-row / per-column windows (start, end) and a per-output divisor, so avg_pool2d and
adaptive_avg_pool2d share one forward and one backward kernel.
"""
from __future__ import annotations

import numpy as np
from numba import njit, prange

from .im2col import valid_range
from .layout import kernel_array


@njit(parallel=True, cache=True)
def _maxpool_kernel(x, kh, kw, sh, sw, ph, pw, dh, dw, out, idx):
    height, width = x.shape[1], x.shape[2]
    for plane in prange(x.shape[0]):
        for oh in range(out.shape[1]):
            h0 = oh * sh - ph
            ki_lo, ki_hi = valid_range(h0, dh, height, kh)
            for ow in range(out.shape[2]):
                w0 = ow * sw - pw
                kj_lo, kj_hi = valid_range(w0, dw, width, kw)
                # the first tap inside the input is the default winner (PyTorch's choice
                # when all values are -inf); later taps win only if strictly larger, so
                # ties go to the first in scan order; NaN always wins, as in PyTorch.
                # A window that dilation makes skip the input entirely gets -inf and
                # index -1 (PyTorch returns a meaningless index there).
                best = -np.inf
                best_at = -1
                if ki_lo < ki_hi and kj_lo < kj_hi:
                    best_at = (h0 + ki_lo * dh) * width + w0 + kj_lo * dw
                for ki in range(ki_lo, ki_hi):
                    ih = h0 + ki * dh
                    for kj in range(kj_lo, kj_hi):
                        iw = w0 + kj * dw
                        v = x[plane, ih, iw]
                        if v > best or np.isnan(v):
                            best, best_at = v, ih * width + iw
                out[plane, oh, ow] = best
                idx[plane, oh, ow] = best_at


@njit(cache=True)  # a cheap memory-bound scatter: threads would not pay their compile time
def _maxpool_backward_kernel(g, idx, gx):
    for plane in range(g.shape[0]):
        for oh in range(g.shape[1]):
            for ow in range(g.shape[2]):
                at = idx[plane, oh, ow]
                if at >= 0:  # a window that missed the input has no input to feed
                    gx[plane, at] += g[plane, oh, ow]


@njit(cache=True)  # serial: usually small maps (global pooling); threads cost compile time
def _avgpool_kernel(x, h_start, h_end, w_start, w_end, divisor, out):
    for plane in range(x.shape[0]):
        for oh in range(out.shape[1]):
            for ow in range(out.shape[2]):
                total = 0.0  # a float64 scalar: more accurate, no array cost
                for ih in range(h_start[oh], h_end[oh]):
                    for iw in range(w_start[ow], w_end[ow]):
                        total += x[plane, ih, iw]
                out[plane, oh, ow] = total / divisor[oh, ow]


@njit(cache=True)
def _avgpool_backward_kernel(g, h_start, h_end, w_start, w_end, divisor, gx):
    for plane in range(g.shape[0]):
        for oh in range(g.shape[1]):
            for ow in range(g.shape[2]):
                share = g[plane, oh, ow] / divisor[oh, ow]
                for ih in range(h_start[oh], h_end[oh]):
                    for iw in range(w_start[ow], w_end[ow]):
                        gx[plane, ih, iw] += share


def _planes(a: np.ndarray) -> np.ndarray:
    """(N, C, H, W) -> contiguous (N*C, H, W)."""
    return kernel_array(a).reshape(a.shape[0] * a.shape[1], a.shape[2], a.shape[3])


def maxpool_forward(x: np.ndarray, kernel: tuple, stride: tuple, pad: tuple,
                    dilation: tuple, out_hw: tuple):
    """(values, flat argmax indices into each H*W plane), both (N, C, OH, OW)."""
    shape = x.shape[:2] + tuple(out_hw)
    out = np.empty(shape, dtype=x.dtype)
    idx = np.empty(shape, dtype=np.int64)
    _maxpool_kernel(_planes(x), *kernel, *stride, *pad, *dilation, _planes(out),
                    _planes(idx))
    return out, idx


def maxpool_backward(g: np.ndarray, idx: np.ndarray, x_shape: tuple) -> np.ndarray:
    """Route each output gradient to its winner (summing where windows overlap)."""
    gx = np.zeros(x_shape, dtype=g.dtype)
    _maxpool_backward_kernel(_planes(g), _planes(idx), gx.reshape(-1, x_shape[2] * x_shape[3]))
    return gx


def avgpool_forward(x: np.ndarray, rows: tuple, cols: tuple, divisor: np.ndarray):
    """Window means: rows = (start, end) per output row, cols likewise per column,
    divisor (OH, OW)."""
    out = np.empty(x.shape[:2] + divisor.shape, dtype=x.dtype)
    _avgpool_kernel(_planes(x), *rows, *cols, divisor, _planes(out))
    return out


def avgpool_backward(g: np.ndarray, rows: tuple, cols: tuple, divisor: np.ndarray,
                     x_shape: tuple) -> np.ndarray:
    """Spread each output gradient evenly (1/divisor) over its window."""
    gx = np.zeros(x_shape, dtype=g.dtype)
    _avgpool_backward_kernel(_planes(g), *rows, *cols, divisor, _planes(gx))
    return gx
