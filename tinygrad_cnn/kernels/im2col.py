"""im2col / col2im: turn a convolution into one matrix product (the cs231n layout).

`im2col` copies every receptive field of the (N, C, H, W) input into one *column* of a
matrix of shape (C*kh*kw, N*OH*OW):

    row    = (c, ki, kj)   which input channel and which kernel tap,
    column = (n, oh, ow)   which image and which output pixel.

A convolution with weights W of shape (O, C, kh, kw) is then the single GEMM
`W.reshape(O, C*kh*kw) @ cols`, whose (O, N*OH*OW) result reshapes to the output.

`col2im` is the adjoint (transpose) of `im2col`: it adds every column entry back onto
the input pixel it was copied from, summing where receptive fields overlap. That is
exactly the gradient of `im2col`, so the input gradient of a convolution is
`col2im(W2d.T @ grad_out2d)`.

Both kernels work on the input laid out as a *grid* (`to_grid`): zero-bordered by the
padding, and with each row's columns split by phase modulo the width stride,

    grid[n, c, ih, r, m] = padded x[n, c, ih, m*sw + r]      (shape (N, C, Hp, sw, Wq)),

so that for any tap (ki, kj) and output row oh the pixels one row of columns needs,
x[n, c, oh*sh + ki*dh, ow*sw + kj*dw] for ow = 0..OW-1, are one contiguous run
grid[n, c, oh*sh + ki*dh, (kj*dw) % sw, (kj*dw) // sw + ow]. The kernels' inner loops are
then plain contiguous copies (im2col) and adds (col2im) with no bounds tests, which
LLVM vectorises; a padding-free stride-1 input is its own grid (no copy). It beats a
table-driven gather (benchmarks/TUNING.md, "Other kernels").
"""
from __future__ import annotations

from typing import Any, Sequence, Tuple

import numpy as np

from . import runtime
from .geometry import Pad4, Pair, conv_output_size, pad4, pair
from .jit import njit


