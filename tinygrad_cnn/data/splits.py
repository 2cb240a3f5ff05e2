"""Containers for loaded data and a deterministic train/test split."""
from __future__ import annotations

from typing import NamedTuple, Optional

import numpy as np


class Split(NamedTuple):
    """Inputs and labels of one split; unpacks as `x, y = split`.

    >>> x, y = Split(np.zeros((3, 2)), np.arange(3)); x.shape, y.tolist()
    ((3, 2), [0, 1, 2])
    """

    x: np.ndarray
    y: np.ndarray


class TrainTest(NamedTuple):
    """A dataset's two splits; unpacks as `(x_train, y_train), (x_test, y_test) = data`.

    >>> data = TrainTest(Split(np.zeros(4), np.arange(4)), Split(np.ones(1), np.arange(1)))
    >>> (x_train, y_train), (x_test, y_test) = data; len(x_train), data.test.y.tolist()
    (4, [0])
    """

    train: Split
    test: Split


def train_test_split(x: np.ndarray, y: np.ndarray, test_size: float = 0.2,
                     seed: Optional[int] = 0, shuffle: bool = True) -> TrainTest:
    """Hold out `test_size` (a fraction, or a count if >= 1) of the samples as a test set.
    The same `seed` always gives the same split; `shuffle=False` keeps the last samples.

    >>> (xtr, ytr), (xte, yte) = train_test_split(np.arange(10), np.arange(10), 0.3)
    >>> len(xtr), len(xte), sorted(xtr.tolist() + xte.tolist()) == list(range(10))
    (7, 3, True)
    """
    n = len(x)
    if len(y) != n:
        raise ValueError(f"x has {n} samples but y has {len(y)}")
    n_test = int(test_size) if test_size >= 1 else int(round(test_size * n))
    if not 0 < n_test < n:
        raise ValueError(f"test_size={test_size} leaves {n_test} of {n} samples for the test "
                         "set; both splits must be non-empty")
    order = np.random.default_rng(seed).permutation(n) if shuffle else np.arange(n)
    train, test = order[:n - n_test], order[n - n_test:]
    return TrainTest(Split(x[train], y[train]), Split(x[test], y[test]))
