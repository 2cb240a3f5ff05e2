"""dropout2d: zero whole channels (each with probability p) and scale the rest by 1/(1-p).
Built from a multiplication by a per-channel mask, so the gradient is masked the same way."""
from __future__ import annotations

from typing import Any

import numpy as np

from ..rng import generator


def dropout2d(input: Any, p: float = 0.5, training: bool = True, inplace: bool = False) -> Any:
    """Channel dropout for (N, C, H, W) or (C, H, W) inputs, as F.dropout2d.

    >>> from tinygrad_cnn import ones
    >>> out = dropout2d(ones(2, 8, 3, 3), p=0.5)
    >>> sorted({float(v) for v in out.numpy().ravel()}) in ([0.0, 2.0], [0.0], [2.0])
    True
    """
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
    if input.ndim not in (3, 4):
        raise RuntimeError(f"dropout2d expects a 3-D or 4-D input, got shape {input.shape}")
    if not training or p == 0.0:
        return input
    shape = input.shape[:-2] + (1, 1)
    keep = generator().random(shape) >= p
    scale = 1.0 / (1.0 - p) if p < 1 else 0.0
    mask = type(input)._wrap((keep * scale).astype(input.dtype), False)
    if inplace:
        from .inplace import apply_inplace
        return apply_inplace(input, lambda x: x * mask)
    return input * mask
