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

from functools import lru_cache
from typing import Any, Sequence, Tuple

import numpy as np
from numba import njit

from . import workspace
from .geometry import Pair, conv_output_size, pad4, pair
from .layout import kernel_array


@njit(cache=True, nogil=True)
def valid_range(offset: int, stride: int, size: int, count: int) -> Tuple[int, int]:
    """The outputs o in [lo, hi) whose input index o*stride + offset lies in [0, size).

    Computing the range once keeps bounds checks out of the innermost loops.
    """
    lo = 0 if offset >= 0 else (stride - 1 - offset) // stride
    hi = min(count, (size - 1 - offset) // stride + 1)
    return lo, max(lo, hi)


@lru_cache(maxsize=64)
def source_offsets(channels: int, height: int, width: int, kernel: Pair, stride: Pair,
                   pad_top_left: Pair, dilation: Pair, out_hw: Pair) -> np.ndarray:
    """For every entry (row, pixel) of one image's columns, the flat offset into that
    image's (C, H, W) block it copies, or -1 where the tap falls in the padding.

    Computed once per geometry (numpy, cached); the kernels then do one table-driven
    gather (im2col) or scatter-add (col2im) with no per-row bounds logic. That was 1.3-1.7x
    faster than the loops that derive the window bounds per output row (im2col of
    (64,32,14,14) k3: 2.9 vs 4.7 ms; col2im 5.0 vs 8.6 ms), whose 14-element inner loops
    were mostly overhead.

    >>> source_offsets(1, 3, 3, (2, 2), (1, 1), (0, 0), (1, 1), (2, 2))
    array([[0, 1, 3, 4],
           [1, 2, 4, 5],
           [3, 4, 6, 7],
           [4, 5, 7, 8]], dtype=int32)
    """
    (kh, kw), (sh, sw), (pt, pl), (dh, dw), (oh, ow) = (kernel, stride, pad_top_left,
                                                        dilation, out_hw)
    c = np.arange(channels).reshape(-1, 1, 1, 1, 1)
    ih = (np.arange(oh) * sh).reshape(1, 1, 1, -1, 1) + (
        np.arange(kh) * dh - pt).reshape(1, -1, 1, 1, 1)
    iw = (np.arange(ow) * sw).reshape(1, 1, 1, 1, -1) + (
        np.arange(kw) * dw - pl).reshape(1, 1, -1, 1, 1)
    inside = (ih >= 0) & (ih < height) & (iw >= 0) & (iw < width)
    table = np.where(inside, (c * height + ih) * width + iw, -1)
    table = table.reshape(channels * kh * kw, oh * ow).astype(np.int32)
    table.flags.writeable = False  # shared by every call with this geometry
    return table


# Serial kernels: on 2 cores a numba thread pool next to OpenBLAS's 2 threads stalled at
# whole scheduler quanta (8 or 16 ms per conv instead of ~1 ms), and these copies are
# memory-bound anyway (a 9 MB copy: 0.63 ms serial, 0.67 ms with 2 workqueue threads).
# BLAS owns the cores; see threads.py. nogil: large convs run these on two Python
# threads at once, one batch part each (batch_split.py).
@njit(cache=True, nogil=True)
def _im2col_kernel(blocks, table, n_start, cols):
    """Columns for images n_start .. n_start + cols.shape[1] // P, from `image_blocks`."""
    rows, plane = table.shape
    n_img = cols.shape[1] // plane
    for row in range(rows):
        offsets, dst = table[row], cols[row]
        for n in range(n_img):
            src = blocks[n_start + n]
            start = n * plane
            for j in range(plane):
                dst[start + j] = src[offsets[j]]


@njit(cache=True, nogil=True)
def _col2im_kernel(cols, table, n_start, x):
    """x[n_start + n] = the sum of image n's columns (those images are overwritten)."""
    rows, plane = table.shape
    block = x.shape[1] * x.shape[2] * x.shape[3]
    flat = x.reshape(-1)
    n_img = cols.shape[1] // plane
    # image by image: the (C, H, W) block being summed into stays in cache
    for n in range(n_img):
        dst = flat[(n_start + n) * block:(n_start + n + 1) * block]
        dst[:] = 0
        start = n * plane
        for row in range(rows):
            offsets, src = table[row], cols[row]
            for j in range(plane):
                at = offsets[j]
                if at >= 0:
                    dst[at] += src[start + j]


@lru_cache(maxsize=64)
def gather_offsets(channels: int, height: int, width: int, kernel: Pair, stride: Pair,
                   pad_top_left: Pair, dilation: Pair, out_hw: Pair) -> np.ndarray:
    """`source_offsets` for the im2col kernel: unsigned, with the padding taps pointing
    one past the image (C*H*W), where `image_blocks` keeps a zero. A branch-free uint32
    gather was 1.3x faster than testing each offset for -1 (LeNet conv2: 1.46 -> 1.05
    ms, plus 0.09 ms for the padded copy of x, which only padded convs need)."""
    table = source_offsets(channels, height, width, kernel, stride, pad_top_left, dilation,
                           out_hw)
    table = np.where(table < 0, channels * height * width, table).astype(np.uint32)
    table.flags.writeable = False
    return table


def image_blocks(x: np.ndarray, padded: bool) -> np.ndarray:
    """x (N, C, H, W) as N rows of C*H*W; with `padded` a copy with one more column of
    zeros (what the padding taps of `gather_offsets` read). x must be C-contiguous."""
    n, block = x.shape[0], x[0].size
    if not padded:
        return x.reshape(n, block)
    blocks = workspace.take((n, block + 1), x.dtype)
    blocks[:, :block] = x.reshape(n, block)
    blocks[:, block] = 0
    return blocks


def _offsets(table_fn, x_shape: Sequence[int], kernel: Pair, stride: Pair, pads: tuple,
             dilation: Pair, out_hw: Pair) -> np.ndarray:
    return table_fn(int(x_shape[1]), int(x_shape[2]), int(x_shape[3]), kernel, stride,
                    (pads[0], pads[2]), dilation, out_hw)


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
    table = _offsets(gather_offsets, x.shape, (kh, kw), (sh, sw), pads, (dh, dw), (oh, ow))
    _im2col_kernel(image_blocks(x, any(pads)), table, 0, cols)
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
    x = np.empty(tuple(x_shape), dtype=cols.dtype)
    _col2im_kernel(kernel_array(cols), _offsets(source_offsets, x_shape, (kh, kw), (sh, sw),
                                                pads, (dh, dw), (oh, ow)), 0, x)
    return x
