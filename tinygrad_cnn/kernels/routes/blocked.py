"""The blocked route: an ungrouped convolution as im2col + GEMM, one cache-sized block of
output positions at a time, on a channel-last copy of the input.

x is first copied channel-last onto its zero-padded grid, xh (N, Hp, Wp, C), so that a
window's kernel row is one contiguous run of kw*C values (kw runs of C when dilated).
Number the output positions j = (n, oh, ow) of a batch part; a block is a run of them,
[j0, j1), whose columns fit about one core's L2 (`BLOCK_BYTES`). Per block:

    pack (_windows):      cols (B, K) = the block's windows, K = (ki, kj, c)
    GEMM:                 out_block (B, O) = cols @ Wk          (Wk (K, O): the weights)
    write-out (_exchange): out[n, :, p] = out_block.T + bias    (into NCHW)

and backward per block, with g (O, B) the block of the output gradient (NCHW rows, read
by `_exchange`, which also sums the bias gradient):

    grad weight:  gW (O, K) += g @ cols             (cols packed again from xh)
    grad input:   gcols (B, K) = g.T @ Wk.T, added back onto gxh where `_windows` read
                  it (its adjoint), and gxh copied to gx NCHW at the end.

Why this shape (benchmarks/TUNING.md, `blocked`): a block's columns are written and read
in cache, where the im2col route's whole-tile columns go to memory and back; every
position is a real one (no junk of the padded grid); each GEMM's inner dimension is
K = C*kh*kw or the block, never C alone; the channel-last copy makes the packing long
contiguous runs (an NCHW im2col copies runs of OW: 8x slower at OW = 14); and these
three GEMM orientations are the ones OpenBLAS runs fastest. Strides only move each
window's start, so strided convs take this route too.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import numpy as np

from .. import runtime
from ..jit import njit

#: a block's columns stay under this many bytes: about one core's L2 (1 MB on Zen 4), so
#: they stay cached between the packing and the GEMMs; smaller blocks make more, narrower
#: GEMMs (the weight gradient's inner dimension is the block) (benchmarks/TUNING.md)
BLOCK_BYTES = 1 << 20
#: ungrouped convs with at least this many taps (C*kh*kw) and output channels
#: take this route; below them the GEMMs are too narrow for BLAS (benchmarks/TUNING.md)
BLOCKED_MIN_TAPS = 64
BLOCKED_MIN_OUT = 16


@dataclass
class BlockedSaved:
    """What the weight gradient packs its columns from: the channel-last padded input xh
    when it fits runtime.SAVE_BYTES, else x to copy again (None: not needed)."""
    xh: Optional[np.ndarray] = None
    x: Optional[np.ndarray] = None


def applies(geo) -> bool:
    """Ungrouped, wide enough for BLAS."""
    return geo.groups == 1 and geo.taps >= BLOCKED_MIN_TAPS and geo.o >= BLOCKED_MIN_OUT


class _Blocks:
    """The channel-last padded grid and the blocks of output positions of one part."""

    def __init__(self, geo, dtype) -> None:
        self.geo, self.dtype = geo, np.dtype(dtype)
        self.hp, self.wp = geo.padded
        self.total = geo.n * geo.oh * geo.ow
        self.width = min(self.total, max(1, BLOCK_BYTES // (geo.taps * self.dtype.itemsize)))
        self.starts = range(0, self.total, self.width)
        # the kernels' geometry: (Hp, Wp, C), kernel, stride, dilation, (OH, OW)
        self.args = ((self.hp, self.wp, geo.c), (geo.kh, geo.kw), geo.stride, geo.dilation,
                     (geo.oh, geo.ow))

    def size(self, j0: int) -> int:
        return min(self.width, self.total - j0)

    def channel_last(self, x: np.ndarray) -> np.ndarray:
        """xh (N, Hp, Wp, C): x channel-last on the zero-padded grid."""
        geo = self.geo
        xh = runtime.scratch((geo.n, self.hp, self.wp, geo.c), self.dtype)
        _to_channel_last(x, geo.pad[0], geo.pad[2], xh)
        return xh

    def buffer(self, rows: int) -> np.ndarray:
        return runtime.scratch((rows * self.width,), self.dtype)


def _weights(w: np.ndarray) -> np.ndarray:
    """(O, C, kh, kw) -> (O, K), K = (ki, kj, c): the columns' order."""
    return np.ascontiguousarray(w.transpose(0, 2, 3, 1)).reshape(w.shape[0], -1)


