"""im2col / col2im: turn a convolution into one matrix product (the cs231n layout).

`im2col` copies every receptive field of the (N, C, H, W) input into one *column* of a
matrix of shape (C*kh*kw, N*OH*OW):

    row    = (c, ki, kj)   which input channel and which kernel tap,
    column = (n, oh, ow)   which image and which output pixel.

A convolution with weights W of shape (O, C, kh, kw) is then the single GEMM
`W.reshape(O, C*kh*kw) @ cols`, whose (O, N*OH*OW) result reshapes to the output.
Padding is never materialised: taps that fall outside the input read as 0.

`col2im` is the adjoint (transpose) of `im2col`: it adds every column entry back onto
the input pixel it was copied from, summing where receptive fields overlap. That is
exactly the gradient of `im2col`, so the input gradient of a convolution is
`col2im(W2d.T @ grad_out2d)`.
"""
from __future__ import annotations

from typing import Any, Sequence, Tuple

import numpy as np
from numba import njit, prange

from .geometry import conv_output_size, pad4, pair
from .layout import kernel_array


@njit(cache=True)
def valid_range(offset: int, stride: int, size: int, count: int) -> Tuple[int, int]:
    """The outputs o in [lo, hi) whose input index o*stride + offset lies in [0, size).

    Computing the range once keeps bounds checks out of the innermost loops.
    """
    lo = 0 if offset >= 0 else (stride - 1 - offset) // stride
    hi = min(count, (size - 1 - offset) // stride + 1)
    return lo, max(lo, hi)


@njit(parallel=True, cache=True)
def _im2col_kernel(x, kh, kw, sh, sw, pad_top, pad_left, dh, dw, oh_count, ow_count, cols):
    n_img, n_chan, height, width = x.shape
    taps = kh * kw
    # one row per (c, ki, kj): rows are independent, so threads never share a write
    for row in prange(n_chan * taps):
        c, ki, kj = row // taps, (row // kw) % kh, row % kw
        h_off, w_off = ki * dh - pad_top, kj * dw - pad_left
        oh_lo, oh_hi = valid_range(h_off, sh, height, oh_count)
        ow_lo, ow_hi = valid_range(w_off, sw, width, ow_count)
        for n in range(n_img):
            base = n * oh_count * ow_count
            cols[row, base:base + oh_count * ow_count] = 0
            for oh in range(oh_lo, oh_hi):
                ih = oh * sh + h_off
                start = base + oh * ow_count
                for ow in range(ow_lo, ow_hi):
                    cols[row, start + ow] = x[n, c, ih, ow * sw + w_off]


@njit(parallel=True, cache=True)
def _col2im_kernel(cols, kh, kw, sh, sw, pad_top, pad_left, dh, dw, oh_count, ow_count, x):
    n_img, n_chan, height, width = x.shape
    # one (n, c) plane per iteration: every tap writing to a plane is in the same iteration
    for plane in prange(n_img * n_chan):
        n, c = plane // n_chan, plane % n_chan
        base = n * oh_count * ow_count
        for ki in range(kh):
            h_off = ki * dh - pad_top
            oh_lo, oh_hi = valid_range(h_off, sh, height, oh_count)
            for kj in range(kw):
                w_off = kj * dw - pad_left
                ow_lo, ow_hi = valid_range(w_off, sw, width, ow_count)
                row = (c * kh + ki) * kw + kj
                for oh in range(oh_lo, oh_hi):
                    ih = oh * sh + h_off
                    start = base + oh * ow_count
                    for ow in range(ow_lo, ow_hi):
                        x[n, c, ih, ow * sw + w_off] += cols[row, start + ow]


def _geometry(x_shape: Sequence[int], kernel_size: Any, stride: Any, padding: Any,
              dilation: Any) -> tuple:
    """Normalised (kernel, stride, pad4, dilation, (OH, OW)) for an input shape."""
    (kh, kw), (sh, sw) = pair(kernel_size, "kernel_size"), pair(stride, "stride")
    (dh, dw), pads = pair(dilation, "dilation"), pad4(padding)
    height, width = x_shape[2], x_shape[3]
    oh = conv_output_size(height, kh, sh, pads[0], pads[1], dh)
    ow = conv_output_size(width, kw, sw, pads[2], pads[3], dw)
    if oh < 1 or ow < 1:
        raise ValueError(f"im2col: a {kh}x{kw} kernel (dilation {(dh, dw)}) does not fit the "
                         f"input {tuple(x_shape)} with padding {pads}")
    return (kh, kw), (sh, sw), pads, (dh, dw), (oh, ow)


def im2col(x: np.ndarray, kernel_size: Any, stride: Any = 1, padding: Any = 0,
           dilation: Any = 1) -> np.ndarray:
    """Receptive fields of x (N, C, H, W) as the columns of a (C*kh*kw, N*OH*OW) matrix.

    padding is an int, (ph, pw) or (top, bottom, left, right).

    >>> x = np.arange(16, dtype=np.float32).reshape(1, 1, 4, 4)
    >>> im2col(x, 3).shape          # 9 taps x 4 output pixels
    (9, 4)
    >>> im2col(x, 3)[:, 0]          # the top-left 3x3 patch
    array([ 0.,  1.,  2.,  4.,  5.,  6.,  8.,  9., 10.], dtype=float32)
    """
    if x.ndim != 4:
        raise ValueError(f"im2col expects a 4-D (N, C, H, W) array, got shape {x.shape}")
    (kh, kw), (sh, sw), pads, (dh, dw), (oh, ow) = _geometry(
        x.shape, kernel_size, stride, padding, dilation)
    x = kernel_array(x)
    cols = np.empty((x.shape[1] * kh * kw, x.shape[0] * oh * ow), dtype=x.dtype)
    _im2col_kernel(x, kh, kw, sh, sw, pads[0], pads[2], dh, dw, oh, ow, cols)
    return cols


def col2im(cols: np.ndarray, x_shape: Sequence[int], kernel_size: Any, stride: Any = 1,
           padding: Any = 0, dilation: Any = 1) -> np.ndarray:
    """The adjoint of `im2col`: scatter-add columns back into an (N, C, H, W) array.

    >>> x = np.ones((1, 1, 3, 3))
    >>> col2im(im2col(x, 2), x.shape, 2)[0, 0]   # how many 2x2 windows cover each pixel
    array([[1., 2., 1.],
           [2., 4., 2.],
           [1., 2., 1.]])
    """
    if len(x_shape) != 4:
        raise ValueError(f"col2im expects a 4-D x_shape (N, C, H, W), got {tuple(x_shape)}")
    (kh, kw), (sh, sw), pads, (dh, dw), (oh, ow) = _geometry(
        x_shape, kernel_size, stride, padding, dilation)
    expected = (x_shape[1] * kh * kw, x_shape[0] * oh * ow)
    if cols.shape != expected:
        raise ValueError(f"col2im: cols of shape {cols.shape} do not match x_shape "
                         f"{tuple(x_shape)} and this geometry, which need {expected}")
    x = np.zeros(tuple(x_shape), dtype=cols.dtype)
    _col2im_kernel(kernel_array(cols), kh, kw, sh, sw, pads[0], pads[2], dh, dw,
                   oh, ow, x)
    return x
