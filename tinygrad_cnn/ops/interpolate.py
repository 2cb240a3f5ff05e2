"""interpolate (nearest, bilinear) for (N, C, H, W) images, built from indexing and
arithmetic: each output row/column reads one or two input rows/columns (the gradient
scatters back through the indexing)."""
from __future__ import annotations

import math
from typing import Any, Optional, Tuple

import numpy as np

from .shape import getitem


def _sizes(shape: Tuple[int, int], size: Any, scale_factor: Any) -> Tuple[tuple, tuple]:
    """Output (H, W) and the source step per output pixel along each axis."""
    if (size is None) == (scale_factor is None):
        raise ValueError("either size or scale_factor should be defined (not both)")
    if size is not None:
        out = (size, size) if isinstance(size, int) else tuple(size)
        return out, tuple(i / o for i, o in zip(shape, out))
    scales = (scale_factor,) * 2 if isinstance(scale_factor, (int, float)) else \
        tuple(scale_factor)
    out = tuple(int(math.floor(n * s)) for n, s in zip(shape, scales))
    return out, tuple(1.0 / s for s in scales)


def _along(x: Any, axis: int, index: np.ndarray) -> Any:
    return getitem(x, (slice(None),) * axis + (index,))


def _nearest(x: Any, axis: int, n_out: int, step: float) -> Any:
    n_in = x.shape[axis]
    index = np.minimum(np.floor(np.arange(n_out) * step).astype(np.int64), n_in - 1)
    return _along(x, axis, index)


def _linear(x: Any, axis: int, n_out: int, step: float, align_corners: bool) -> Any:
    n_in = x.shape[axis]
    dst = np.arange(n_out, dtype=np.float64)
    if align_corners:
        src = dst * ((n_in - 1) / (n_out - 1) if n_out > 1 else 0.0)
    else:
        src = np.maximum((dst + 0.5) * step - 0.5, 0.0)
    lo = np.minimum(np.floor(src).astype(np.int64), n_in - 1)
    hi = np.minimum(lo + 1, n_in - 1)
    shape = [1] * x.ndim
    shape[axis] = n_out
    weight = (src - lo).astype(x.dtype).reshape(shape)
    return _along(x, axis, lo) * (1 - weight) + _along(x, axis, hi) * weight


def interpolate(input: Any, size: Any = None, scale_factor: Any = None,
                mode: str = "nearest", align_corners: Optional[bool] = None,
                recompute_scale_factor: Optional[bool] = None, antialias: bool = False) -> Any:
    """Resize (N, C, H, W) images: mode 'nearest' or 'bilinear' (align_corners as torch).

    >>> from tinygrad_cnn import Tensor
    >>> interpolate(Tensor([[[[1.0, 2.0]]]]), scale_factor=(1, 2), mode="nearest")
    tensor([[[[1., 1., 2., 2.]]]])
    >>> interpolate(Tensor([[[[1.0, 2.0]]]]), size=(1, 3), mode="bilinear", align_corners=True)
    tensor([[[[1.0000, 1.5000, 2.0000]]]])
    """
    if input.ndim != 4:
        raise NotImplementedError(f"interpolate: only 4-D (N, C, H, W) input is supported, "
                                  f"got shape {input.shape}")
    if mode not in ("nearest", "bilinear"):
        raise NotImplementedError(f"interpolate: mode '{mode}' is not supported; use "
                                  "'nearest' or 'bilinear'")
    if mode == "nearest" and align_corners is not None:
        raise ValueError("align_corners option can only be set with the interpolating modes: "
                         "linear | bilinear | bicubic | trilinear")
    if antialias:
        raise NotImplementedError("interpolate: antialias=True is not supported")
    out, steps = _sizes(input.shape[2:], size, scale_factor)
    if recompute_scale_factor:
        steps = tuple(i / o for i, o in zip(input.shape[2:], out))
    if min(out) <= 0:
        raise RuntimeError(f"interpolate: output size {out} must be positive")
    x = input
    for axis, n_out, step in zip((2, 3), out, steps):
        x = _nearest(x, axis, n_out, step) if mode == "nearest" else \
            _linear(x, axis, n_out, step, bool(align_corners))
    return x
