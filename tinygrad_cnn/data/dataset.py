"""Map-style datasets: `Dataset` (the protocol) and `TensorDataset` (whole arrays)."""
from __future__ import annotations

from typing import Any, Callable, Optional, Tuple

import numpy as np

from ..tensor import Tensor


class Dataset:
    """Anything with `__getitem__(i)` and `__len__()`; subclass it for custom data.

    >>> class Squares(Dataset):
    ...     def __len__(self): return 4
    ...     def __getitem__(self, i): return (i, i * i)
    >>> Squares()[3]
    (3, 9)
    """

    def __getitem__(self, index: int) -> Any:
        raise NotImplementedError(f"{type(self).__name__} does not define __getitem__")

    def __len__(self) -> int:
        raise NotImplementedError(f"{type(self).__name__} does not define __len__")


class TensorDataset(Dataset):
    """Samples are the rows of equally long arrays (numpy arrays or Tensors), e.g. images
    and labels. `DataLoader` slices the whole arrays at once for speed.

    `transform` (e.g. `data.transforms.RandomCrop(28, padding=2)`) is applied to the first
    array's samples as they are read: per sample by indexing, per batch by `DataLoader`.

    >>> ds = TensorDataset(np.zeros((5, 2)), np.arange(5))
    >>> len(ds), ds[4][1].item()
    (5, 4)
    """

    def __init__(self, *tensors: Any, transform: Optional[Callable] = None) -> None:
        self.transform = transform
        if not tensors:
            raise ValueError("TensorDataset needs at least one array")
        self.arrays: Tuple[np.ndarray, ...] = tuple(
            t._data if isinstance(t, Tensor) else np.asarray(t) for t in tensors)
        for i, a in enumerate(self.arrays):
            if a.ndim == 0:
                raise ValueError(f"TensorDataset array {i} is a scalar: every array needs a "
                                 "first (sample) dimension")
        sizes = [a.shape[0] for a in self.arrays]
        if len(set(sizes)) != 1:
            raise ValueError("Size mismatch between tensors: first dimensions are "
                             + ", ".join(map(str, sizes)))

    @property
    def tensors(self) -> Tuple[Tensor, ...]:
        """The arrays as Tensors (sharing memory), as torch's TensorDataset.tensors."""
        return tuple(Tensor(a) for a in self.arrays)

    def __getitem__(self, index: Any) -> Tuple[Tensor, ...]:
        fields = [a[index] for a in self.arrays]
        if self.transform is not None:
            fields[0] = self.transform(fields[0])
        return tuple(Tensor(a) for a in fields)

    def __len__(self) -> int:
        return self.arrays[0].shape[0]
