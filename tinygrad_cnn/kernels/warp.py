"""Affine resampling of image batches, the one kernel behind the data augmentations
(random crops, shifts, rotations, scaling): each output pixel reads the input at an
affine function of its coordinates, bilinearly, with `fill` outside the image."""
from __future__ import annotations

import math

import numpy as np

from .jit import njit


@njit(cache=True, nogil=True)
def _sample(plane, sy: float, sx: float, fill: float) -> float:
    """Bilinear read of `plane` at (sy, sx); taps outside the plane count as `fill`."""
    h, w = plane.shape
    y0, x0 = math.floor(sy), math.floor(sx)
    fy, fx = sy - y0, sx - x0
    total = 0.0
    for dy in range(2):
        wy = fy if dy else 1.0 - fy
        if wy == 0.0:
            continue
        for dx in range(2):
            wx = fx if dx else 1.0 - fx
            if wx == 0.0:
                continue
            y, x = y0 + dy, x0 + dx
            inside = 0 <= y < h and 0 <= x < w
            total += wy * wx * (plane[y, x] if inside else fill)
    return total


@njit(cache=True, nogil=True)
def warp_affine(images, theta, fill: float, out) -> None:
    """out[n, c, i, j] = images[n, c] read at (theta[n] @ (i, j, 1)), i.e. source row
    theta[n, 0] . (i, j, 1) and column theta[n, 1] . (i, j, 1); integer maps copy exactly."""
    for n in range(images.shape[0]):
        t = theta[n]
        for i in range(out.shape[2]):
            for j in range(out.shape[3]):
                sy = t[0, 0] * i + t[0, 1] * j + t[0, 2]
                sx = t[1, 0] * i + t[1, 1] * j + t[1, 2]
                for c in range(images.shape[1]):
                    out[n, c, i, j] = _sample(images[n, c], sy, sx, fill)


def warp(images: np.ndarray, theta: np.ndarray, out_hw=None, fill: float = 0.0) -> np.ndarray:
    """Resample the float batch `images` (N, C, H, W) with one 2x3 map per image.

    >>> x = np.arange(9, dtype=np.float32).reshape(1, 1, 3, 3)
    >>> shift_down = np.array([[[1, 0, -1], [0, 1, 0]]], np.float64)  # row i reads row i-1
    >>> warp(x, shift_down)[0, 0].tolist()
    [[0.0, 0.0, 0.0], [0.0, 1.0, 2.0], [3.0, 4.0, 5.0]]
    """
    out_hw = images.shape[2:] if out_hw is None else out_hw
    out = np.empty(images.shape[:2] + tuple(out_hw), images.dtype)
    warp_affine(np.ascontiguousarray(images), np.ascontiguousarray(theta, np.float64),
                float(fill), out)
    return out