def forward(x: np.ndarray, w: np.ndarray, b: Optional[np.ndarray], geo, out: np.ndarray,
            keep: bool) -> BlockedSaved:
    """out = conv(x, w) + b, block by block; keeps what the weight gradient needs."""
    blocks = _Blocks(geo, x.dtype)
    xh = blocks.channel_last(x)
    wk = np.ascontiguousarray(_weights(w).T)  # (K, O)
    bias = np.zeros(geo.o, x.dtype) if b is None else b
    cols_buf, out_buf = blocks.buffer(geo.taps), blocks.buffer(geo.o)
    flat_xh, flat_out = xh.reshape(-1), out.reshape(geo.n, geo.o, -1)
    for j0 in blocks.starts:
        size = blocks.size(j0)
        cols = cols_buf[:size * geo.taps].reshape(size, geo.taps)
        block_out = out_buf[:size * geo.o].reshape(size, geo.o)
        _windows(flat_xh, j0, *blocks.args, cols, False)
        runtime.gemm(cols, wk, out=block_out)
        _exchange(block_out, j0, flat_out, bias, True)
    if not keep:
        return BlockedSaved()
    return BlockedSaved(xh=xh) if xh.nbytes <= runtime.SAVE_BYTES else BlockedSaved(x=x)


def backward(saved: BlockedSaved, grad: np.ndarray, w: np.ndarray, geo, needs,
             gx: Optional[np.ndarray]) -> tuple:
    """(gw, gb) (None where not needed), and gx written into `gx` when needs.x."""
    dtype, blocks = grad.dtype, _Blocks(geo, grad.dtype)
    wk = _weights(w)  # (O, K)
    gw = np.zeros((geo.o, geo.taps), dtype) if needs.w else None
    gb = np.zeros(geo.o, dtype) if needs.b else None
    gb_block = gb if needs.b else np.zeros(geo.o, dtype)  # the exchange sums into it anyway
    xh = saved.xh
    if needs.w and xh is None:
        xh = blocks.channel_last(saved.x)
    gxh = runtime.scratch_zeros((geo.n, blocks.hp, blocks.wp, geo.c), dtype) if needs.x \
        else None
    cols_buf, g_buf = blocks.buffer(geo.taps), blocks.buffer(geo.o)
    flat_grad = grad.reshape(geo.n, geo.o, -1)
    for j0 in blocks.starts:
        size = blocks.size(j0)
        cols = cols_buf[:size * geo.taps].reshape(size, geo.taps)
        g2d = g_buf[:size * geo.o].reshape(geo.o, size)
        _exchange(g2d, j0, flat_grad, gb_block, False)
        if needs.w:
            _windows(xh.reshape(-1), j0, *blocks.args, cols, False)
            runtime.gemm_accumulate(g2d, cols, gw)
        if needs.x:
            runtime.gemm(g2d.T, wk, out=cols)
            _windows(gxh.reshape(-1), j0, *blocks.args, cols, True)
    if needs.x:
        _from_channel_last(gxh, geo.pad[0], geo.pad[2], gx)
    if needs.w:
        gw = np.ascontiguousarray(gw.reshape(geo.o, geo.kh, geo.kw, geo.c).transpose(0, 3, 1, 2))
    return gw, gb


