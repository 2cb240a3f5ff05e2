"""MNIST and Fashion-MNIST from their original IDX files (optionally downloaded)."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Dict, Sequence, Tuple, Union

import numpy as np

from ..errors import MissingDataError
from .download import download as fetch_file
from .idx import IMAGES_MAGIC, LABELS_MAGIC, read_idx
from .splits import Split, TrainTest


@dataclass(frozen=True)
class IdxDataset:
    """Where an IDX dataset lives: mirrors to try, and each file's name and official MD5.

    >>> MNIST.files["train_labels"][0], FASHION_MNIST.name
    ('train-labels-idx1-ubyte', 'Fashion-MNIST')
    """

    name: str
    mirrors: Tuple[str, ...]
    files: Dict[str, Tuple[str, str]]  # role -> (file name without .gz, md5 of the .gz)


def _files(md5s: Sequence[str]) -> Dict[str, Tuple[str, str]]:
    names = ["train-images-idx3-ubyte", "train-labels-idx1-ubyte",
             "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"]
    roles = ["train_images", "train_labels", "test_images", "test_labels"]
    return {role: (name, md5) for role, name, md5 in zip(roles, names, md5s)}


MNIST = IdxDataset("MNIST", (
    "https://ossci-datasets.s3.amazonaws.com/mnist/",
    "https://storage.googleapis.com/cvdf-datasets/mnist/",
    "http://yann.lecun.com/exdb/mnist/",
), _files(["f68b3c2dcbeaaa9fbdd348bbdeb94873", "d53e105ee54ea40749a09fcbcd1e9432",
           "9fb629c4189551a2d022fa330f9573f3", "ec29112dd5afa0611ce80d1b7f02629c"]))

FASHION_MNIST = IdxDataset("Fashion-MNIST", (
    "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",
    "https://raw.githubusercontent.com/zalandoresearch/fashion-mnist/master/data/fashion/",
), _files(["8d4fb7e6c68d591d4c3dfef9ec88bf0d", "25c81989df183df01b3e8a0aad5dffbe",
           "bef4ecab320f06d8554ea6380940ec79", "bb300cfdad3c16e7a12a480ee83cd310"]))


def load_mnist(root: Union[str, Path], download: bool = False) -> TrainTest:
    """MNIST digits: 60,000 train and 10,000 test 28x28 uint8 images, int64 labels 0-9.

    Reads `train-images-idx3-ubyte(.gz)` etc. from `root`; with `download=True` missing
    files are fetched and checked against the official MD5s.

    With the real files, `x_train.shape` is (60000, 28, 28); here, two fake 2x2 images:

    >>> import tempfile; from tinygrad_cnn.data import write_idx
    >>> root = Path(tempfile.mkdtemp())
    >>> for name, _ in MNIST.files.values():
    ...     write_idx(root / f"{name}.gz", np.zeros((2, 2, 2), np.uint8) if "images" in name
    ...               else np.array([5, 0], np.uint8))
    >>> (x_train, y_train), (x_test, y_test) = load_mnist(root)
    >>> x_train.shape, y_train.tolist(), y_train.dtype
    ((2, 2, 2), [5, 0], dtype('int64'))
    """
    return load_idx_dataset(MNIST, root, download)


def load_fashion_mnist(root: Union[str, Path], download: bool = False) -> TrainTest:
    """Fashion-MNIST (Zalando): same layout as MNIST, 10 clothing classes.

    >>> import tempfile; from tinygrad_cnn.data import write_idx
    >>> root = Path(tempfile.mkdtemp())
    >>> for name, _ in FASHION_MNIST.files.values():
    ...     write_idx(root / f"{name}.gz", np.zeros((2, 2, 2), np.uint8) if "images" in name
    ...               else np.array([5, 0], np.uint8))
    >>> (x_train, y_train), (x_test, y_test) = load_fashion_mnist(root)
    >>> x_test.shape, y_test.tolist()
    ((2, 2, 2), [5, 0])
    """
    return load_idx_dataset(FASHION_MNIST, root, download)


def load_idx_dataset(spec: IdxDataset, root: Union[str, Path], download: bool) -> TrainTest:
    """Load (and, if asked, fetch) the four IDX files of `spec` from `root`.

    `load_mnist` shows it on files; without them (and without `download`):

    >>> import tempfile
    >>> load_idx_dataset(MNIST, tempfile.mkdtemp(), download=False)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    tinygrad_cnn.errors.MissingDataError: MNIST file train-images-idx3-ubyte(.gz) not found in ...
    """
    root = Path(root)
    paths = {role: _locate(spec, root, role, download) for role in spec.files}
    return TrainTest(_split(paths["train_images"], paths["train_labels"]),
                     _split(paths["test_images"], paths["test_labels"]))


def _locate(spec: IdxDataset, root: Path, role: str, fetch: bool) -> Path:
    name, md5 = spec.files[role]
    for candidate in (root / f"{name}.gz", root / name):
        if candidate.exists():
            return candidate
    if not fetch:
        raise MissingDataError(spec.name, name, root)
    return fetch_file([mirror + f"{name}.gz" for mirror in spec.mirrors],
                    root / f"{name}.gz", md5=md5)


def _split(images_path: Path, labels_path: Path) -> Split:
    # The magic numbers also fix the dimensions: 2051 = uint8 (N, rows, cols), 2049 = (N,).
    images = read_idx(images_path, IMAGES_MAGIC)
    labels = read_idx(labels_path, LABELS_MAGIC)
    if len(images) != len(labels):
        raise ValueError(f"{images_path.name} has {len(images)} images but "
                         f"{labels_path.name} has {len(labels)} labels")
    return Split(images, labels.astype(np.int64))
