"""`DataLoader`: iterate over a dataset in (shuffled) mini-batches of Tensors."""
from __future__ import annotations

import math
from typing import Any, Callable, Iterator, Optional, Sequence

import numpy as np

from .. import creation
from ..tensor import Tensor
from .dataset import TensorDataset


class DataLoader:
    """Mini-batches of a dataset, as tuples of Tensors (one per dataset field).

    A `TensorDataset` is batched by fancy-indexing its whole arrays (no per-sample Python
    work); any other map-style dataset is read sample by sample and stacked. With
    `shuffle`, epoch `e` uses the permutation of `np.random.default_rng((seed, e))`:
    a different order each epoch, reproducible from `seed` (and resumable with
    `set_epoch`). Without a seed the library generator (`manual_seed`) draws it.

    `transform` (say `transforms.Compose([...])`) maps each batch's first field (the images)
    as a numpy batch before it becomes a Tensor, after the dataset's own `transform`; its
    random draws come from `np.random.default_rng((seed, epoch, 1))` (or the library
    generator without a seed), so a seeded run is reproducible and resumable.

    >>> loader = DataLoader(TensorDataset(np.arange(5), np.arange(5) * 10), batch_size=2)
    >>> len(loader), [y.tolist() for x, y in loader]
    (3, [[0, 10], [20, 30], [40]])
    """

    def __init__(self, dataset: Any, batch_size: int = 1, shuffle: bool = False,
                 drop_last: bool = False, seed: Optional[int] = None,
                 transform: Optional[Callable] = None) -> None:
        if not isinstance(batch_size, (int, np.integer)) or batch_size < 1:
            raise ValueError(f"batch_size should be a positive integer value, "
                             f"but got batch_size={batch_size!r}")
        if seed is not None and (not isinstance(seed, (int, np.integer)) or seed < 0):
            raise ValueError(f"seed must be a non-negative integer or None, got {seed!r}")
        self.dataset, self.batch_size = dataset, int(batch_size)
        self.shuffle, self.drop_last, self.seed = shuffle, drop_last, seed
        self.epoch, self.transform = 0, transform

    def __len__(self) -> int:
        n = len(self.dataset)
        return n // self.batch_size if self.drop_last else math.ceil(n / self.batch_size)

    def set_epoch(self, epoch: int) -> None:
        """Make the next iteration use epoch `epoch`'s order (to resume a run)."""
        self.epoch = epoch

    def __iter__(self) -> Iterator[Any]:
        order, rng = self._order(), self._augment_rng()
        self.epoch += 1
        stop = len(self) * self.batch_size
        for start in range(0, stop, self.batch_size):
            yield self._batch(order[start:start + self.batch_size], rng)

    def _order(self) -> np.ndarray:
        n = len(self.dataset)
        if not self.shuffle:
            return np.arange(n)
        if self.seed is None:
            return creation.generator().permutation(n)
        return np.random.default_rng((self.seed, self.epoch)).permutation(n)

    def _augment_rng(self) -> Optional[np.random.Generator]:
        if self.transform is None and getattr(self.dataset, "transform", None) is None:
            return None
        if self.seed is None:
            return creation.generator()
        return np.random.default_rng((self.seed, self.epoch, 1))

    def _batch(self, indices: np.ndarray, rng: Optional[np.random.Generator]) -> Any:
        if not isinstance(self.dataset, TensorDataset):
            batch = _collate([self.dataset[int(i)] for i in indices])
            if self.transform is None:
                return batch
            if not isinstance(batch, tuple):  # a dataset of bare images
                return Tensor(self.transform(batch.data, rng))
            fields = [f.data for f in batch]
        else:
            fields = [a[indices] for a in self.dataset.arrays]
            if self.dataset.transform is not None:
                fields[0] = self.dataset.transform(fields[0], rng)
        if self.transform is not None:
            fields[0] = self.transform(fields[0], rng)
        return tuple(Tensor(a) for a in fields)


def _collate(samples: Sequence[Any]) -> Any:
    """Stack per-sample fields: a tuple of fields gives a tuple of batched Tensors."""
    first = samples[0]
    if isinstance(first, (tuple, list)):
        return tuple(_collate([s[k] for s in samples]) for k in range(len(first)))
    return Tensor(np.stack([s.data if isinstance(s, Tensor) else np.asarray(s)
                            for s in samples]))