# The kernels take flat 1-D arrays and index views that start at a run: numba's
# multi-dimensional slicing in the inner loops cost as much as the copies themselves.
@njit(cache=True, nogil=True)
def _to_channel_last(x, pad_top, pad_left, xh):
    """xh (N, Hp, Wp, C) = x (N, C, H, W) on the zero-padded grid, one grid row at a
    time: the row being written stays in L1 while the C input rows are read (channel by
    channel over whole images: 2x slower on 32x32 images)."""
    n_n, c_n, h_n, w_n = x.shape
    zero = xh.dtype.type(0)
    for n in range(n_n):
        for h in range(xh.shape[1]):
            row, ih = xh[n, h].reshape(-1), h - pad_top
            if ih < 0 or ih >= h_n:
                row[:] = zero
                continue
            row[:pad_left * c_n] = zero
            row[(pad_left + w_n) * c_n:] = zero
            for c in range(c_n):
                src, dst = x[n, c, ih], row[pad_left * c_n + c:]
                for iw in range(w_n):
                    dst[iw * c_n] = src[iw]


@njit(cache=True, nogil=True)
def _from_channel_last(xh, pad_top, pad_left, x):
    """x (N, C, H, W) = the unpadded pixels of xh (N, Hp, Wp, C), a grid row at a time."""
    n_n, c_n, h_n, w_n = x.shape
    for n in range(n_n):
        for ih in range(h_n):
            row = xh[n, ih + pad_top].reshape(-1)
            for c in range(c_n):
                src, dst = row[pad_left * c_n + c:], x[n, c, ih]
                for iw in range(w_n):
                    dst[iw] = src[iw * c_n]


@njit(cache=True, nogil=True)
def _windows(gf, j0, grid, kernel, stride, dilation, out_hw, cols, add_back):
    """cols (B, K) = the windows of positions j0 .. j0 + B of the flat channel-last grid
    gf, per position and kernel row one run of kw*C values (kw runs of C if dilated);
    with `add_back` the adjoint instead: every entry of cols added onto gf where it would
    have been read (the input gradient's col2im)."""
    (hp, wp, c_n), (kh, kw), (dh, dw), (oh_n, ow_n) = grid, kernel, dilation, out_hw
    sh, sw = stride
    run, runs = (kw * c_n, 1) if dw == 1 else (c_n, kw)
    n, rest = divmod(j0, oh_n * ow_n)
    oh, ow = divmod(rest, ow_n)
    flat, k = cols.reshape(-1), cols.shape[1]
    for b in range(cols.shape[0]):
        base, d = ((n * hp + oh * sh) * wp + ow * sw) * c_n, b * k
        for ki in range(kh):
            for kk in range(runs):
                s = base + (ki * dh * wp + kk * dw) * c_n
                window, column = gf[s:s + run], flat[d:d + run]
                if add_back:
                    for i in range(run):
                        window[i] += column[i]
                else:
                    for i in range(run):
                        column[i] = window[i]
                d += run
        ow += 1
        if ow == ow_n:
            ow, oh = 0, oh + 1
            if oh == oh_n:
                oh, n = 0, n + 1


# reassociation vectorises the gradient's sums; no nnan/ninf: infs and nans pass as torch's
@njit(cache=True, nogil=True, fastmath={"reassoc"})
def _exchange(block, j0, nchw, per_channel, into_nchw):
    """Between a block of positions j0 .. and an (N, O, OH*OW) array, a row at a time:
    into_nchw: nchw[n, :, p] = block (B, O).T + per_channel (the bias);
    else:      block (O, B) = nchw at the positions, each channel's sum added to
               per_channel (the bias gradient)."""
    o_n, p_n = nchw.shape[1], nchw.shape[2]
    j, j1 = j0, j0 + (block.shape[0] if into_nchw else block.shape[1])
    while j < j1:
        n, p = divmod(j, p_n)
        count = min(p_n - p, j1 - j)
        for o in range(o_n):
            rows = nchw[n, o, p:]
            if into_nchw:
                column, b = block[j - j0:, o], per_channel[o]
                for i in range(count):
                    rows[i] = column[i] + b
            else:
                row, total = block[o, j - j0:], per_channel.dtype.type(0)
                for i in range(count):
                    row[i] = rows[i]
                    total += rows[i]
                per_channel[o] += total
        j += count
