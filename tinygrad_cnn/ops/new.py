"""`t.new_zeros(...)`, `t.new_ones`, `t.new_full`, `t.new_empty`, `t.new_tensor` and
`t.type_as(other)`: new tensors that take `t`'s dtype (and device) unless told."""
from __future__ import annotations

from typing import Any

import numpy as np

from .. import dtypes
from ..devices import resolve
from .shape import shape_args


def _new(t: Any, array: np.ndarray, requires_grad: bool, device: Any) -> Any:
    resolve(device)
    out = type(t)._wrap(array, False)
    out.requires_grad = requires_grad
    return out


def new_full(input: Any, size: Any, fill_value: Any, dtype: Any = None, device: Any = None,
             requires_grad: bool = False) -> Any:
    """A tensor of `size` filled with `fill_value`, in input's dtype unless given.

    >>> from tinygrad_cnn import Tensor
    >>> Tensor([1.0], dtype="float64").new_full((2,), 3)
    tensor([3., 3.], dtype=float64)
    """
    dtype = input.dtype if dtype is None else np.dtype(dtype)
    return _new(input, np.full(shape_args((size,)), fill_value, dtype), requires_grad, device)


def new_zeros(input: Any, *size: Any, dtype: Any = None, device: Any = None,
              requires_grad: bool = False) -> Any:
    """Zeros of `size` in input's dtype unless given.

    >>> from tinygrad_cnn import Tensor
    >>> Tensor([1.0]).new_zeros(2, 3).shape
    (2, 3)
    """
    return new_full(input, shape_args(size), 0, dtype, device, requires_grad)


def new_ones(input: Any, *size: Any, dtype: Any = None, device: Any = None,
             requires_grad: bool = False) -> Any:
    """Ones of `size` in input's dtype unless given (see new_zeros).

    >>> from tinygrad_cnn import Tensor
    >>> Tensor([1.0]).new_ones(2)
    tensor([1., 1.])
    """
    return new_full(input, shape_args(size), 1, dtype, device, requires_grad)


def new_empty(input: Any, *size: Any, dtype: Any = None, device: Any = None,
              requires_grad: bool = False) -> Any:
    """A tensor of `size` (zeros here; torch leaves the values unset).

    >>> from tinygrad_cnn import Tensor
    >>> Tensor([1.0]).new_empty(2).shape
    (2,)
    """
    return new_full(input, shape_args(size), 0, dtype, device, requires_grad)


def new_tensor(input: Any, data: Any, dtype: Any = None, device: Any = None,
               requires_grad: bool = False) -> Any:
    """`data` as a new tensor (a copy) in input's dtype unless given.

    >>> from tinygrad_cnn import Tensor
    >>> Tensor([1.0], dtype="float64").new_tensor([1, 2])
    tensor([1., 2.], dtype=float64)
    """
    dtype = input.dtype if dtype is None else np.dtype(dtype)
    array = np.array(dtypes.to_array(getattr(data, "_data", data), dtype), copy=True)
    return _new(input, array, requires_grad, device)


def type_as(input: Any, other: Any) -> Any:
    """`input` cast to `other`'s dtype.

    >>> from tinygrad_cnn import Tensor
    >>> Tensor([1.5]).type_as(Tensor([1], dtype="int64"))
    tensor([1])
    """
    return input.type(other.dtype)
