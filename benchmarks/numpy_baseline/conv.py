"""Convolution by im2col (fancy indexing) and a single matmul; col2im by `np.add.at`."""
from __future__ import annotations

from functools import lru_cache
from typing import Tuple

import numpy as np

Cache = Tuple[np.ndarray, np.ndarray, np.ndarray, int, int]


@lru_cache(maxsize=64)
def _indices(c: int, h: int, w: int, k: int, stride: int, pad: int):
    """(channel, row, col) index arrays picking every receptive field of a padded image.

    Shapes (C*k*k, 1), (C*k*k, OH*OW), (C*k*k, OH*OW); cached because they depend only on
    the geometry, which repeats every step.
    """
    oh, ow = (h + 2 * pad - k) // stride + 1, (w + 2 * pad - k) // stride + 1
    row0 = np.tile(np.repeat(np.arange(k), k), c)      # tap row, for every channel
    col0 = np.tile(np.arange(k), k * c)                 # tap column
    row_step = stride * np.repeat(np.arange(oh), ow)    # output position -> top row
    col_step = stride * np.tile(np.arange(ow), oh)      # output position -> left column
    rows = row0[:, None] + row_step[None, :]
    cols = col0[:, None] + col_step[None, :]
    chans = np.repeat(np.arange(c), k * k)[:, None]
    return chans, rows, cols, oh, ow


def im2col(x: np.ndarray, k: int, stride: int, pad: int) -> np.ndarray:
    """(N, C, H, W) -> (C*k*k, OH*OW*N) columns, one per output position and image."""
    n, c, h, w = x.shape
    chans, rows, cols, _, _ = _indices(c, h, w, k, stride, pad)
    padded = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad))) if pad else x
    picked = padded[:, chans, rows, cols]               # (N, C*k*k, OH*OW)
    return picked.transpose(1, 2, 0).reshape(c * k * k, -1)


def col2im(dcols: np.ndarray, x_shape: tuple, k: int, stride: int, pad: int) -> np.ndarray:
    """Adjoint of `im2col`: scatter-add every column entry back to its pixel."""
    n, c, h, w = x_shape
    chans, rows, cols, _, _ = _indices(c, h, w, k, stride, pad)
    padded = np.zeros((n, c, h + 2 * pad, w + 2 * pad), dcols.dtype)
    per_image = dcols.reshape(c * k * k, -1, n).transpose(2, 0, 1)
    np.add.at(padded, (slice(None), chans, rows, cols), per_image)
    return padded[:, :, pad:pad + h, pad:pad + w] if pad else padded


def conv_forward(x: np.ndarray, w: np.ndarray, b: np.ndarray, stride: int = 1,
                 pad: int = 0) -> Tuple[np.ndarray, Cache]:
    """Square-kernel cross-correlation, as torch's conv2d; returns (out, cache)."""
    n, cout, k = x.shape[0], w.shape[0], w.shape[2]
    cols = im2col(x, k, stride, pad)
    out = w.reshape(cout, -1) @ cols + b[:, None]       # (Cout, OH*OW*N)
    _, _, _, oh, ow = _indices(x.shape[1], x.shape[2], x.shape[3], k, stride, pad)
    out = out.reshape(cout, oh, ow, n).transpose(3, 0, 1, 2)
    return np.ascontiguousarray(out), (x, w, cols, stride, pad)


def conv_backward(dout: np.ndarray, cache: Cache):
    """Gradients (dx, dw, db) of `conv_forward` given the upstream gradient."""
    x, w, cols, stride, pad = cache
    cout = w.shape[0]
    db = dout.sum(axis=(0, 2, 3))
    dout2d = dout.transpose(1, 2, 3, 0).reshape(cout, -1)
    dw = (dout2d @ cols.T).reshape(w.shape)
    dcols = w.reshape(cout, -1).T @ dout2d
    dx = col2im(dcols, x.shape, w.shape[2], stride, pad)
    return dx, dw, db
