"""The direct route: convolution for few channels, no im2col, no GEMM.

With few channels the GEMMs of the im2col route are skinny and the im2col copies cost as
much as the arithmetic (benchmarks/TUNING.md, `direct`). Here the kernel reads the
zero-padded input in place. Number the "wide" output positions i = oh*Wp + ow over the
padded width Wp (ow >= OW are junk, dropped on the way out); the
input under tap t = (c, ki, kj) at position i is then padded[offset[t] + i] with
offset[t] = (c*Hp + ki*dh)*Wp + kj*dw, one contiguous run per tap, so

    out[o, i] = sum over taps t of w[o, t] * padded[offset[t] + i].

The loop over i is the vectorised inner loop; each pass reads the runs of 3 taps and adds
into 4 output channels' accumulators (more multiply-adds per store than one tap and
channel at a time, which is store-bound). The accumulators are one L1-sized (4, OH*Wp)
scratch per image, written out to NCHW (with the bias) once every tap is in. The weight
gradient runs the same loops with the roles turned: 12 dot products of 4 gradient rows
(zero at the junk positions) with 3 tap runs. The input gradient is a forward conv of the
gradient (`transposed.py`), so it takes this kernel too. The price is compile time, paid
once per dtype (numba's disk cache).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional, Tuple

import numpy as np

from .. import runtime
from ..jit import njit

#: stride-1 ungrouped convs whose input and output channels are both at most this, ...
#: (wider ones run faster as GEMMs)
DIRECT_MAX_CHANNELS = 16
#: ... and that have at least this many taps (C*kh*kw) per output, run direct (with fewer,
#: zeroing and writing out the accumulators weigh more); benchmarks/TUNING.md, `direct`
DIRECT_MIN_TAPS = 32
#: output channels per block (the kernels' 4 accumulator rows)
BLOCK = 4

# reassociation lets LLVM vectorise the weight gradient's dot products; contraction
# fuses multiply-adds. No nnan/ninf: an inf or nan in x must still come out as torch's.
_MATH = {"contract", "reassoc"}


@dataclass
class DirectSaved:
    """The weight gradient reads x itself (None: not needed)."""
    x: Optional[np.ndarray] = None


def applies(geo) -> bool:
    """The direct route suits this conv (and its input gradient, a conv of the same
    kind: needs the padding within the kernel's reach, see `transposed.py`)."""
    if geo.stride != (1, 1) or geo.groups != 1 or max(geo.c, geo.o) > DIRECT_MAX_CHANNELS:
        return False
    if geo.taps < DIRECT_MIN_TAPS:
        return False
    reach_h, reach_w = geo.reach
    return max(geo.pad[:2]) <= reach_h and max(geo.pad[2:]) <= reach_w


class _Layout:
    """The padded, wide-row geometry of one direct conv (module docstring)."""

    def __init__(self, geo) -> None:
        (pt, pb, pl, pr), (dh, dw) = geo.pad, geo.dilation
        self.hp, self.wp = geo.h + pt + pb, geo.w + pl + pr
        self.image = geo.c * self.hp * self.wp
        rows = np.arange(geo.c)[:, None] * self.hp + np.arange(geo.kh)[None, :] * dh
        cols = np.arange(geo.kw) * dw
        self.offsets = (rows[:, :, None] * self.wp + cols).reshape(-1)
        self.tail = (geo.kw - 1) * dw  # the last image's last junk positions read past it
        self.geo = geo

    def pad(self, x: np.ndarray) -> np.ndarray:
        """x zero-padded, flat, with the tail."""
        geo, (pt, _, pl, _) = self.geo, self.geo.pad
        flat = runtime.scratch_zeros((geo.n * self.image + self.tail,), x.dtype)
        grid = flat[:geo.n * self.image].reshape(geo.n, geo.c, self.hp, self.wp)
        grid[:, :, pt:pt + geo.h, pl:pl + geo.w] = x
        return flat


def _pack(w2d: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
    """(O, K) weights in the kernels' layout: (OB, K//3, BLOCK, 3) triples of taps and
    (OB, K%3, BLOCK) leftover taps, output channels zero-padded to whole blocks."""
    o, k = w2d.shape
    blocks, in_triples = -(-o // BLOCK), k - k % 3
    padded = np.zeros((blocks, BLOCK, k), w2d.dtype)
    padded.reshape(-1, k)[:o] = w2d
    triples = padded[:, :, :in_triples].reshape(blocks, BLOCK, in_triples // 3, 3) \
        .transpose(0, 2, 1, 3)
    singles = padded[:, :, in_triples:].transpose(0, 2, 1)
    return np.ascontiguousarray(triples), np.ascontiguousarray(singles)


def _unpack(triples: np.ndarray, singles: np.ndarray, o: int) -> np.ndarray:
    """The (O, K) weights of `_pack`'s layout."""
    blocks = triples.shape[0]
    rows = np.concatenate([triples.transpose(0, 2, 1, 3).reshape(blocks, BLOCK, -1),
                           singles.transpose(0, 2, 1)], axis=2)
    return rows.reshape(blocks * BLOCK, -1)[:o]


def direct_forward(x: np.ndarray, w: np.ndarray, b: Optional[np.ndarray], geo,
                   out: np.ndarray) -> None:
    """out (N, O, OH, OW) = conv(x, w) + b by the direct kernel."""
    layout = _Layout(geo)
    triples, singles = _pack(w.reshape(geo.o, -1))
    bias = np.zeros(geo.o, x.dtype) if b is None else b
    _conv_kernel(layout.pad(x), layout.image, layout.offsets, triples, singles, bias,
                 layout.wp, out)


def forward(x: np.ndarray, w: np.ndarray, b: Optional[np.ndarray], geo, out: np.ndarray,
            keep: bool) -> DirectSaved:
    """out = conv(x, w) + b; keeps x for the weight gradient if `keep`."""
    direct_forward(x, w, b, geo, out)
    return DirectSaved(x if keep else None)


def backward(saved: DirectSaved, grad: np.ndarray, w: np.ndarray, geo, needs,
             gx: Optional[np.ndarray]) -> tuple:
    """(gw, gb); the input gradient is always the transposed conv (`transposed.py`), so
    needs.x is never asked of this route."""
    return (direct_weight_grad(grad, saved.x, geo) if needs.w else None,
            grad.sum(axis=(0, 2, 3)) if needs.b else None)


def direct_weight_grad(grad: np.ndarray, x: np.ndarray, geo) -> np.ndarray:
    """d loss / d w (O, C, kh, kw) for grad (N, O, OH, OW) by the direct kernel."""
    layout = _Layout(geo)
    triples, singles = _pack(np.zeros((geo.o, geo.taps), grad.dtype))
    _weight_grad_kernel(layout.pad(x), layout.image, layout.offsets, grad, layout.wp,
                        triples, singles)
    return _unpack(triples, singles, geo.o).reshape(geo.o, geo.c, geo.kh, geo.kw)


@njit(cache=True, nogil=True, fastmath=_MATH)
def _conv_kernel(xflat, image, offsets, triples, singles, bias, wp, out):
    """out[n, o] = bias[o] + sum over taps of w * run (module docstring), per 4-channel
    block: `triples` (OB, T, 4, 3) and `singles` (OB, S, 4) hold the taps' weights."""
    n_n, o_n, oh_n, ow_n = out.shape
    length = oh_n * wp
    acc = np.empty((4, length), out.dtype)
    a0, a1, a2, a3 = acc[0], acc[1], acc[2], acc[3]
    for n in range(n_n):
        x = xflat[n * image:]
        for ob in range(triples.shape[0]):
            acc[:] = 0
            for t in range(triples.shape[1]):
                r0, r1, r2 = x[offsets[3 * t]:], x[offsets[3 * t + 1]:], x[offsets[3 * t + 2]:]
                q = triples[ob, t]
                u0, u1, u2, v0, v1, v2 = q[0, 0], q[0, 1], q[0, 2], q[1, 0], q[1, 1], q[1, 2]
                s0, s1, s2, t0, t1, t2 = q[2, 0], q[2, 1], q[2, 2], q[3, 0], q[3, 1], q[3, 2]
                for i in range(length):
                    x0, x1, x2 = r0[i], r1[i], r2[i]
                    a0[i] += u0 * x0 + u1 * x1 + u2 * x2
                    a1[i] += v0 * x0 + v1 * x1 + v2 * x2
                    a2[i] += s0 * x0 + s1 * x1 + s2 * x2
                    a3[i] += t0 * x0 + t1 * x1 + t2 * x2
            for t in range(singles.shape[1]):
                r0 = x[offsets[3 * triples.shape[1] + t]:]
                u0, v0, s0, t0 = singles[ob, t, 0], singles[ob, t, 1], singles[ob, t, 2], \
                    singles[ob, t, 3]
                for i in range(length):
                    a0[i] += u0 * r0[i]
                    a1[i] += v0 * r0[i]
                    a2[i] += s0 * r0[i]
                    a3[i] += t0 * r0[i]
            for j in range(min(4, o_n - 4 * ob)):
                o = 4 * ob + j
                for oh in range(oh_n):
                    src, dst = acc[j, oh * wp:], out[n, o, oh]
                    for ow in range(ow_n):
                        dst[ow] = src[ow] + bias[o]


@njit(cache=True, nogil=True, fastmath=_MATH)
def _weight_grad_kernel(xflat, image, offsets, grad, wp, triples, singles):
    """triples/singles (the layout of `_conv_kernel`'s weights) += the weight gradient:
    per tap, the dot product of each output channel's gradient (wide rows, zero at the
    junk positions) with the tap's run."""
    n_n, o_n, oh_n, ow_n = grad.shape
    length = oh_n * wp
    rows = np.zeros((4, length), grad.dtype)
    g0, g1, g2, g3 = rows[0], rows[1], rows[2], rows[3]
    zero = grad.dtype.type(0)
    for n in range(n_n):
        x = xflat[n * image:]
        for ob in range(triples.shape[0]):
            for j in range(4):  # the junk columns stay zero; padded channels too
                o = 4 * ob + j
                for oh in range(oh_n):
                    dst = rows[j, oh * wp:]
                    for ow in range(ow_n):
                        dst[ow] = grad[n, o, oh, ow] if o < o_n else zero
            for t in range(triples.shape[1]):
                r0, r1, r2 = x[offsets[3 * t]:], x[offsets[3 * t + 1]:], x[offsets[3 * t + 2]:]
                u0 = u1 = u2 = v0 = v1 = v2 = s0 = s1 = s2 = t0 = t1 = t2 = zero
                for i in range(length):
                    x0, x1, x2 = r0[i], r1[i], r2[i]
                    e0, e1, e2, e3 = g0[i], g1[i], g2[i], g3[i]
                    u0 += e0 * x0; u1 += e0 * x1; u2 += e0 * x2  # noqa: E702
                    v0 += e1 * x0; v1 += e1 * x1; v2 += e1 * x2  # noqa: E702
                    s0 += e2 * x0; s1 += e2 * x1; s2 += e2 * x2  # noqa: E702
                    t0 += e3 * x0; t1 += e3 * x1; t2 += e3 * x2  # noqa: E702
                q = triples[ob, t]
                q[0, 0] += u0; q[0, 1] += u1; q[0, 2] += u2  # noqa: E702
                q[1, 0] += v0; q[1, 1] += v1; q[1, 2] += v2  # noqa: E702
                q[2, 0] += s0; q[2, 1] += s1; q[2, 2] += s2  # noqa: E702
                q[3, 0] += t0; q[3, 1] += t1; q[3, 2] += t2  # noqa: E702
            for t in range(singles.shape[1]):
                r0 = x[offsets[3 * triples.shape[1] + t]:]
                u0 = v0 = s0 = t0 = zero
                for i in range(length):
                    u0 += g0[i] * r0[i]
                    v0 += g1[i] * r0[i]
                    s0 += g2[i] * r0[i]
                    t0 += g3[i] * r0[i]
                singles[ob, t, 0] += u0
                singles[ob, t, 1] += v0
                singles[ob, t, 2] += s0
                singles[ob, t, 3] += t0
