"""The reference convolution: read this one first. Plain numpy im2col, forward and
backward, in a few lines; the other routes give the same answer, faster. The tests hold
every route against it and PyTorch; `conv.use_route("reference")` runs a model with it.

cols[n, g, c, i, j, y, x] is input pixel (y*sh + i*dh, x*sw + j*dw) of channel c of group
g, on the zero-padded input: the window of output pixel (y, x) at kernel tap (i, j).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import numpy as np

from ..geometry import ConvGeometry


@dataclass
class ReferenceSaved:
    cols: Optional[np.ndarray] = None  # the forward's columns (weight gradient)


def applies(geo: ConvGeometry) -> bool:
    return True


def _columns(x: np.ndarray, geo: ConvGeometry) -> np.ndarray:
    (top, bottom, left, right), (sh, sw), (dh, dw) = geo.pad, geo.stride, geo.dilation
    xp = np.pad(x, ((0, 0), (0, 0), (top, bottom), (left, right)))
    cols = np.empty((geo.n, geo.c, geo.kh, geo.kw, geo.oh, geo.ow), x.dtype)
    for i in range(geo.kh):
        for j in range(geo.kw):
            cols[:, :, i, j] = xp[:, :, i * dh:i * dh + sh * geo.oh:sh,
                                  j * dw:j * dw + sw * geo.ow:sw]
    return cols.reshape(geo.n, geo.groups, geo.c // geo.groups, geo.kh, geo.kw, geo.oh, geo.ow)


def _weights(w: np.ndarray, geo: ConvGeometry) -> np.ndarray:
    return w.reshape(geo.groups, geo.o // geo.groups, *w.shape[1:])  # (G, O/G, C/G, kh, kw)


def forward(x, w, b, geo: ConvGeometry, out: np.ndarray, keep: bool) -> ReferenceSaved:
    cols = _columns(x, geo)
    y = np.einsum("gocij,ngcijyx->ngoyx", _weights(w, geo), cols)
    out[...] = y.reshape(out.shape) + (0 if b is None else b.reshape(1, -1, 1, 1))
    return ReferenceSaved(cols if keep else None)


def backward(saved: ReferenceSaved, grad, w, geo: ConvGeometry, needs, gx) -> tuple:
    g = grad.reshape(geo.n, geo.groups, geo.o // geo.groups, geo.oh, geo.ow)
    gw = np.einsum("ngoyx,ngcijyx->gocij", g, saved.cols).reshape(w.shape) if needs.w else None
    if needs.x:  # col2im: every column entry goes back to the pixel it was copied from
        gcols = np.einsum("gocij,ngoyx->ngcijyx", _weights(w, geo), g).reshape(
            geo.n, geo.c, geo.kh, geo.kw, geo.oh, geo.ow)
        (top, _, left, _), (sh, sw), (dh, dw) = geo.pad, geo.stride, geo.dilation
        height, width = geo.padded
        gxp = np.zeros((geo.n, geo.c, height, width), grad.dtype)
        for i in range(geo.kh):
            for j in range(geo.kw):
                gxp[:, :, i * dh:i * dh + sh * geo.oh:sh,
                    j * dw:j * dw + sw * geo.ow:sw] += gcols[:, :, i, j]
        gx[...] = gxp[:, :, top:top + geo.h, left:left + geo.w]
    return gw, (grad.sum(axis=(0, 2, 3)) if needs.b else None)
