"""2-D convolution as im2col + batched GEMMs (numpy BLAS), and its gradients.

im2col writes the columns of a tile of T images as one (C*kh*kw, T*OH*OW) matrix. The
GEMMs then run in one of two layouts, whichever measured faster (`PER_IMAGE_PIXELS`):

- folded: the tile is folded into the GEMM's columns, one (O/g, K) @ (K, T*P) product
  per group; its (O, T, P) output is copied to NCHW (with the bias add in the same pass)
  and backward first copies the gradient to that channel-major layout;
- per image (wide images): one stacked np.matmul over strided views, one (O/g, K) @
  (K, P) product per image and group, reading and writing NCHW directly.

    forward:        out    = W2d @ cols
    grad weight:    gW2d  += (cols @ g2d.T).T
    grad input:     gx     = col2im(W2d.T @ g2d)

where W2d is (G, O/G, K), cols (G, K, T*P) and g2d (G, O/G, T*P), P = OH*OW, K the taps
per group. Groups (and images, per image) are leading batch axes of `np.matmul`, so no
Python loop runs over groups, channels or images.

Tiles over the batch. A full im2col of a large batch is big ((8,64,56,56) k3: 58 MB,
nine times the input), so the images are processed in tiles whose columns fit
`TILE_BYTES`; a Python loop runs over these few tiles, each one large GEMM (BLAS can't
be called from inside a numba loop without oversubscribing the 2 cores). When the whole
batch's columns fit `SAVE_COLS_BYTES` (LeNet: 1.5 and 8.9 MB) there is one tile and the
forward's columns are kept for the weight gradient; otherwise backward recomputes each
tile's columns from x (an im2col costs ~1/3 of the GEMM that uses it). On (8,64,56,56)
that took the peak memory growth of conv fwd+bwd from 129 MB to 58 MB (PyTorch: 34-39
MB). Tiles of 16 MB (2 images there) rather than 8 MB: fewer, wider GEMMs ran faster
(measured with 2-thread BLAS); 8 MB tiles peaked at 41 MB.

Large convs first split the batch into parts, one per core, each run by its own thread
through one of the routes above (`batch_split.py`); `saved` remembers the parts so the
backward splits the same way. Stride-1 convs with few channels run direct (`direct.py`,
no GEMM), those on wide enough images take the shifted-view route (`shifted.py`) instead
of im2col. Other stride-1 convs with no more output than input channels get their input
gradient as a forward conv of the gradient (no col2im, `_transposed_conv`).

All buffers come from `workspace`, so a training loop touches no fresh pages.
"""
from __future__ import annotations

from typing import Optional, Tuple

import numpy as np

from . import workspace
from .geometry import Pad4, Pair, conv_output_size
from .direct import direct_applies, direct_forward, direct_weight_grad
from .im2col import add_columns_into, columns_into, to_grid
from .layout import kernel_array
from .shifted import Shifted, shifted_backward, shifted_forward
from .batch_split import batch_parts, run_parts
from .threads import gemm

#: columns of a tile of images stay under this (unless one image alone is larger)
TILE_BYTES = 16 << 20
#: the forward keeps the whole batch's columns for backward when they fit this
SAVE_COLS_BYTES = 16 << 20
#: each image gets its own GEMM (one stacked np.matmul) that reads and writes NCHW
#: directly, with no (O, T, P) <-> (T, O, P) transposes, when its images have at least
#: PER_IMAGE_PIXELS output pixels. Fwd+bwd, folded -> per image, same run: (64,1,28,28)
#: P=676 7.6 -> 4.5 ms, (32,3,32,32) P=900 2.9 -> 2.3, (8,64,56,56) P=3136 93 -> 74;
#: (16,8,20,20) k5 P=400 2.22 -> 2.08 (once every GEMM ran on one BLAS thread; with
#: 2-thread BLAS its 16x more calls each cost a thread barrier); narrower images lose
#: (BLAS is less efficient on narrow matrices): (32,16,32,32) s2 P=256 4.8 -> 6.2 ms,
#: (64,32,14,14) P=196 8.9 -> 9.6, (64,32,13,13) P=121 5.5 -> 6.5.
PER_IMAGE_PIXELS = 400


