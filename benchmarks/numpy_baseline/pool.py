"""Non-overlapping pooling (window == stride) by reshaping into windows."""
from __future__ import annotations

from typing import Tuple

import numpy as np


def _windows(x: np.ndarray, size: int) -> np.ndarray:
    """(N, C, H, W) -> (N, C, H/s, s, W/s, s), after dropping the rows/columns that do not
    fill a window (what torch's floor mode does)."""
    n, c, h, w = x.shape
    oh, ow = h // size, w // size
    return x[:, :, :oh * size, :ow * size].reshape(n, c, oh, size, ow, size)


def _unwindow(dwin: np.ndarray, x_shape: tuple) -> np.ndarray:
    """Inverse of `_windows` for gradients: the dropped border gets zero gradient."""
    n, c, oh, s, ow, _ = dwin.shape
    if x_shape[2] == oh * s and x_shape[3] == ow * s:
        return dwin.reshape(x_shape)
    dx = np.zeros(x_shape, dwin.dtype)
    dx[:, :, :oh * s, :ow * s] = dwin.reshape(n, c, oh * s, ow * s)
    return dx


def max_pool_forward(x: np.ndarray, size: int = 2) -> Tuple[np.ndarray, tuple]:
    win = _windows(x, size)
    out = win.max(axis=(3, 5))
    return out, (x.shape, win, out)


def max_pool_backward(dout: np.ndarray, cache: tuple) -> np.ndarray:
    """Route each gradient to its window's maximum (split evenly between ties)."""
    x_shape, win, out = cache
    mask = win == out[:, :, :, None, :, None]
    ties = mask.sum(axis=(3, 5), keepdims=True, dtype=dout.dtype)
    share = dout[:, :, :, None, :, None] / ties
    return _unwindow(mask * share, x_shape)


def avg_pool_forward(x: np.ndarray, size: int = 2) -> Tuple[np.ndarray, tuple]:
    return _windows(x, size).mean(axis=(3, 5)), (x.shape, size)


def avg_pool_backward(dout: np.ndarray, cache: tuple) -> np.ndarray:
    x_shape, size = cache
    n, c, oh, ow = dout.shape
    share = np.broadcast_to(dout[:, :, :, None, :, None] / (size * size),
                            (n, c, oh, size, ow, size))
    return _unwindow(np.ascontiguousarray(share), x_shape)
