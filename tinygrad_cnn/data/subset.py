"""`Subset`, `ConcatDataset` and `random_split`: views of datasets, as torch.utils.data."""
from __future__ import annotations

import math
import warnings
from bisect import bisect_right
from itertools import accumulate
from typing import Any, Iterable, List, Sequence, Union

from .. import creation
from ..rng import numpy_generator
from .dataset import Dataset


class Subset(Dataset):
    """The samples of `dataset` at `indices`, in that order.

    >>> s = Subset(list("abcde"), [4, 0]); len(s), s[0], s[1]
    (2, 'e', 'a')
    """

    def __init__(self, dataset: Any, indices: Sequence[int]) -> None:
        self.dataset, self.indices = dataset, indices

    def __getitem__(self, index: Any) -> Any:
        if isinstance(index, list):
            return [self.dataset[self.indices[i]] for i in index]
        return self.dataset[self.indices[index]]

    def __len__(self) -> int:
        return len(self.indices)


class ConcatDataset(Dataset):
    """Datasets one after the other.

    >>> d = ConcatDataset([[1, 2], [3]]); len(d), d[2], d[-1]
    (3, 3, 3)
    """

    def __init__(self, datasets: Iterable[Any]) -> None:
        self.datasets = list(datasets)
        if not self.datasets:
            raise AssertionError("datasets should not be an empty iterable")
        self.cumulative_sizes = list(accumulate(len(d) for d in self.datasets))

    def __len__(self) -> int:
        return self.cumulative_sizes[-1]

    def __getitem__(self, index: int) -> Any:
        if index < 0:
            if -index > len(self):
                raise ValueError("absolute value of index should not exceed dataset length")
            index += len(self)
        which = bisect_right(self.cumulative_sizes, index)
        start = self.cumulative_sizes[which - 1] if which else 0
        return self.datasets[which][index - start]


def _lengths(lengths: Sequence[Union[int, float]], n: int) -> List[int]:
    """Counts from counts, or from fractions summing to 1 (remainder spread round-robin)."""
    if math.isclose(sum(lengths), 1) and sum(lengths) <= 1:
        counts = []
        for i, frac in enumerate(lengths):
            if frac < 0 or frac > 1:
                raise ValueError(f"Fraction at index {i} is not between 0 and 1")
            counts.append(int(math.floor(n * frac)))
        for i in range(n - sum(counts)):
            counts[i % len(counts)] += 1
        for i, count in enumerate(counts):
            if count == 0:
                warnings.warn(f"Length of split at index {i} is 0. This might result in an "
                              "empty dataset.", stacklevel=3)
        return counts
    if sum(lengths) != n:
        raise ValueError("Sum of input lengths does not equal the length of the input dataset!")
    return [int(c) for c in lengths]


def random_split(dataset: Any, lengths: Sequence[Union[int, float]],
                 generator: Any = None) -> List[Subset]:
    """Split into non-overlapping random subsets of the given sizes (or fractions).

    >>> from tinygrad_cnn import Generator
    >>> train, val = random_split(range(10), [0.8, 0.2], generator=Generator().manual_seed(0))
    >>> len(train), len(val), sorted(list(train) + list(val)) == list(range(10))
    (8, 2, True)
    """
    counts = _lengths(lengths, len(dataset))
    order = numpy_generator(generator, creation.generator()).permutation(len(dataset)).tolist()
    starts = [0, *accumulate(counts)]
    return [Subset(dataset, order[a:b]) for a, b in zip(starts, starts[1:])]