class ConvGeometry:
    """Sizes of one convolution: kernel, stride, padding, dilation, groups, OH, OW."""

    __slots__ = ("n", "c", "h", "w", "o", "kh", "kw", "stride", "pad", "dilation",
                 "groups", "oh", "ow", "taps")

    def __init__(self, x_shape: Tuple[int, ...], w_shape: Tuple[int, ...], stride: Pair,
                 pad: Pad4, dilation: Pair, groups: int) -> None:
        self.n, self.c, self.h, self.w = x_shape
        self.o, _, self.kh, self.kw = w_shape
        self.stride, self.pad, self.dilation, self.groups = stride, pad, dilation, groups
        self.oh = conv_output_size(self.h, self.kh, stride[0], pad[0], pad[1], dilation[0])
        self.ow = conv_output_size(self.w, self.kw, stride[1], pad[2], pad[3], dilation[1])
        self.taps = self.c * self.kh * self.kw  # rows of cols (all groups)

    @property
    def reach(self) -> Pair:
        """How far the kernel spans past its first tap, d*(k-1), in rows and columns."""
        return self.dilation[0] * (self.kh - 1), self.dilation[1] * (self.kw - 1)

    @property
    def flops(self) -> int:
        """Multiplies and adds of the forward."""
        return 2 * self.n * self.o * (self.taps // self.groups) * self.oh * self.ow

    def tile(self, itemsize: int, budget: int) -> int:
        """Images per tile so that a tile's columns fit `budget` bytes (at least 1)."""
        per_image = self.taps * self.oh * self.ow * itemsize
        return max(1, min(self.n, budget // max(per_image, 1)))

    def grid(self, x: np.ndarray) -> np.ndarray:
        """x in the layout the im2col kernel reads (see `to_grid`)."""
        return to_grid(x, self.pad, self.stride[1])

    def im2col(self, grid: np.ndarray, n0: int, cols: np.ndarray) -> None:
        columns_into(grid, (self.kh, self.kw), self.stride, self.dilation,
                     (self.oh, self.ow), n0, cols)

    def col2im(self, gcols: np.ndarray, n0: int, gx: np.ndarray) -> None:
        add_columns_into(gcols, (self.kh, self.kw), self.stride, self.pad, self.dilation,
                         (self.oh, self.ow), n0, gx)


def _grouped_weight(w: np.ndarray, groups: int) -> np.ndarray:
    """(O, C/g, kh, kw) -> (G, O/G, K)."""
    return w.reshape(groups, w.shape[0] // groups, -1)


def _per_image(geo: "ConvGeometry") -> bool:
    """One GEMM per image rather than one per tile (see PER_IMAGE_PIXELS)."""
    return geo.oh * geo.ow >= PER_IMAGE_PIXELS


#: stride-1 ungrouped convs with at least this many input channels x kernel columns (the
#: inner dimension of shifted.py's GEMMs) skip im2col. Fwd+bwd, im2col -> shifted, same
#: run: (8,64,56,56) K=192 69 -> 47 ms; too narrow for BLAS: (64,1,28,28) K=3 4.5 -> 15,
#: (32,3,32,32) K=9 2.4 -> 4.6.
SHIFTED_MIN_INNER = 32
#: ... and only when the padded grid adds at most this share of junk positions (its
#: (Hp*Wp)/(OH*OW)). Small images lose to im2col once both run in batch parts, fwd+bwd
#: in 2 parts, shifted -> im2col: (64,32,14,14) 1.31x junk 11.6 -> 9.0 ms, (64,32,13,13)
#: p0 1.40x 10.8 -> 8.2, (16,8,20,20) k5 1.44x 2.8 -> 2.3; (8,64,56,56) 1.07x stays
#: shifted (im2col 40 ms, shifted 30).
SHIFTED_MAX_JUNK = 1.2


def _shifted(geo: "ConvGeometry") -> bool:
    """Shifted-view implicit GEMM (shifted.py) rather than im2col."""
    if geo.stride != (1, 1) or geo.groups != 1 or geo.c * geo.kw < SHIFTED_MIN_INNER:
        return False
    padded_positions = (geo.h + geo.pad[0] + geo.pad[1]) * (geo.w + geo.pad[2] + geo.pad[3])
    return padded_positions <= SHIFTED_MAX_JUNK * geo.oh * geo.ow


def _image_major(a2d: np.ndarray, groups: int, t: int, p: int) -> np.ndarray:
    """(G*R, T*P) columns as a strided (T, G, R, P) view: one matrix per image."""
    return a2d.reshape(groups, -1, t, p).transpose(2, 0, 1, 3)


def _tiles(n: int, tile: int):
    return [(n0, min(n, n0 + tile)) for n0 in range(0, n, tile)]


def conv_forward(x: np.ndarray, w: np.ndarray, b: Optional[np.ndarray], stride: Pair,
                 pad: Pad4, dilation: Pair, groups: int, keep_cols: bool = False
                 ) -> Tuple[np.ndarray, Optional[tuple]]:
    """(output (N, O, OH, OW), saved or None) for x (N, C, H, W) and w (O, C/g, kh, kw).

    With keep_cols, `saved` holds what the weight gradient needs from the forward (each
    batch part's columns or stacked x) when it fits SAVE_COLS_BYTES; otherwise None, and
    backward recomputes it from x. Large convs run in batch parts on all cores
    (batch_split.py).
    """
    x = kernel_array(x)
    geo = ConvGeometry(x.shape, w.shape, stride, pad, dilation, groups)
    out = workspace.take((geo.n, geo.o, geo.oh, geo.ow), x.dtype)
    parts = batch_parts(geo.n, geo.flops)

    def forward_part(i: int, n0: int, n1: int):
        part = ConvGeometry(x[n0:n1].shape, w.shape, stride, pad, dilation, groups)
        return _forward_into(x[n0:n1], w, b, part, keep_cols, out[n0:n1])

    cols = run_parts(forward_part, parts)
    return out, (None if any(c is None for c in cols) else (parts, cols))


def _forward_into(x: np.ndarray, w: np.ndarray, b: Optional[np.ndarray], geo: ConvGeometry,
                  keep_cols: bool, out: np.ndarray) -> Optional[np.ndarray]:
    """out = conv(x) by the direct, shifted or im2col route; returns what the weight
    gradient needs from the forward (see conv_forward), or None."""
    if direct_applies(geo):  # its weight gradient reads x itself
        direct_forward(x, w, b, geo, out)
        return None
    if not _shifted(geo):
        return _im2col_forward(x, w, b, geo, keep_cols, out)
    xs = shifted_forward(x, w, b, geo, out)  # kept only under the cols' budget
    return xs if keep_cols and xs.nbytes <= SAVE_COLS_BYTES else None


def _im2col_forward(x: np.ndarray, w: np.ndarray, b: Optional[np.ndarray], geo: ConvGeometry,
                    keep_cols: bool, out: np.ndarray) -> Optional[np.ndarray]:
    """out = conv(x) by im2col + GEMMs; returns the whole batch's cols (C*kh*kw, N*OH*OW)
    when keep_cols and they fit SAVE_COLS_BYTES, else None."""
    n, o, p, g = geo.n, geo.o, geo.oh * geo.ow, geo.groups
    whole = keep_cols and geo.tile(x.itemsize, SAVE_COLS_BYTES) == n
    tile = n if whole else geo.tile(x.itemsize, TILE_BYTES)
    wg = _grouped_weight(w, g)
    cols_buf = workspace.take((geo.taps * tile * p,), x.dtype)
    per_image = _per_image(geo)
    out_buf = workspace.take((o * tile * p,), x.dtype) if tile > 1 and not per_image else None
    grid = geo.grid(x)
    for n0, n1 in _tiles(n, tile):
        t = n1 - n0
        cols = cols_buf[:geo.taps * t * p].reshape(geo.taps, t * p)
        geo.im2col(grid, n0, cols)
        dst = out[n0:n1].reshape(t, o, p)
        if per_image or t == 1:  # the GEMMs write the NCHW layout directly
            gemm(wg, _image_major(cols, g, t, p), out=dst.reshape(t, g, o // g, p))
            if b is not None:
                dst += b.reshape(1, o, 1)
            continue
        out2d = out_buf[:o * t * p].reshape(o, t, p)
        gemm(wg, cols.reshape(g, -1, t * p), out=out2d.reshape(g, o // g, t * p))
        # the (O, T, P) -> (T, O, P) copy and the bias add are one pass over the output
        if b is None:
            np.copyto(dst, out2d.transpose(1, 0, 2))
        else:
            np.add(out2d.transpose(1, 0, 2), b.reshape(1, o, 1), out=dst)
    return cols_buf.reshape(geo.taps, n * p) if whole else None


def channel_major(g: np.ndarray, out: Optional[np.ndarray] = None) -> np.ndarray:
    """(T, O, OH, OW) -> contiguous (O, T*OH*OW): the layout of the GEMM's output."""
    t, o = g.shape[:2]
    out = np.empty((o, g[0].size // o * t), g.dtype) if out is None else out
    np.copyto(out.reshape(o, t, -1), g.reshape(t, o, -1).transpose(1, 0, 2))
    return out


def conv_backward_input(g2d: np.ndarray, w: np.ndarray, geo: ConvGeometry, n0: int,
                        gcols: np.ndarray, gx: np.ndarray) -> None:
    """gx[n0 : n0 + T] = d loss / d x for one tile, from g2d = channel_major(grad tile)."""
    wg = _grouped_weight(w, geo.groups)
    gemm(wg.transpose(0, 2, 1), g2d.reshape(geo.groups, wg.shape[1], -1),
              out=gcols.reshape(geo.groups, wg.shape[2], -1))
    geo.col2im(gcols, n0, gx)


def conv_backward_weight(g2d: np.ndarray, cols: np.ndarray, groups: int,
                         out: np.ndarray) -> None:
    """out (G, K, O/G) = (d loss / d w) transposed, for one tile, from g2d and the tile's
    cols. cols @ g2d.T rather than g2d @ cols.T: the same product, but OpenBLAS runs this
    orientation of the long-inner-dimension GEMM 1.2-2x faster (LeNet conv2: 1.71 ->
    1.31 ms; (16,8,20,20) k5: 0.57 -> 0.27 ms)."""
    gemm(cols.reshape(groups, out.shape[1], -1),
              g2d.reshape(groups, out.shape[2], -1).transpose(0, 2, 1), out=out)


def conv_backward(grad: np.ndarray, x: Optional[np.ndarray], saved: Optional[tuple],
                  w: np.ndarray, x_shape: Tuple[int, ...], stride: Pair, pad: Pad4,
                  dilation: Pair, groups: int, need: Tuple[bool, bool, bool]) -> tuple:
    """(gx, gw, gb) (None where not needed) for grad (N, O, OH, OW).

    Needs the forward's `saved` or, for the weight gradient, `x` to recompute it; runs
    in the same batch parts as the forward that saved it.
    """
    geo = ConvGeometry(tuple(x_shape), w.shape, stride, pad, dilation, groups)
    grad = kernel_array(grad)  # BLAS and the kernels need real strides (not a broadcast)
    x = None if x is None else kernel_array(x)
    parts, cols = saved if saved is not None else (batch_parts(geo.n, geo.flops), None)
    gx = workspace.take(tuple(x_shape), grad.dtype) if need[0] else None
    transposed = _transposed_conv(geo, w) if need[0] else None

    def backward_part(i: int, n0: int, n1: int):
        part = ConvGeometry((n1 - n0,) + tuple(x_shape[1:]), w.shape, stride, pad, dilation,
                            groups)
        part_cols = None if cols is None else cols[i]
        part_x = None if x is None else x[n0:n1]
        part_gx = None if gx is None else gx[n0:n1]
        part_need = need
        if transposed is not None:  # gx is a forward conv of the gradient
            wt, tpad = transposed
            tgeo = ConvGeometry(grad[n0:n1].shape, wt.shape, (1, 1), tpad, dilation, groups)
            _forward_into(grad[n0:n1], wt, None, tgeo, False, part_gx)
            part_need = (False, need[1], need[2])
        if direct_applies(part):  # (its gx is always the transposed conv)
            return (direct_weight_grad(grad[n0:n1], part_x, part) if need[1] else None,
                    grad[n0:n1].sum(axis=(0, 2, 3)) if need[2] else None)
        if _shifted(part):  # the saved cols are the forward's stacked x there
            if need[1] and part_cols is None:
                part_cols = Shifted(part).stack(part_x)
            return shifted_backward(grad[n0:n1], part_cols, w, part, part_need, part_gx)
        return _im2col_backward(grad[n0:n1], part_x, part_cols, w, part, part_need, part_gx)

    sums = run_parts(backward_part, parts)
    gw = _total([s[0] for s in sums]) if need[1] else None
    gb = _total([s[1] for s in sums]) if need[2] else None
    return gx, gw, gb


def _transposed_conv(geo: ConvGeometry, w: np.ndarray) -> Optional[Tuple[np.ndarray, Pad4]]:
    """(weight, padding) of the forward conv that gives a stride-1 conv's input gradient,
    when that beats GEMM + col2im; else None.

    The input gradient of a stride-1 conv is the gradient correlated with the kernel
    flipped in space and with its in/out channels swapped, padded by d*(k-1) - p. Its
    im2col reads the gradient's O channels where col2im writes x's C, so with O <= C it
    moves no more data, and im2col's plain copies beat col2im's read-add-writes. Input
    gradient alone, one 8-image part on one thread, col2im -> conv: (16,32,16,16)->16
    k3 1.38 -> 0.75 ms, (16,8,20,20)->8 k5 0.50 -> 0.42; depthwise fwd+bwd, 2 threads:
    (32,32,28,28) 14.6 -> 7.5 ms, (16,64,14,14) 5.7 -> 3.2; with O > C it loses
    ((64,32,14,14)->64: 3.0 -> 4.4 ms), unless it runs direct (`direct.py`: no im2col
    there, so O > C costs nothing extra). A padding wider than the kernel's reach (which
    would need negative padding) keeps col2im, and so does the shifted route, whose input
    gradient has no col2im ((8,64,56,56) fwd+bwd, p10: 27.0 -> 28.2 ms as a conv).
    """
    g = geo.groups
    reach_h, reach_w = geo.reach
    tpad = (reach_h - geo.pad[0], reach_h - geo.pad[1],
            reach_w - geo.pad[2], reach_w - geo.pad[3])
    if geo.stride != (1, 1) or min(tpad) < 0:
        return None
    if not direct_applies(geo) and (geo.o > geo.c or _shifted(geo)):
        return None
    wt = w.reshape(g, geo.o // g, geo.c // g, geo.kh, geo.kw)[..., ::-1, ::-1]
    wt = np.ascontiguousarray(wt.transpose(0, 2, 1, 3, 4)).reshape(geo.c, geo.o // g,
                                                                     geo.kh, geo.kw)
    return wt, tpad


def _total(arrays: list) -> np.ndarray:
    total = arrays[0]
    for a in arrays[1:]:
        total = total + a
    return total


def _im2col_backward(grad: np.ndarray, x: Optional[np.ndarray], cols: Optional[np.ndarray],
                     w: np.ndarray, geo: ConvGeometry, need: Tuple[bool, bool, bool],
                     gx: Optional[np.ndarray]) -> tuple:
    """(gw, gb) of the im2col route, and gx written into `gx` when need[0]."""
    n, o, p, groups = geo.n, geo.o, geo.oh * geo.ow, geo.groups
    dtype, itemsize = grad.dtype, grad.itemsize
    tile = n if cols is not None else geo.tile(itemsize, TILE_BYTES)
    gw = np.zeros((groups, geo.taps // groups, o // groups), dtype) if need[1] else None
    gb = np.zeros(o, dtype) if need[2] else None
    per_image = _per_image(geo)
    g2d_buf = None if per_image else workspace.take((o * tile * p,), dtype)
    # one tile-sized work buffer: first the recomputed columns for the weight gradient,
    # then the column gradient for col2im (one buffer instead of two: -14 MB peak on
    # (8,64,56,56))
    work_buf = (workspace.take((geo.taps * tile * p,), dtype)
                if need[0] or cols is None else None)
    gw_tile = np.empty_like(gw) if need[1] and tile < n else None
    grid = geo.grid(x) if need[1] and cols is None else None
    for n0, n1 in _tiles(n, tile):
        t = n1 - n0
        if per_image:  # (T, G, O/G, P): each image's gradient is already a matrix
            g2d = grad[n0:n1].reshape(t, groups, o // groups, p)
        else:
            g2d = channel_major(grad[n0:n1], g2d_buf[:o * t * p].reshape(o, t * p))
        work = work_buf[:geo.taps * t * p].reshape(geo.taps, t * p) if work_buf is not None \
            else None
        if need[1]:
            tile_cols = cols
            if tile_cols is None:
                tile_cols = work
                geo.im2col(grid, n0, tile_cols)
            target = gw if gw_tile is None else gw_tile
            if per_image:
                np.sum(gemm(_image_major(tile_cols, groups, t, p), g2d.transpose(0, 1, 3, 2)),
                       axis=0, out=target)
            else:
                conv_backward_weight(g2d, tile_cols, groups, target)
            if gw_tile is not None:
                gw += gw_tile
        if need[0]:
            if per_image:
                gemm(_grouped_weight(w, groups).transpose(0, 2, 1), g2d,
                     out=_image_major(work, groups, t, p))
                geo.col2im(work, n0, gx)
            else:
                conv_backward_input(g2d, w, geo, n0, work, gx)
        if need[2]:
            gb += g2d.sum(axis=(0, 3)).reshape(o) if per_image else g2d.sum(axis=1)
    gw = gw.transpose(0, 2, 1).reshape(w.shape) if need[1] else None  # a copy (small)
    return gw, gb
