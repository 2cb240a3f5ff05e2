"""The shifted route: stride-1 convolution as shifted-view implicit GEMM, no im2col.

x is padded once into a channel-major (C, N*Hp*Wp + tail) array `xp` (Hp, Wp the padded
height and width; the zero tail keeps the last shifted view in bounds). Number the
"full" output positions j = (n, i, k) over the padded grid; then for the tap (ki, kj)
the input pixel under position j is xp[:, j + off] with off = ki*dh*Wp + kj*dw, so the
tap's whole input is the *column slice* xp[:, off : off + N*Hp*Wp], a strided view BLAS
reads in place:

    forward:      out_full (O, L)   += W[:, :, ki, kj]   @ xp[:, off:off+L]
    grad weight:  gW[:, :, ki, kj]   = g_full            @ xp[:, off:off+L].T
    grad input:   gxp[:, off:off+L] += W[:, :, ki, kj].T @ g_full

with L = N*Hp*Wp. Positions with i >= OH or k >= OW are junk (their windows wrap into
the next row or image): the forward drops them when it writes NCHW, and g_full holds
zeros there so they add nothing to the gradients. The junk costs (Hp*Wp)/(OH*OW) more
flops, less than the im2col it replaces on wide images (benchmarks/TUNING.md, `shifted`).

A Python loop runs over the kh*kw taps (at most 25 in the benchmarks): each step is one
large GEMM accumulated in place (`gemm_accumulate`, BLAS beta = 1), which numpy's
matmul cannot express without a temporary. The weight gradient needs no loop: the taps'
views form one strided (kh, kw, C, L) array, one batched matmul.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import numpy as np
from numpy.lib.stride_tricks import as_strided

from .. import runtime

#: stride-1 ungrouped convs with at least this many input channels x kernel columns (the
#: inner dimension of the GEMMs here) take this route; narrower ones are too narrow for
#: BLAS (benchmarks/TUNING.md)
SHIFTED_MIN_INNER = 32
#: ... when the padded grid adds at most this share of junk positions, (Hp*Wp)/(OH*OW):
#: small images lose to im2col once both run in batch parts (benchmarks/TUNING.md)
SHIFTED_MAX_JUNK = 1.2


@dataclass
class ShiftedSaved:
    """What the weight gradient needs: the stacked input when it fits
    runtime.SAVE_BYTES, else x to stack again (None: not needed)."""
    stacked: Optional[np.ndarray] = None
    x: Optional[np.ndarray] = None


def applies(geo) -> bool:
    """Stride 1, ungrouped, wide enough for BLAS, with little junk on the padded grid."""
    if geo.stride != (1, 1) or geo.groups != 1 or geo.c * geo.kw < SHIFTED_MIN_INNER:
        return False
    height, width = geo.padded
    return height * width <= SHIFTED_MAX_JUNK * geo.oh * geo.ow


class Shifted:
    """The padded-grid geometry of a stride-1 convolution (see the module docstring)."""

    def __init__(self, geo) -> None:
        self.geo = geo
        (pt, pb, pl, pr), (self.dh, self.dw) = geo.pad, geo.dilation
        self.hp, self.wp = geo.h + pt + pb, geo.w + pl + pr
        self.length = geo.n * self.hp * self.wp  # L: full output positions
        self.row_offsets = [ki * self.dh * self.wp for ki in range(geo.kh)]
        self.stacked_length = self.length + self.row_offsets[-1]
        self.tail = self.row_offsets[-1] + (geo.kw - 1) * self.dw
        self.offsets = [r + kj * self.dw for r in self.row_offsets for kj in range(geo.kw)]

    def pad(self, x: np.ndarray) -> np.ndarray:
        """xp (C, L + tail): x channel-major on the zero-padded grid."""
        geo = self.geo
        xp = runtime.scratch_zeros((geo.c, self.length + self.tail), x.dtype)
        self.interior(xp)[...] = x.transpose(1, 0, 2, 3)
        return xp

    def stack(self, x: np.ndarray) -> np.ndarray:
        """xs (C*kw, L + (kh-1)*dh*Wp): row (c, kj) is xp[c] shifted by kj*dw, so the
        kernel row ki's input is the slice xs[:, ki*dh*Wp : ... + L], a K = C*kw GEMM
        operand (an im2col over kw only, kw x the padded input)."""
        geo, xp = self.geo, self.pad(x)
        xs = runtime.scratch((geo.c * geo.kw, self.stacked_length), x.dtype)
        shifted = as_strided(xp, (geo.c, geo.kw, self.stacked_length),
                             (xp.strides[0], self.dw * xp.itemsize, xp.itemsize))
        np.copyto(xs.reshape(geo.c, geo.kw, -1), shifted)
        return xs

    def rows(self, xs: np.ndarray) -> np.ndarray:
        """(kh, C*kw, L) strided view of xs: [ki] = kernel row ki's input, no copy."""
        item = xs.itemsize
        return as_strided(xs, (self.geo.kh, xs.shape[0], self.length),
                          (self.dh * self.wp * item, xs.strides[0], item), writeable=False)

    def interior(self, xp: np.ndarray) -> np.ndarray:
        """The (C, N, H, W) view of xp's unpadded pixels."""
        geo = self.geo
        grid = xp[:, :self.length].reshape(xp.shape[0], geo.n, self.hp, self.wp)
        return grid[:, :, geo.pad[0]:geo.pad[0] + geo.h, geo.pad[2]:geo.pad[2] + geo.w]

    def valid(self, full: np.ndarray) -> np.ndarray:
        """The (R, N, OH, OW) view of the real output positions of a (R, L) array."""
        geo = self.geo
        return full.reshape(full.shape[0], geo.n, self.hp, self.wp)[:, :, :geo.oh, :geo.ow]


