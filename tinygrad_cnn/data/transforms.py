"""Array helpers to turn raw images into network inputs."""
from __future__ import annotations

from typing import Optional, Sequence, Tuple, Union

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


# ----- augmentation: random transforms of image batches --------------------------------
RandomState = Union[np.random.Generator, int, None]
Pair = Union[float, Tuple[float, float]]


def as_generator(rng: RandomState) -> np.random.Generator:
    """`rng` itself, a new generator seeded with an int, or (None) the library generator
    that `tinygrad_cnn.manual_seed` seeds."""
    if isinstance(rng, np.random.Generator):
        return rng
    if rng is None:
        from ..creation import generator
        return generator()
    return np.random.default_rng(rng)


class Transform:
    """Base of the batch transforms: `t(images, rng)` maps float images (N, C, H, W) (or one
    image (C, H, W)) to new arrays, drawing each image's random parameters from `rng` (a
    Generator, an int seed, or None for the library generator). Subclasses define `apply`.

    >>> flip = RandomHorizontalFlip(p=1.0)
    >>> flip(np.arange(3.0).reshape(1, 1, 3), rng=0).tolist()
    [[[2.0, 1.0, 0.0]]]
    """

    def __call__(self, images: np.ndarray, rng: RandomState = None) -> np.ndarray:
        images = np.asarray(images)
        if images.ndim not in (3, 4):
            raise ValueError(f"{type(self).__name__} expects images (N, C, H, W) or (C, H, W), "
                             f"got shape {images.shape}")
        if not np.issubdtype(images.dtype, np.floating):
            images = images.astype(np.float32)
        single = images.ndim == 3
        out = self.apply(images[None] if single else images, as_generator(rng))
        return out[0] if single else out

    def apply(self, batch: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        raise NotImplementedError(f"{type(self).__name__} does not define apply")

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in vars(self).items())
        return f"{type(self).__name__}({args})"


