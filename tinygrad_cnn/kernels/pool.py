"""Pooling kernels on stacks of planes (N*C, H, W): one thread works on whole planes, so
no two threads ever write the same element.

Max pooling finds the max and its argmax in the same pass; the index is flat into the
H*W plane, as PyTorch's return_indices. Average pooling is written for arbitrary
per-row / per-column windows (start, end) and a per-output divisor, so avg_pool2d and
adaptive_avg_pool2d share one forward and one backward kernel.
"""
from __future__ import annotations

from typing import Tuple

import numpy as np

from . import runtime
from .jit import njit

#: the winning tap of a max-pool window (ki * kw + kj) is stored in one byte for windows of
#: up to 254 taps (PyTorch's int64 flat indices cost 8x the memory traffic), else in an
#: int32; the value kh * kw ("no tap") marks a window that lies entirely in the padding
MAX_BYTE_TAPS = 254


def _tap_dtype(kernel: tuple):
    return np.uint8 if kernel[0] * kernel[1] <= MAX_BYTE_TAPS else np.int32


@njit(cache=True, nogil=True)
def valid_range(offset: int, stride: int, size: int, count: int) -> Tuple[int, int]:
    """The outputs o in [lo, hi) whose input index o*stride + offset lies in [0, size).

    Computing the range once keeps bounds checks out of the innermost loops.
    """
    lo = 0 if offset >= 0 else (stride - 1 - offset) // stride
    hi = min(count, (size - 1 - offset) // stride + 1)
    return lo, max(lo, hi)


# Serial kernels (runtime.py, "threads"): memory-bound, and a numba thread pool next to
# OpenBLAS's threads stalls for whole scheduler quanta on 2 cores.
@njit(cache=True)
def _maxpool_kernel(x, kh, kw, sh, sw, ph, pw, dh, dw, out, tap):
    """out = window max; tap = which tap (ki * kw + kj) won, kh * kw if none is inside."""
    height, width = x.shape[1], x.shape[2]
    for plane in range(x.shape[0]):
        src = x[plane]
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
                # no tap (PyTorch returns a meaningless index there).
                best = -np.inf
                best_tap = kh * kw
                if ki_lo < ki_hi and kj_lo < kj_hi:
                    best_tap = ki_lo * kw + kj_lo
                nan = False
                for ki in range(ki_lo, ki_hi):
                    row = src[h0 + ki * dh]
                    for kj in range(kj_lo, kj_hi):
                        v = row[w0 + kj * dw]
                        # branch-free select: random data mispredicts an `if` half the
                        # time; a plain `v > best` stays branch-free on AVX2 too (see
                        # _maxpool2x2_kernel), NaN windows are redone by the exact rule
                        take = v > best
                        best = v if take else best
                        best_tap = ki * kw + kj if take else best_tap
                        nan |= v != v
                if nan:
                    for ki in range(ki_lo, ki_hi):
                        for kj in range(kj_lo, kj_hi):
                            v = src[h0 + ki * dh, w0 + kj * dw]
                            if v != v:  # the last NaN of the window wins, as in PyTorch
                                best, best_tap = v, ki * kw + kj
                out[plane, oh, ow] = best
                tap[plane, oh, ow] = best_tap


@njit(cache=True)
def _maxpool2x2_kernel(x, out, tap):
    """The common case (2x2, stride 2, no padding, windows inside x), unrolled (several
    times faster). Same tie and NaN rules as `_maxpool_kernel`.

    Each select is a single `v > best`, which x86 computes without a branch (maxss and a
    cmov) on AVX2 as on AVX-512. The NaN rule's `| (v != v)` made LLVM branch on AVX2
    (no mask registers), half the branches mispredicted on real data: 9x slower there
    (benchmarks/TUNING.md). NaN is rare, so a row that has one is redone by the exact
    rule."""
    for plane in range(x.shape[0]):
        src = x[plane]
        for oh in range(out.shape[1]):
            top, bottom = src[2 * oh], src[2 * oh + 1]
            best_row, tap_row = out[plane, oh], tap[plane, oh]
            nan = False
            for ow in range(out.shape[2]):
                a, b = top[2 * ow], top[2 * ow + 1]
                c, d = bottom[2 * ow], bottom[2 * ow + 1]
                best, best_tap = a, 0
                best, best_tap = (b, 1) if b > best else (best, best_tap)
                best, best_tap = (c, 2) if c > best else (best, best_tap)
                best, best_tap = (d, 3) if d > best else (best, best_tap)
                best_row[ow], tap_row[ow] = best, best_tap
                nan |= (a != a) | (b != b) | (c != c) | (d != d)
            if nan:
                _maxpool2x2_row_exact(top, bottom, best_row, tap_row)


@njit(cache=True)
def _maxpool2x2_row_exact(top, bottom, best_row, tap_row):
    """One output row by the full rule (NaN wins, the last NaN of a window)."""
    for ow in range(best_row.shape[0]):
        best, best_tap = top[2 * ow], 0
        for t, v in ((1, top[2 * ow + 1]), (2, bottom[2 * ow]), (3, bottom[2 * ow + 1])):
            if v > best or v != v:
                best, best_tap = v, t
        best_row[ow], tap_row[ow] = best, best_tap


@njit(cache=True)
def _maxpool_backward_kernel(g, tap, tap_row, tap_col, sh, sw, ph, pw, gx):
    """gx = each output gradient added at its winning tap (kh * kw = none); gx is
    overwritten.

    tap_row/tap_col give each tap's offset in the window: looking them up instead of
    t // kw, t % kw (integer divisions by a runtime value) made this 2.3x faster."""
    width, no_tap = gx.shape[2], tap_row.shape[0]
    for plane in range(g.shape[0]):
        dst = gx[plane].reshape(-1)
        dst[:] = 0  # plane by plane: zeroed while in cache, no separate pass
        g_plane, tap_plane = g[plane], tap[plane]
        for oh in range(g.shape[1]):
            row0 = oh * sh - ph
            for ow in range(g.shape[2]):
                t = tap_plane[oh, ow]
                if t != no_tap:  # a window that missed the input has no input to feed
                    dst[(row0 + tap_row[t]) * width + ow * sw - pw + tap_col[t]] += \
                        g_plane[oh, ow]


@njit(cache=True)
def _maxpool2x2_backward_kernel(g, tap, gx):
    """The backward of `_maxpool2x2_kernel`. Its windows do not overlap, so each gradient
    is stored (not added) at its winner, into the pair of gx rows of its window row,
    zeroed just before while they are in cache (no separate zeroing pass, no
    read-modify-write); pixels outside all windows (an odd last row or column) are 0.
    A tap's offset from the window's top-left pixel is looked up (0, 1, W, W + 1): this
    scalar scatter measured faster than a dense pass of selects over gx, which LLVM
    cannot vectorise along rows of a few windows (benchmarks/TUNING.md)."""
    width = gx.shape[2]
    offset = np.array([0, 1, width, width + 1])
    for plane in range(g.shape[0]):
        src, taps, dst = g[plane], tap[plane], gx[plane].reshape(-1)
        for oh in range(g.shape[1]):
            row, won, base = src[oh], taps[oh], 2 * oh * width
            dst[base:base + 2 * width] = 0
            for ow in range(g.shape[2]):
                dst[base + 2 * ow + offset[won[ow]]] = row[ow]
        dst[2 * g.shape[1] * width:] = 0


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


@njit(cache=True)
def _avgpool2x2_kernel(x, divisor, out):
    """The common case (2x2 windows at stride 2 inside x), unrolled (several times
    faster). Sums in float64 like `_avgpool_kernel`."""
    for plane in range(x.shape[0]):
        src, dst = x[plane], out[plane]
        for oh in range(out.shape[1]):
            top, bottom, row, div = src[2 * oh], src[2 * oh + 1], dst[oh], divisor[oh]
            for ow in range(out.shape[2]):
                total = (np.float64(top[2 * ow]) + top[2 * ow + 1]
                         + bottom[2 * ow] + bottom[2 * ow + 1])
                row[ow] = total / div[ow]


@njit(cache=True)
def _avgpool2x2_backward_kernel(g, divisor, gx):
    """Each gradient over its 2x2 window (as `_avgpool2x2_kernel`); every pixel of gx is
    written, those outside all windows (an odd last row or column) with 0."""
    for plane in range(g.shape[0]):
        src, dst = g[plane], gx[plane]
        for oh in range(g.shape[1]):
            row, div, top, bottom = src[oh], divisor[oh], dst[2 * oh], dst[2 * oh + 1]
            for ow in range(g.shape[2]):
                share = row[ow] / div[ow]
                top[2 * ow] = top[2 * ow + 1] = bottom[2 * ow] = bottom[2 * ow + 1] = share
            for iw in range(2 * g.shape[2], gx.shape[2]):
                top[iw] = bottom[iw] = 0
        for ih in range(2 * g.shape[1], gx.shape[1]):
            dst[ih, :] = 0


def _tiles_2x2(rows: tuple, cols: tuple) -> bool:
    """Do the windows tile x in 2x2 blocks from the top-left (start 2i, end 2i + 2)?"""
    return all(np.array_equal(start, 2 * np.arange(len(start))) and
               np.array_equal(end, start + 2) for start, end in (rows, cols))


def _planes(a: np.ndarray) -> np.ndarray:
    """(N, C, H, W) -> contiguous (N*C, H, W)."""
    return runtime.kernel_array(a).reshape(a.shape[0] * a.shape[1], a.shape[2], a.shape[3])


def _is_2x2(x_shape: tuple, out_hw: tuple, kernel: tuple, stride: tuple, pad: tuple,
            dilation: tuple) -> bool:
    """The unrolled kernels' case: 2x2 windows at stride 2, no padding, all inside x."""
    inside = 2 * out_hw[0] <= x_shape[2] and 2 * out_hw[1] <= x_shape[3]
    return kernel == stride == (2, 2) and pad == (0, 0) and dilation == (1, 1) and inside


def maxpool_forward(x: np.ndarray, kernel: tuple, stride: tuple, pad: tuple,
                    dilation: tuple, out_hw: tuple):
    """(values, winning taps), both (N, C, OH, OW); see `maxpool_indices`."""
    shape = x.shape[:2] + tuple(out_hw)
    out = runtime.scratch(shape, x.dtype)
    tap = runtime.scratch(shape, _tap_dtype(kernel))
    if _is_2x2(x.shape, out_hw, kernel, stride, pad, dilation):
        _maxpool2x2_kernel(_planes(x), _planes(out), _planes(tap))
    else:
        _maxpool_kernel(_planes(x), *kernel, *stride, *pad, *dilation, _planes(out),
                        _planes(tap))
    return out, tap


def maxpool_indices(tap: np.ndarray, width: int, kernel: tuple, stride: tuple, pad: tuple,
                    dilation: tuple) -> np.ndarray:
    """PyTorch's return_indices: the winners as int64 flat indices into each H*W plane
    (-1 for a window that lies entirely in the padding)."""
    oh, ow = tap.shape[-2:]
    t = tap.astype(np.int64)
    rows = (np.arange(oh) * stride[0] - pad[0])[:, None] + (t // kernel[1]) * dilation[0]
    cols = (np.arange(ow) * stride[1] - pad[1]) + (t % kernel[1]) * dilation[1]
    return np.where(tap == kernel[0] * kernel[1], -1, rows * width + cols)


def maxpool_backward(g: np.ndarray, tap: np.ndarray, x_shape: tuple, kernel: tuple,
                     stride: tuple, pad: tuple, dilation: tuple) -> np.ndarray:
    """Route each output gradient to its winner (summing where windows overlap)."""
    gx = runtime.scratch(tuple(x_shape), g.dtype)
    if _is_2x2(x_shape, g.shape[2:], kernel, stride, pad, dilation):
        _maxpool2x2_backward_kernel(_planes(g), _planes(tap), _planes(gx))
        return gx
    taps = np.arange(kernel[0] * kernel[1])
    _maxpool_backward_kernel(_planes(g), _planes(tap), taps // kernel[1] * dilation[0],
                             taps % kernel[1] * dilation[1], *stride, *pad, _planes(gx))
    return gx


def avgpool_forward(x: np.ndarray, rows: tuple, cols: tuple, divisor: np.ndarray):
    """Window means: rows = (start, end) per output row, cols likewise per column,
    divisor (OH, OW)."""
    out = runtime.scratch(x.shape[:2] + divisor.shape, x.dtype)
    if _tiles_2x2(rows, cols):
        _avgpool2x2_kernel(_planes(x), divisor, _planes(out))
    else:
        _avgpool_kernel(_planes(x), *rows, *cols, divisor, _planes(out))
    return out


def avgpool_backward(g: np.ndarray, rows: tuple, cols: tuple, divisor: np.ndarray,
                     x_shape: tuple) -> np.ndarray:
    """Spread each output gradient evenly (1/divisor) over its window."""
    if _tiles_2x2(rows, cols):
        gx = runtime.scratch(tuple(x_shape), g.dtype)
        _avgpool2x2_backward_kernel(_planes(g), divisor, _planes(gx))
        return gx
    gx = runtime.scratch_zeros(tuple(x_shape), g.dtype)
    _avgpool_backward_kernel(_planes(g), *rows, *cols, divisor, _planes(gx))
    return gx