def _row_weights(w: np.ndarray) -> np.ndarray:
    """(O, C, kh, kw) -> (kh, O, C*kw): kernel row ki's weights, columns (c, kj)."""
    o, c, kh, kw = w.shape
    return np.ascontiguousarray(w.transpose(2, 0, 1, 3)).reshape(kh, o, c * kw)


def _tap_weights(w: np.ndarray) -> np.ndarray:
    """(O, C, kh, kw) -> (kh*kw, O, C): one contiguous matrix per tap."""
    return np.ascontiguousarray(w.transpose(2, 3, 0, 1)).reshape(-1, w.shape[0], w.shape[1])


def forward(x: np.ndarray, w: np.ndarray, b: Optional[np.ndarray], geo, out: np.ndarray,
            keep: bool) -> ShiftedSaved:
    """out = conv(x, w) + b; keeps the stacked input (or x) for the weight gradient."""
    stacked = shifted_forward(x, w, b, geo, out)
    if not keep:
        return ShiftedSaved()
    return ShiftedSaved(stacked=stacked) if stacked.nbytes <= runtime.SAVE_BYTES \
        else ShiftedSaved(x=x)


def backward(saved: ShiftedSaved, grad: np.ndarray, w: np.ndarray, geo, needs,
             gx: Optional[np.ndarray]) -> tuple:
    """(gw, gb), and gx written into `gx` when needs.x."""
    stacked = saved.stacked
    if needs.w and stacked is None:
        stacked = Shifted(geo).stack(saved.x)
    return shifted_backward(grad, stacked, w, geo, needs, gx)


def shifted_forward(x: np.ndarray, w: np.ndarray, b: Optional[np.ndarray], geo,
                    out: np.ndarray) -> np.ndarray:
    """out (N, O, OH, OW) = a stride-1, ungrouped conv of x; returns the stacked x (what
    the weight gradient needs).

    kh GEMMs with K = C*kw on the kw-stacked input rather than kh*kw with K = C: the
    wider inner dimension runs BLAS faster."""
    sh = Shifted(geo)
    xs = sh.stack(x)
    rows = sh.rows(xs)
    full = runtime.scratch((geo.o, sh.length), x.dtype)
    weights = _row_weights(w)
    runtime.gemm(weights[0], rows[0], out=full)  # the first kernel row sets full
    for ki in range(1, geo.kh):  # kh large GEMMs (see the module docstring)
        runtime.gemm_accumulate(weights[ki], rows[ki], full)
    valid = sh.valid(full).transpose(1, 0, 2, 3)
    if b is None:
        np.copyto(out, valid)
    else:  # the copy to NCHW and the bias add are one pass
        np.add(valid, b.reshape(1, -1, 1, 1), out=out)
    return xs


def shifted_backward(grad: np.ndarray, xs: Optional[np.ndarray], w: np.ndarray, geo,
                     needs, gx: Optional[np.ndarray]) -> tuple:
    """(gw, gb) of `shifted_forward`, and the input gradient written into gx when needs.x;
    xs (its stacked x) is needed for gw only.

    gw: one batched GEMM, xs rows (C*kw, L) @ g_full.T per kernel row. That orientation
    and the stacking both make this long-inner-dimension product faster.
    gx: kh*kw GEMMs with K = O accumulated into the padded input gradient."""
    sh = Shifted(geo)
    g_full = runtime.scratch_zeros((geo.o, sh.length), grad.dtype)
    sh.valid(g_full)[...] = grad.transpose(1, 0, 2, 3)
    gw = gb = None
    if needs.w:
        rows = runtime.gemm(sh.rows(xs), g_full.T)  # (kh, C*kw, O)
        gw = np.ascontiguousarray(rows.reshape(geo.kh, geo.c, geo.kw, geo.o)
                                  .transpose(3, 1, 0, 2))
    if needs.x:
        gxp = runtime.scratch_zeros((geo.c, sh.length + sh.tail), grad.dtype)
        for wt, off in zip(_tap_weights(w), sh.offsets):  # kh*kw large GEMMs
            runtime.gemm_accumulate(wt.T, g_full, gxp[:, off:off + sh.length])
        np.copyto(gx, sh.interior(gxp).transpose(1, 0, 2, 3))
    if needs.b:
        gb = grad.sum(axis=(0, 2, 3))
    return gw, gb
