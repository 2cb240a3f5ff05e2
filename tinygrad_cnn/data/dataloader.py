"""`DataLoader`: iterate over a dataset in (shuffled) mini-batches of Tensors."""
from __future__ import annotations

import math
from typing import Any, Callable, Iterable, Iterator, List, Optional

import numpy as np

from .. import creation
from ..tensor import Tensor
from .collate import default_collate, default_convert
from .dataset import TensorDataset
from .loader_options import check_loader_options, start_worker
from .sampler import BatchSampler, RandomSampler, SequentialSampler


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

    def __init__(self, dataset: Any, batch_size: Optional[int] = 1, shuffle: bool = False,
                 drop_last: bool = False, seed: Optional[int] = None,
                 transform: Optional[Callable] = None, *,
                 sampler: Optional[Iterable[int]] = None,
                 batch_sampler: Optional[Iterable[List[int]]] = None, num_workers: int = 0,
                 collate_fn: Optional[Callable[[List[Any]], Any]] = None,
                 pin_memory: bool = False, timeout: float = 0,
                 worker_init_fn: Optional[Callable[[int], None]] = None,
                 multiprocessing_context: Any = None, generator: Any = None,
                 prefetch_factor: Optional[int] = None, persistent_workers: bool = False,
                 pin_memory_device: str = "", in_order: bool = True) -> None:
        if batch_size is not None and (not isinstance(batch_size, (int, np.integer))
                                       or batch_size < 1):
            raise ValueError(f"batch_size should be a positive integer value, "
                             f"but got batch_size={batch_size!r}")
        if seed is not None and (not isinstance(seed, (int, np.integer)) or seed < 0):
            raise ValueError(f"seed must be a non-negative integer or None, got {seed!r}")
        check_loader_options(batch_size, shuffle, sampler, batch_sampler, drop_last,
                             num_workers, timeout, prefetch_factor, persistent_workers)
        self.dataset = dataset
        self.batch_size = None if batch_size is None else int(batch_size)
        self.shuffle, self.drop_last, self.seed = shuffle, drop_last, seed
        self.epoch, self.transform = 0, transform
        self.num_workers, self.pin_memory, self.worker_init_fn = num_workers, pin_memory, \
            worker_init_fn
        self.generator, self.collate_fn = generator, collate_fn
        self.sampler, self.batch_sampler = sampler, batch_sampler
        if generator is not None and shuffle and sampler is None:
            self.sampler = RandomSampler(dataset, generator=generator)
        if self.batch_sampler is None and self.sampler is not None and batch_size is not None:
            self.batch_sampler = BatchSampler(self.sampler, self.batch_size, drop_last)

    def __len__(self) -> int:
        if self.batch_sampler is not None:
            return len(self.batch_sampler)
        n = len(self.dataset)
        if self.batch_size is None:
            return n
        return n // self.batch_size if self.drop_last else math.ceil(n / self.batch_size)

    def set_epoch(self, epoch: int) -> None:
        """Make the next iteration use epoch `epoch`'s order (to resume a run)."""
        self.epoch = epoch

    def __iter__(self) -> Iterator[Any]:
        start_worker(self.worker_init_fn)
        if self.batch_size is None:  # no auto-batching: one converted sample at a time
            self.epoch += 1
            convert = self.collate_fn or default_convert
            for i in self.sampler or SequentialSampler(self.dataset):
                yield convert(self.dataset[i])
            return
        rng = self._augment_rng()
        if self.batch_sampler is not None:
            self.epoch += 1
            for indices in self.batch_sampler:
                yield self._batch(np.asarray(indices, dtype=np.int64), rng)
            return
        order = self._order()
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
        if isinstance(self.dataset, TensorDataset) and self.collate_fn is None:
            fields = [a[indices] for a in self.dataset.arrays]
            if self.dataset.transform is not None:
                fields[0] = self.dataset.transform(fields[0], rng)
        else:
            batch = (self.collate_fn or default_collate)([self.dataset[int(i)] for i in indices])
            if self.transform is None:
                return batch
            if isinstance(batch, Tensor):  # a dataset of bare images
                return Tensor(self.transform(batch._data, rng))
            if not isinstance(batch, (tuple, list)) or not isinstance(batch[0], Tensor):
                raise TypeError("DataLoader(transform=...) needs batches of Tensors or "
                                f"tuples of Tensors; collate gave {type(batch).__name__}")
            fields = [f._data if isinstance(f, Tensor) else f for f in batch]
        if self.transform is not None:
            fields[0] = self.transform(fields[0], rng)
        return tuple(Tensor(a) if isinstance(a, np.ndarray) else a for a in fields)
