"""The pointwise route: a 1x1 convolution without padding is one matrix product per image.

With a 1x1 kernel every output pixel is W (O, C) times the input pixel under it, so with
xs = x[:, :, ::sh, ::sw] (x itself at stride 1; a copy of the strided pixels otherwise)
laid out (N, C, P), P = OH*OW:

    forward:      out[n]  = W @ xs[n]                 (N, O, P): NCHW as it stands
    grad weight:  gW      = sum over n of g[n] @ xs[n].T
    grad input:   gxs[n]  = W.T @ g[n], put back at the strided pixels of gx (zeros elsewhere)

No im2col, no channel-last copy, no transposes: the images are the batch axis of numpy's
matmul (ResNet shortcuts, benchmarks/TUNING.md, `pointwise`).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import numpy as np

from .. import runtime


@dataclass
class PointwiseSaved:
    """The (strided) input pixels the weight gradient needs (None: not needed)."""
    xs: Optional[np.ndarray] = None


def applies(geo) -> bool:
    """1x1 kernel, ungrouped, no padding (a padded 1x1 conv's border is its bias)."""
    return (geo.kh, geo.kw) == (1, 1) and geo.groups == 1 and not any(geo.pad)


def _pixels(x: np.ndarray, geo) -> np.ndarray:
    """xs (N, C, P): the input pixels the kernel sees (x itself at stride 1)."""
    if geo.stride == (1, 1):
        return x.reshape(geo.n, geo.c, geo.h * geo.w)
    xs = runtime.scratch((geo.n, geo.c, geo.oh, geo.ow), x.dtype)
    np.copyto(xs, x[:, :, ::geo.stride[0], ::geo.stride[1]])
    return xs.reshape(geo.n, geo.c, geo.oh * geo.ow)


def forward(x: np.ndarray, w: np.ndarray, b: Optional[np.ndarray], geo, out: np.ndarray,
            keep: bool) -> PointwiseSaved:
    """out = conv(x, w) + b; keeps the strided pixels for the weight gradient if `keep`."""
    xs = _pixels(x, geo)
    out3 = out.reshape(geo.n, geo.o, geo.oh * geo.ow)
    runtime.gemm(w.reshape(geo.o, geo.c), xs, out=out3)
    if b is not None:
        out3 += b.reshape(1, -1, 1)
    return PointwiseSaved(xs if keep else None)


def backward(saved: PointwiseSaved, grad: np.ndarray, w: np.ndarray, geo, needs,
             gx: Optional[np.ndarray]) -> tuple:
    """(gw, gb) (None where not needed), and gx written into `gx` when needs.x."""
    g3 = grad.reshape(geo.n, geo.o, geo.oh * geo.ow)
    w2d = w.reshape(geo.o, geo.c)
    gw = gb = None
    if needs.w:
        gw = runtime.gemm(g3, saved.xs.transpose(0, 2, 1)).sum(axis=0).reshape(w.shape)
    if needs.x:
        if geo.stride == (1, 1):
            runtime.gemm(w2d.T, g3, out=gx.reshape(geo.n, geo.c, geo.h * geo.w))
        else:
            gx[...] = 0
            gx[:, :, ::geo.stride[0], ::geo.stride[1]] = \
                runtime.gemm(w2d.T, g3).reshape(geo.n, geo.c, geo.oh, geo.ow)
    if needs.b:
        gb = g3.sum(axis=(0, 2))
    return gw, gb
