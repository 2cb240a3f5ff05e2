"""Spatial-size arithmetic, so models can compute their flatten width from the image size."""
from __future__ import annotations

from typing import Sequence, Tuple, Union

Size = Union[int, Tuple[int, int]]


def as_hw(size: Size) -> Tuple[int, int]:
    """28 -> (28, 28); (h, w) stays."""
    return (size, size) if isinstance(size, int) else (int(size[0]), int(size[1]))


def conv_out(size: int, kernel: int, stride: int = 1, padding: int = 0) -> int:
    """Output length of a convolution or pooling window sliding over `size` (floor mode)."""
    return (size + 2 * padding - kernel) // stride + 1


def feature_hw(image_size: Size, stages: Sequence[Tuple[int, int, int]]) -> Tuple[int, int]:
    """The (h, w) left after a chain of (kernel, stride, padding) windows; a clear error
    when the image is too small for them."""
    h, w = as_hw(image_size)
    for kernel, stride, padding in stages:
        h, w = conv_out(h, kernel, stride, padding), conv_out(w, kernel, stride, padding)
        if h < 1 or w < 1:
            raise ValueError(f"image_size={image_size} is too small for this model: the "
                             f"feature map shrinks to {h}x{w}")
    return h, w