class Compose(Transform):
    """Apply `transforms` in order, all drawing from the same generator.

    >>> t = Compose([RandomCrop(4, padding=1), Normalize(0.5, 0.25)])
    >>> t(np.zeros((2, 1, 4, 4), np.float32), rng=0).shape
    (2, 1, 4, 4)
    """

    def __init__(self, transforms: Sequence[Transform]) -> None:
        self.transforms = list(transforms)

    def apply(self, batch: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        for t in self.transforms:
            batch = t.apply(batch, rng)
        return batch


class Normalize(Transform):
    """`(x - mean) / std`, per channel for sequences (torchvision's Normalize).

    >>> Normalize(0.5, 0.5)(np.ones((1, 1, 1, 1), np.float32)).tolist()
    [[[[1.0]]]]
    """

    def __init__(self, mean: Stat, std: Stat) -> None:
        self.mean, self.std = mean, std
        normalize(np.zeros(1, np.float32), mean if np.ndim(mean) == 0 else 0.0,
                  std if np.ndim(std) == 0 else 1.0)  # check std > 0 now, not per batch

    def apply(self, batch: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        return normalize(batch, self.mean, self.std)


class RandomHorizontalFlip(Transform):
    """Mirror each image left-right with probability `p`.

    >>> x = np.arange(4.0).reshape(1, 1, 1, 4)
    >>> RandomHorizontalFlip(p=0.0)(x).tolist(), RandomHorizontalFlip(p=1.0)(x).tolist()
    ([[[[0.0, 1.0, 2.0, 3.0]]]], [[[[3.0, 2.0, 1.0, 0.0]]]])
    """

    def __init__(self, p: float = 0.5) -> None:
        if not 0 <= p <= 1:
            raise ValueError(f"p must be a probability in [0, 1], got {p!r}")
        self.p = p

    def apply(self, batch: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        flip = rng.random(len(batch)) < self.p
        out = batch.copy()
        out[flip] = batch[flip, :, :, ::-1]
        return out


def _hw(size: Union[int, Sequence[int]]) -> Tuple[int, int]:
    h, w = (size, size) if isinstance(size, (int, np.integer)) else tuple(size)
    if h < 1 or w < 1:
        raise ValueError(f"size must be positive, got {size!r}")
    return int(h), int(w)


class RandomCrop(Transform):
    """A random `size` window of each image zero-padded (with `fill`) by `padding` pixels on
    every side: with size = the image size, a random shift of up to `padding` pixels.

    >>> x = np.ones((8, 1, 5, 5), np.float32)
    >>> y = RandomCrop(5, padding=2)(x, rng=0); y.shape, bool((y == 0).any())
    ((8, 1, 5, 5), True)
    """

    def __init__(self, size: Union[int, Sequence[int]], padding: int = 0,
                 fill: float = 0.0) -> None:
        if padding < 0:
            raise ValueError(f"padding must be non-negative, got {padding!r}")
        self.size, self.padding, self.fill = _hw(size), int(padding), float(fill)

    def apply(self, batch: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        from ..kernels.warp import warp

        (h, w), p = self.size, self.padding
        room_h, room_w = batch.shape[2] + 2 * p - h, batch.shape[3] + 2 * p - w
        if room_h < 0 or room_w < 0:
            raise ValueError(f"RandomCrop size {self.size} is larger than the padded image "
                             f"{(batch.shape[2] + 2 * p, batch.shape[3] + 2 * p)}")
        theta = np.zeros((len(batch), 2, 3))
        theta[:, 0, 0] = theta[:, 1, 1] = 1.0
        theta[:, 0, 2] = rng.integers(0, room_h + 1, len(batch)) - p
        theta[:, 1, 2] = rng.integers(0, room_w + 1, len(batch)) - p
        return warp(batch, theta, (h, w), self.fill)


def _range(value: Optional[Pair], name: str, centre: float = 0.0) -> Tuple[float, float]:
    """A (low, high) range: a single number d means (centre - d, centre + d)."""
    if value is None:
        return centre, centre
    if np.ndim(value) == 0:
        if value < 0:
            raise ValueError(f"{name} must be non-negative, got {value!r}")
        return centre - float(value), centre + float(value)
    low, high = map(float, value)
    if low > high:
        raise ValueError(f"{name} range must be (low, high) with low <= high, got {value!r}")
    return low, high


class RandomAffine(Transform):
    """Rotate each image by a random angle in `degrees` (counter-clockwise as displayed),
    scale it by a factor in `scale` and shift it by up to `translate` = (fraction of the
    width, of the height), about the centre; bilinear, `fill` outside (torchvision's
    RandomAffine without shear).

    >>> x = np.zeros((1, 1, 3, 3), np.float32); x[0, 0, 0, 1] = 1.0   # top middle pixel
    >>> RandomAffine(degrees=(90, 90))(x)[0, 0].round(6).tolist()     # -> middle left
    [[0.0, 0.0, 0.0], [1.0, 0.0, 0.0], [0.0, 0.0, 0.0]]
    """

    def __init__(self, degrees: Pair = 0.0, translate: Optional[Tuple[float, float]] = None,
                 scale: Optional[Tuple[float, float]] = None, fill: float = 0.0) -> None:
        self.degrees = _range(degrees, "degrees")
        self.translate = (0.0, 0.0) if translate is None else tuple(map(float, translate))
        if not all(0 <= t <= 1 for t in self.translate):
            raise ValueError(f"translate fractions must be in [0, 1], got {translate!r}")
        self.scale = (1.0, 1.0) if scale is None else _range(scale, "scale")
        if self.scale[0] <= 0:
            raise ValueError(f"scale must be positive, got {scale!r}")
        self.fill = float(fill)

    def apply(self, batch: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        from ..kernels.warp import warp

        n, (h, w) = len(batch), batch.shape[2:]
        angle = np.deg2rad(rng.uniform(*self.degrees, n))
        factor = rng.uniform(*self.scale, n)
        shift_x = rng.uniform(-1, 1, n) * self.translate[0] * w
        shift_y = rng.uniform(-1, 1, n) * self.translate[1] * h
        cos, sin = np.cos(angle) / factor, np.sin(angle) / factor
        cy, cx = (h - 1) / 2, (w - 1) / 2
        # source = centre + R(-angle) / scale @ (output - centre - shift), in (row, col)
        theta = np.empty((n, 2, 3))
        theta[:, 0, 0], theta[:, 0, 1] = cos, sin
        theta[:, 1, 0], theta[:, 1, 1] = -sin, cos
        oy, ox = cy + shift_y, cx + shift_x
        theta[:, 0, 2] = cy - cos * oy - sin * ox
        theta[:, 1, 2] = cx + sin * oy - cos * ox
        return warp(batch, theta, None, self.fill)
