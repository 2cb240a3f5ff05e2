"""The datasets the CLI trains on, as network-ready arrays: float32 NCHW images normalised
with the training split's statistics, int64 labels."""
from __future__ import annotations

from pathlib import Path
from typing import Optional, Tuple

import numpy as np

from .. import data

Arrays = Tuple[Tuple[np.ndarray, np.ndarray], Tuple[np.ndarray, np.ndarray]]
DIGITS_MEAN, DIGITS_STD = 4.8842 / 16, 6.0168 / 16  # of the 8x8 digits' pixels (0..16)
# a checkout's ../shared/data holds the original files; used when --data-dir is not given
_SHARED = Path(__file__).resolve().parents[3] / "shared" / "data"


def _prepare(split: data.Split, max_value: float, mean: float, std: float) -> tuple:
    x = data.normalize(data.to_float(split.x, max_value), mean, std)
    return data.add_channel(x), split.y.astype(np.int64)


def _default_root(folder: str) -> Path:
    """The checkout's ../shared/data/<name> if present, else a per-user cache directory."""
    shared = _SHARED / folder
    return shared if shared.is_dir() else Path.home() / ".cache" / "tinygrad_cnn" / folder


def load_split(name: str, data_dir: Optional[str] = None, download: bool = False) -> Arrays:
    """((x_train, y_train), (x_test, y_test)) for 'digits', 'mnist' or 'fashion-mnist'.

    >>> (x, y), _ = load_split("digits"); x.shape[1:], x.dtype
    ((1, 8, 8), dtype('float32'))
    """
    if name == "digits":
        x, y = data.load_digits()
        train, test = data.train_test_split(x, y, test_size=0.2, seed=0)
        return (_prepare(train, 16, DIGITS_MEAN, DIGITS_STD),
                _prepare(test, 16, DIGITS_MEAN, DIGITS_STD))
    loaders = {"mnist": (data.load_mnist, data.MNIST_MEAN, data.MNIST_STD, "mnist"),
               "fashion-mnist": (data.load_fashion_mnist, data.FASHION_MNIST_MEAN,
                                 data.FASHION_MNIST_STD, "fashion-mnist")}
    if name not in loaders:
        raise ValueError(f"unknown dataset {name!r}; choose digits, mnist or fashion-mnist")
    load, mean, std, folder = loaders[name]
    root = Path(data_dir) if data_dir else _default_root(folder)
    train, test = load(root, download=download)
    return _prepare(train, 255, mean, std), _prepare(test, 255, mean, std)


FASHION_MNIST_CLASSES = ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal",
                         "Shirt", "Sneaker", "Bag", "Ankle boot")


def class_names(name: str) -> Tuple[str, ...]:
    """Readable labels of a dataset's classes.

    >>> class_names("fashion-mnist")[9], class_names("digits")[3]
    ('Ankle boot', '3')
    """
    return FASHION_MNIST_CLASSES if name == "fashion-mnist" else tuple(map(str, range(10)))


_STATS = {"digits": (DIGITS_MEAN, DIGITS_STD), "mnist": (data.MNIST_MEAN, data.MNIST_STD),
          "fashion-mnist": (data.FASHION_MNIST_MEAN, data.FASHION_MNIST_STD)}


def augmentation(name: str) -> "data.transforms.Transform":
    """The `--augment` transforms of a dataset, for its normalised images (the fill is the
    normalised black background): digits are shifted by up to a pixel (8x8) or 10% and
    turned by up to 10 degrees, never mirrored; Fashion-MNIST clothes are shifted by up to
    2 pixels (random crop with padding 2) and mirrored left-right half the time.

    >>> augmentation("fashion-mnist")                   # doctest: +ELLIPSIS
    Compose(transforms=[RandomCrop(size=(28, 28), padding=2, fill=-0.81...), RandomHorizontalFlip(p=0.5)])
    """
    from ..data import transforms as T

    mean, std = _STATS[name]
    background = (0.0 - mean) / std
    if name == "fashion-mnist":
        return T.Compose([T.RandomCrop(28, padding=2, fill=background),
                          T.RandomHorizontalFlip()])
    shift = 0.125 if name == "digits" else 0.1
    return T.RandomAffine(degrees=10, translate=(shift, shift), fill=background)