def grid_shape(x_shape: Sequence[int], pad: Pad4, stride_w: int) -> Tuple[int, ...]:
    """(N, C, Hp, sw, Wq) of `to_grid`: Hp, Wq*sw the padded height and (rounded up) width."""
    n, c, h, w = x_shape
    wq = -(-(w + pad[2] + pad[3]) // stride_w)
    return (n, c, h + pad[0] + pad[1], stride_w, wq)


def _phases(width: int, pad_left: int, stride_w: int):
    """(phase r, first input column w0, first grid column m0, count) of each phase."""
    for r in range(stride_w):
        w0 = (r - pad_left) % stride_w
        yield r, w0, (w0 + pad_left) // stride_w, len(range(w0, width, stride_w))


def to_grid(x: np.ndarray, pad: Pad4, stride_w: int) -> np.ndarray:
    """x (N, C, H, W) as the kernels' zero-bordered, phase-split grid (module docstring);
    x itself, reshaped, when there is no padding and the width stride is 1."""
    shape = grid_shape(x.shape, pad, stride_w)
    if stride_w == 1 and not any(pad):
        return x.reshape(shape)
    grid = runtime.scratch_zeros(shape, x.dtype)
    rows = grid[:, :, pad[0]:pad[0] + x.shape[2]]
    for r, w0, m0, count in _phases(x.shape[3], pad[2], stride_w):
        rows[:, :, :, r, m0:m0 + count] = x[:, :, :, w0::stride_w]
    return grid


def from_grid(grid: np.ndarray, pad: Pad4, out: np.ndarray) -> None:
    """out (N, C, H, W) = the unpadded pixels of a grid (the inverse of `to_grid`)."""
    rows = grid[:, :, pad[0]:pad[0] + out.shape[2]]
    for r, w0, m0, count in _phases(out.shape[3], pad[2], grid.shape[3]):
        out[:, :, :, w0::grid.shape[3]] = rows[:, :, :, r, m0:m0 + count]


# Serial kernels: a numba thread pool next to OpenBLAS's threads stalls, and these copies
# are memory-bound anyway (see runtime.py). nogil: large convs run these on two Python
# threads at once, one batch part each (runtime.run_parts). The inner loops index a view
# starting at the run: an index i + ow could be negative as far as LLVM knows, and
# numba's wraparound of negative indices then blocks vectorisation. Flat 1-D arguments
# compile faster than 5-D ones.
@njit(cache=True, nogil=True)
def _im2col_kernel(src, grid_chw, kernel, dilation, stride_h, out_hw, n_start, dst, width):
    """Columns (flat dst, `width` per row) for images n_start .. n_start + width // (OH*OW)
    of a flat grid (`to_grid`) whose images are grid_chw = (C, Hp, sw, Wq)."""
    (kh, kw), (dh, dw), (oh_n, ow_n) = kernel, dilation, out_hw
    c_n, hp, sw, wq = grid_chw
    row_len, plane = sw * wq, oh_n * ow_n
    for c in range(c_n):
        for ki in range(kh):
            for kj in range(kw):
                tap_start = (kj * dw) % sw * wq + (kj * dw) // sw
                row_start = ((c * kh + ki) * kw + kj) * width
                for n in range(width // plane):
                    s0 = (((n_start + n) * c_n + c) * hp + ki * dh) * row_len + tap_start
                    d0 = row_start + n * plane
                    for oh in range(oh_n):
                        run = src[s0 + oh * stride_h * row_len:]
                        out = dst[d0 + oh * ow_n:]
                        for ow in range(ow_n):
                            out[ow] = run[ow]


@njit(cache=True, nogil=True)
def _col2im_kernel(src, width, kernel, dilation, stride_h, out_hw, n_start, dst, grid_chw):
    """Flat grid dst[n_start + n] = the sum of image n's columns (flat src, `width` per
    row), in the grid layout; those images' grid planes are overwritten."""
    (kh, kw), (dh, dw), (oh_n, ow_n) = kernel, dilation, out_hw
    c_n, hp, sw, wq = grid_chw
    row_len, plane = sw * wq, oh_n * ow_n
    # channel by channel, then image by image: the plane being summed into stays in L1,
    # and the channel's kh*kw rows of columns are read front to back, a few long streams
    # (image-major order read all C*kh*kw rows a short run at a time)
    for c in range(c_n):
        for n in range(width // plane):
            p0 = ((n_start + n) * c_n + c) * hp * row_len
            for i in range(hp * row_len):
                dst[p0 + i] = 0
            for ki in range(kh):
                for kj in range(kw):
                    d0 = p0 + ki * dh * row_len + (kj * dw) % sw * wq + (kj * dw) // sw
                    s0 = ((c * kh + ki) * kw + kj) * width + n * plane
                    for oh in range(oh_n):
                        out = dst[d0 + oh * stride_h * row_len:]
                        run = src[s0 + oh * ow_n:]
                        for ow in range(ow_n):
                            out[ow] += run[ow]


def _flat(a: np.ndarray) -> np.ndarray:
    """a as a 1-D view (never a copy: the kernels write through it)."""
    if not a.flags.c_contiguous:
        raise ValueError(f"im2col kernels need C-contiguous arrays, got strides {a.strides}")
    return a.reshape(-1)


def columns_into(grid: np.ndarray, kernel: Pair, stride: Pair, dilation: Pair,
                 out_hw: Pair, n_start: int, cols: np.ndarray) -> None:
    """cols = the columns of images n_start.. of `grid` (`to_grid`), as many as fit."""
    _im2col_kernel(_flat(grid), grid.shape[1:], kernel, dilation, stride[0], out_hw,
                   n_start, _flat(cols), cols.shape[1])


def add_columns_into(cols: np.ndarray, kernel: Pair, stride: Pair, pad: Pad4,
                     dilation: Pair, out_hw: Pair, n_start: int, x: np.ndarray) -> None:
    """x[n_start : n_start + T] = col2im of cols (T images' columns); x C-contiguous."""
    images = cols.shape[1] // (out_hw[0] * out_hw[1])
    shape = grid_shape((images,) + x.shape[1:], pad, stride[1])
    if stride[1] == 1 and not any(pad):  # x is its own grid
        grid, n0 = x, n_start
    else:
        grid, n0 = runtime.scratch(shape, x.dtype), 0
    _col2im_kernel(_flat(cols), cols.shape[1], kernel, dilation, stride[0], out_hw, n0,
                   _flat(grid), shape[1:])
    if grid is not x:
        from_grid(grid, pad, x[n_start:n_start + images])


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
    x = runtime.kernel_array(x)
    cols = np.empty((x.shape[1] * kh * kw, x.shape[0] * oh * ow), dtype=x.dtype)
    columns_into(to_grid(x, pads, sw), (kh, kw), (sh, sw), (dh, dw), (oh, ow), 0, cols)
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
    add_columns_into(runtime.kernel_array(cols), (kh, kw), (sh, sw), pads, (dh, dw), (oh, ow), 0, x)
    return x
