"""The im2col route: any convolution as im2col + batched GEMMs, and its gradients.

im2col writes the columns of a tile of T images as one (C*kh*kw, T*OH*OW) matrix
(`kernels/im2col.py`). The GEMMs run in one of two layouts (`PER_IMAGE_PIXELS`):

- folded: the tile is folded into the GEMM's columns, one (O/g, K) @ (K, T*P) product
  per group; its (O, T, P) output is copied to NCHW (with the bias add in the same pass)
  and backward first copies the gradient to that channel-major layout;
- per image (wide images): one stacked np.matmul over strided views, one (O/g, K) @
  (K, P) product per image and group, reading and writing NCHW directly.

    forward:        out    = W2d @ cols
    grad weight:    gW2d  += (cols @ grad2d.T).T
    grad input:     gx     = col2im(W2d.T @ grad2d)

where W2d is (G, O/G, K), cols (G, K, T*P) and grad2d (G, O/G, T*P), P = OH*OW, K the
taps per group. Groups (and images, per image) are leading batch axes of `np.matmul`,
so no Python loop runs over groups, channels or images; one runs over the few tiles of
the batch whose columns fit `TILE_BYTES` (a full im2col is ~9x the input).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import numpy as np

from .. import runtime
from ..geometry import ConvGeometry
from ..im2col import add_columns_into, columns_into, to_grid

#: columns of a tile of images stay under this (unless one image alone is larger):
#: fewer, wider GEMMs run faster than 8 MB tiles (benchmarks/TUNING.md)
TILE_BYTES = 16 << 20
#: one GEMM per image (reading and writing NCHW, no transposes) from this many output
#: pixels per image; BLAS is less efficient on narrower matrices (benchmarks/TUNING.md)
PER_IMAGE_PIXELS = 400


@dataclass
class Im2colSaved:
    """What the weight gradient needs: the whole part's columns when they fit
    runtime.SAVE_BYTES, else x to recompute them tile by tile (None: not needed)."""
    cols: Optional[np.ndarray] = None
    x: Optional[np.ndarray] = None


def applies(geo: ConvGeometry) -> bool:
    """Every convolution (the route of last resort)."""
    return True


def _tile(geo: ConvGeometry, itemsize: int, budget: int) -> int:
    """Images per tile so that a tile's columns fit `budget` bytes (at least 1)."""
    per_image = geo.taps * geo.oh * geo.ow * itemsize
    return max(1, min(geo.n, budget // max(per_image, 1)))


def _grouped(w: np.ndarray, groups: int) -> np.ndarray:
    """(O, C/g, kh, kw) -> (G, O/G, K)."""
    return w.reshape(groups, w.shape[0] // groups, -1)


def _image_major(a2d: np.ndarray, groups: int, t: int, p: int) -> np.ndarray:
    """(G*R, T*P) columns as a strided (T, G, R, P) view: one matrix per image."""
    return a2d.reshape(groups, -1, t, p).transpose(2, 0, 1, 3)


def _tiles(n: int, tile: int):
    return [(n0, min(n, n0 + tile)) for n0 in range(0, n, tile)]


def _im2col(geo: ConvGeometry, grid: np.ndarray, n0: int, cols: np.ndarray) -> None:
    columns_into(grid, (geo.kh, geo.kw), geo.stride, geo.dilation, (geo.oh, geo.ow), n0, cols)


def forward(x: np.ndarray, w: np.ndarray, b: Optional[np.ndarray], geo: ConvGeometry,
            out: np.ndarray, keep: bool) -> Im2colSaved:
    """out = conv(x) by im2col + GEMMs; keeps what the weight gradient needs if `keep`."""
    n, o, p, g = geo.n, geo.o, geo.oh * geo.ow, geo.groups
    keep_cols = keep and _tile(geo, x.itemsize, runtime.SAVE_BYTES) == n  # one tile, kept
    tile = n if keep_cols else _tile(geo, x.itemsize, TILE_BYTES)
    wg = _grouped(w, g)
    cols_buf = runtime.scratch((geo.taps * tile * p,), x.dtype)
    per_image = geo.oh * geo.ow >= PER_IMAGE_PIXELS
    out_buf = runtime.scratch((o * tile * p,), x.dtype) if tile > 1 and not per_image else None
    grid = to_grid(x, geo.pad, geo.stride[1])
    for n0, n1 in _tiles(n, tile):
        t = n1 - n0
        cols = cols_buf[:geo.taps * t * p].reshape(geo.taps, t * p)
        _im2col(geo, grid, n0, cols)
        dst = out[n0:n1].reshape(t, o, p)
        if per_image or t == 1:  # the GEMMs write the NCHW layout directly
            runtime.gemm(wg, _image_major(cols, g, t, p), out=dst.reshape(t, g, o // g, p))
            if b is not None:
                dst += b.reshape(1, o, 1)
            continue
        out2d = out_buf[:o * t * p].reshape(o, t, p)
        runtime.gemm(wg, cols.reshape(g, -1, t * p), out=out2d.reshape(g, o // g, t * p))
        # the (O, T, P) -> (T, O, P) copy and the bias add are one pass over the output
        if b is None:
            np.copyto(dst, out2d.transpose(1, 0, 2))
        else:
            np.add(out2d.transpose(1, 0, 2), b.reshape(1, o, 1), out=dst)
    if keep_cols:
        return Im2colSaved(cols=cols_buf.reshape(geo.taps, n * p))
    return Im2colSaved(x=x if keep else None)


def _channel_major(grad: np.ndarray, out: np.ndarray) -> np.ndarray:
    """(T, O, OH, OW) -> contiguous (O, T*OH*OW): the layout of the folded GEMM's output."""
    t, o = grad.shape[:2]
    np.copyto(out.reshape(o, t, -1), grad.reshape(t, o, -1).transpose(1, 0, 2))
    return out


def backward(saved: Im2colSaved, grad: np.ndarray, w: np.ndarray, geo: ConvGeometry, needs,
             gx: Optional[np.ndarray]) -> tuple:
    """(gw, gb) (None where not needed), and gx written into `gx` when needs.x."""
    n, o, p, groups = geo.n, geo.o, geo.oh * geo.ow, geo.groups
    dtype, cols = grad.dtype, saved.cols
    tile = n if cols is not None else _tile(geo, grad.itemsize, TILE_BYTES)
    gw = np.zeros((groups, geo.taps // groups, o // groups), dtype) if needs.w else None
    gb = np.zeros(o, dtype) if needs.b else None
    per_image = geo.oh * geo.ow >= PER_IMAGE_PIXELS
    grad2d_buf = None if per_image else runtime.scratch((o * tile * p,), dtype)
    # one tile-sized work buffer: first the recomputed columns for the weight gradient,
    # then the column gradient for col2im (one buffer instead of two: less peak memory)
    work_buf = (runtime.scratch((geo.taps * tile * p,), dtype)
                if needs.x or cols is None else None)
    gw_tile = np.empty_like(gw) if needs.w and tile < n else None
    grid = to_grid(saved.x, geo.pad, geo.stride[1]) if needs.w and cols is None else None
    wg_t = _grouped(w, groups).transpose(0, 2, 1)
    for n0, n1 in _tiles(n, tile):
        t = n1 - n0
        if per_image:  # (T, G, O/G, P): each image's gradient is already a matrix
            grad2d = grad[n0:n1].reshape(t, groups, o // groups, p)
        else:
            grad2d = _channel_major(grad[n0:n1], grad2d_buf[:o * t * p].reshape(o, t * p))
        work = None if work_buf is None else work_buf[:geo.taps * t * p].reshape(geo.taps, t * p)
        if needs.w:
            tile_cols = cols
            if tile_cols is None:
                tile_cols = work
                _im2col(geo, grid, n0, tile_cols)
            target = gw if gw_tile is None else gw_tile
            if per_image:
                np.sum(runtime.gemm(_image_major(tile_cols, groups, t, p),
                                    grad2d.transpose(0, 1, 3, 2)), axis=0, out=target)
            else:  # cols @ grad2d.T: the orientation OpenBLAS runs faster (TUNING.md)
                runtime.gemm(tile_cols.reshape(groups, target.shape[1], -1),
                             grad2d.reshape(groups, o // groups, -1).transpose(0, 2, 1),
                             out=target)
            if gw_tile is not None:
                gw += gw_tile
        if needs.x:
            dst = _image_major(work, groups, t, p) if per_image else \
                work.reshape(groups, wg_t.shape[1], -1)
            src = grad2d if per_image else grad2d.reshape(groups, o // groups, -1)
            runtime.gemm(wg_t, src, out=dst)
            add_columns_into(work, (geo.kh, geo.kw), geo.stride, geo.pad, geo.dilation,
                             (geo.oh, geo.ow), n0, gx)
        if needs.b:
            gb += grad2d.sum(axis=(0, 3)).reshape(o) if per_image else grad2d.sum(axis=1)
    gw = gw.transpose(0, 2, 1).reshape(w.shape) if needs.w else None  # a copy (small)
    return gw, gb
