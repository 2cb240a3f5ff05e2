"""Array helpers to turn raw images into network inputs."""
from __future__ import annotations

from typing import Sequence, Union

import numpy as np

MNIST_MEAN, MNIST_STD = 0.1307, 0.3081  # of the train pixels scaled to [0, 1]
FASHION_MNIST_MEAN, FASHION_MNIST_STD = 0.2860, 0.3530

Stat = Union[float, Sequence[float]]


def to_float(images: np.ndarray, max_value: float = 255.0) -> np.ndarray:
    """Scale integer pixels (0..max_value) to float32 in [0, 1].

    >>> x = to_float(np.array([0, 255], np.uint8)); x.dtype, x.tolist()
    (dtype('float32'), [0.0, 1.0])
    """
    return np.asarray(images, np.float32) / np.float32(max_value)


def normalize(images: np.ndarray, mean: Stat, std: Stat) -> np.ndarray:
    """`(images - mean) / std` as float32; per-channel (axis 1) when given sequences.

    >>> normalize(np.array([0.1307], np.float32), MNIST_MEAN, MNIST_STD).tolist()
    [0.0]
    """
    images = np.asarray(images, np.float32)
    mean, std = np.asarray(mean, np.float32), np.asarray(std, np.float32)
    if np.any(std <= 0):
        raise ValueError(f"std must be positive, got {std.tolist()}")
    if mean.ndim:  # (C,) statistics broadcast over (N, C, H, W)
        shape = (1, -1) + (1,) * (images.ndim - 2)
        mean, std = mean.reshape(shape), std.reshape(shape)
    return (images - mean) / std


def add_channel(images: np.ndarray) -> np.ndarray:
    """(N, H, W) grey images -> (N, 1, H, W), the layout Conv2d expects.

    >>> add_channel(np.zeros((5, 28, 28))).shape
    (5, 1, 28, 28)
    """
    if images.ndim != 3:
        raise ValueError(f"expected (N, H, W) images, got shape {images.shape}")
    return images[:, None]
