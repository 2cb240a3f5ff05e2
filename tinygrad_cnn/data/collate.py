"""`default_collate`: turn a list of samples into one batch, as torch.utils.data does.

Tensors and arrays are stacked; Python ints become int64 and floats float64 tensors;
dicts, tuples, lists and named tuples are collated field by field; strings stay a
sequence. One difference from PyTorch: tuple samples give a tuple of fields (torch gives
a list) — unpacking `x, y = batch` and `batch[0]` work the same.
"""
from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from ..tensor import Tensor


def default_collate(batch: Sequence[Any]) -> Any:
    """Collate a list of samples into a batch.

    >>> default_collate([(np.zeros(2), 1), (np.ones(2), 2)])
    (tensor([[0., 0.],
            [1., 1.]], dtype=float64), tensor([1, 2]))
    >>> default_collate([{"x": 1.5}, {"x": 2.5}])
    {'x': tensor([1.5000, 2.5000], dtype=float64)}
    """
    first = batch[0]
    if isinstance(first, (Tensor, np.ndarray, np.generic, bool, int, float)):
        return Tensor(np.stack([_array(s) for s in batch]))
    if isinstance(first, (str, bytes)):
        return batch
    if isinstance(first, dict):
        return {key: default_collate([s[key] for s in batch]) for key in first}
    if isinstance(first, (tuple, list)):
        if any(len(s) != len(first) for s in batch):
            raise RuntimeError("each element in list of batch should be of equal size")
        fields = [default_collate(list(column)) for column in zip(*batch)]
        if hasattr(first, "_fields"):  # a named tuple keeps its type
            return type(first)(*fields)
        return tuple(fields) if isinstance(first, tuple) else fields
    raise TypeError("default_collate: batch must contain tensors, numpy arrays, numbers, "
                    f"dicts or lists; found {type(first).__name__}")


def _array(sample: Any) -> np.ndarray:
    if isinstance(sample, Tensor):
        return np.asarray(sample.detach())
    if isinstance(sample, float):
        return np.asarray(sample, np.float64)
    if isinstance(sample, int) and not isinstance(sample, bool):
        return np.asarray(sample, np.int64)
    return np.asarray(sample)


def default_convert(sample: Any) -> Any:
    """What an un-batched loader (`batch_size=None`) yields: arrays become Tensors,
    everything else is left as it is (containers converted field by field).

    >>> default_convert((np.arange(2), "label"))
    (tensor([0, 1]), 'label')
    """
    if isinstance(sample, np.ndarray) and sample.dtype.kind in "biufc":
        return Tensor(sample)
    if isinstance(sample, dict):
        return {k: default_convert(v) for k, v in sample.items()}
    if isinstance(sample, tuple) and hasattr(sample, "_fields"):
        return type(sample)(*(default_convert(v) for v in sample))
    if isinstance(sample, (tuple, list)):
        return type(sample)(default_convert(v) for v in sample)
    return sample
