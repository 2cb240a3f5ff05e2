"""2-D convolution as im2col + one batched GEMM (numpy BLAS), and its two gradients.

The batch is folded into the GEMM's columns: with cols of shape (C*kh*kw, N*OH*OW)
every group does a single (O/g, K) @ (K, N*OH*OW) product. Groups are a leading batch
axis of `np.matmul`, so no Python loop runs over groups, channels or images.

    forward:        out2d  = W2d @ cols               (then (O, N, ...) -> (N, O, ...))
    grad weight:    gW2d   = g2d @ cols.T
    grad input:     gx     = col2im(W2d.T @ g2d)

where W2d is (G, O/G, K), cols (G, K, N*P) and g2d (G, O/G, N*P), P = OH*OW, K the taps
per group. These few functions are the swap point for faster implementations.
"""
from __future__ import annotations

from typing import Optional, Tuple

import numpy as np

from .geometry import Pad4, Pair, conv_output_size
from .im2col import col2im, im2col


def _grouped_weight(w: np.ndarray, groups: int) -> np.ndarray:
    """(O, C/g, kh, kw) -> (G, O/G, K)."""
    return w.reshape(groups, w.shape[0] // groups, -1)


def channel_major(g: np.ndarray) -> np.ndarray:
    """(N, O, OH, OW) -> contiguous (O, N*OH*OW): the layout of the GEMM's output."""
    n, o = g.shape[:2]
    return np.ascontiguousarray(g.reshape(n, o, -1).transpose(1, 0, 2)).reshape(o, -1)


def conv_forward(x: np.ndarray, w: np.ndarray, b: Optional[np.ndarray], stride: Pair,
                 pad: Pad4, dilation: Pair, groups: int) -> Tuple[np.ndarray, np.ndarray]:
    """(output (N, O, OH, OW), cols) for x (N, C, H, W) and w (O, C/g, kh, kw).

    cols (C*kh*kw, N*OH*OW) is returned so the weight gradient can reuse it.
    """
    n, o, (kh, kw) = x.shape[0], w.shape[0], w.shape[2:]
    cols = im2col(x, (kh, kw), stride, pad, dilation)
    p = cols.shape[1] // n
    out2d = np.matmul(_grouped_weight(w, groups), cols.reshape(groups, -1, n * p))
    oh = conv_output_size(x.shape[2], kh, stride[0], pad[0], pad[1], dilation[0])
    by_channel = out2d.reshape(o, n, oh, p // oh).transpose(1, 0, 2, 3)
    out = np.empty(by_channel.shape, dtype=x.dtype)
    # the NCHW copy and the bias add are one pass over the output
    if b is None:
        np.copyto(out, by_channel)
    else:
        np.add(by_channel, b.reshape(1, o, 1, 1), out=out)
    return out, cols


def conv_backward_input(g2d: np.ndarray, w: np.ndarray, x_shape: Tuple[int, ...],
                        stride: Pair, pad: Pad4, dilation: Pair, groups: int) -> np.ndarray:
    """d loss / d x from g2d = channel_major(grad_out)."""
    wg = _grouped_weight(w, groups)
    gcols = np.matmul(wg.transpose(0, 2, 1), g2d.reshape(groups, wg.shape[1], -1))
    return col2im(gcols.reshape(-1, g2d.shape[1]), x_shape, w.shape[2:], stride, pad,
                  dilation)


def conv_backward_weight(g2d: np.ndarray, cols: np.ndarray, w_shape: Tuple[int, ...],
                         groups: int) -> np.ndarray:
    """d loss / d w from g2d = channel_major(grad_out) and the forward's cols."""
    g3 = g2d.reshape(groups, w_shape[0] // groups, -1)
    gw = np.matmul(g3, cols.reshape(groups, -1, g2d.shape[1]).transpose(0, 2, 1))
    return gw.reshape(w_shape)


def conv_backward_bias(g2d: np.ndarray) -> np.ndarray:
    """d loss / d b: the output gradient summed over images and pixels."""
    return g2d.sum(axis=1)
