"""Tensor constructors (`zeros`, `randn`, `arange`, ...); random ones draw from `rng`."""
from __future__ import annotations

from typing import Any, Optional

import numpy as np

from . import dtypes
from .rng import generator, manual_seed  # noqa: F401  (re-exported)
from .ops.shape import shape_args
from .devices import resolve
from .tensor import Tensor


def _float(dtype: Any) -> np.dtype:
    return np.dtype(dtype) if dtype is not None else dtypes.get_default_dtype()


def _sizes(size: tuple, keyword: Any = None, device: Any = None) -> tuple:
    """The sizes of a new tensor: ints >= 0, given as f(2, 3), f((2, 3)) or f(size=(2, 3));
    also checks the `device=` argument (the CPU only)."""
    resolve(device)
    if keyword is not None:
        if size:
            raise TypeError("size given both positionally and as size=")
        size = (keyword,)
    shape = shape_args(size)
    if any(d < 0 for d in shape):
        raise RuntimeError(f"Trying to create tensor with negative dimension: {shape}")
    return shape


def tensor(data: Any, dtype: Any = None, requires_grad: bool = False, device: Any = None) -> Tensor:
    """Build a tensor from numbers, lists or arrays (a copy, as torch.tensor).

    >>> tensor([1, 2]).dtype, tensor([1.0]).dtype
    (dtype('int64'), dtype('float32'))
    """
    resolve(device)
    data = data._data if isinstance(data, Tensor) else data
    return Tensor(np.array(dtypes.to_array(data, dtype), copy=True), requires_grad)


def from_numpy(array: np.ndarray) -> Tensor:
    """Wrap a numpy array without copying; the dtype is kept.

    >>> a = np.zeros(2, np.float64); t = from_numpy(a); a[0] = 5.0
    >>> t.tolist(), t.dtype
    ([5.0, 0.0], dtype('float64'))
    """
    if not isinstance(array, np.ndarray):
        raise TypeError(f"expected np.ndarray (got {type(array).__name__})")
    return Tensor(array)


def zeros(*sizes: Any, size: Any = None, dtype: Any = None, requires_grad: bool = False,
          device: Any = None) -> Tensor:
    """
    >>> zeros(2, 3).shape
    (2, 3)
    """
    return Tensor(np.zeros(_sizes(sizes, size, device), _float(dtype)), requires_grad)


def ones(*sizes: Any, size: Any = None, dtype: Any = None, requires_grad: bool = False,
         device: Any = None) -> Tensor:
    """
    >>> ones(2).tolist()
    [1.0, 1.0]
    """
    return Tensor(np.ones(_sizes(sizes, size, device), _float(dtype)), requires_grad)


def full(size: Any, fill_value: float, dtype: Any = None, requires_grad: bool = False,
         device: Any = None) -> Tensor:
    """
    >>> full((2,), 7.0).tolist()
    [7.0, 7.0]
    """
    if dtype is None:
        dtype = dtypes.to_array(fill_value).dtype
    shape = _sizes((size,), device=device)
    return Tensor(np.full(shape, fill_value, np.dtype(dtype)), requires_grad)


def randn(*sizes: Any, size: Any = None, dtype: Any = None, requires_grad: bool = False,
          device: Any = None) -> Tensor:
    """Standard normal samples.

    >>> randn(2, 3).shape
    (2, 3)
    """
    shape = _sizes(sizes, size, device)
    data = generator().standard_normal(shape, dtype=np.float64).astype(_float(dtype))
    return Tensor(data, requires_grad)


def rand(*sizes: Any, size: Any = None, dtype: Any = None, requires_grad: bool = False,
         device: Any = None) -> Tensor:
    """Uniform samples in [0, 1).

    >>> rand(4).shape
    (4,)
    """
    shape = _sizes(sizes, size, device)
    data = generator().random(shape, dtype=np.float64).astype(_float(dtype))
    return Tensor(data, requires_grad)


def randint(low: int, high: int, size: Any, dtype: Any = np.int64, device: Any = None) -> Tensor:
    """Random integers in [low, high).

    >>> randint(0, 10, (3,)).dtype
    dtype('int64')
    """
    if low >= high:
        raise RuntimeError(f"randint expects low < high, but got low={low} >= high={high}")
    shape = _sizes((size,), device=device)
    return Tensor(generator().integers(low, high, shape, dtype=np.dtype(dtype)))


def arange(start: float, end: Optional[float] = None, step: float = 1, dtype: Any = None,
           requires_grad: bool = False, device: Any = None) -> Tensor:
    """
    >>> arange(3).tolist()
    [0, 1, 2]
    """
    resolve(device)
    if end is None:
        start, end = 0, start
    if step == 0 or (end - start) * step < 0:
        raise RuntimeError(f"arange: step={step} must be nonzero and go from start={start} "
                           f"towards end={end}")
    data = np.arange(start, end, step)
    return Tensor(dtypes.to_array(data.tolist() if dtype is None else data, dtype)
                  if data.size else np.zeros(0, _float(dtype)), requires_grad)


def eye(n: int, m: Optional[int] = None, dtype: Any = None, requires_grad: bool = False,
        device: Any = None) -> Tensor:
    """
    >>> eye(2).tolist()
    [[1.0, 0.0], [0.0, 1.0]]
    """
    resolve(device)
    return Tensor(np.eye(n, m, dtype=_float(dtype)), requires_grad)


def _like(t: Tensor, dtype: Any) -> np.dtype:
    return np.dtype(dtype) if dtype is not None else t.dtype


def zeros_like(t: Tensor, dtype: Any = None, requires_grad: bool = False,
               device: Any = None) -> Tensor:
    """Zeros with the shape (and, unless given, the dtype) of `t`.

    >>> zeros_like(ones(2, 3)).shape, zeros_like(arange(2)).tolist()
    ((2, 3), [0, 0])
    """
    return zeros(t.shape, dtype=_like(t, dtype), requires_grad=requires_grad, device=device)


def ones_like(t: Tensor, dtype: Any = None, requires_grad: bool = False,
              device: Any = None) -> Tensor:
    """Ones with the shape (and, unless given, the dtype) of `t`.

    >>> ones_like(zeros(2)).tolist()
    [1.0, 1.0]
    """
    return ones(t.shape, dtype=_like(t, dtype), requires_grad=requires_grad, device=device)


def full_like(t: Tensor, fill_value: float, dtype: Any = None, requires_grad: bool = False,
              device: Any = None) -> Tensor:
    """`fill_value` everywhere, with the shape (and, unless given, the dtype) of `t`.

    >>> full_like(zeros(2), 3.5).tolist()
    [3.5, 3.5]
    """
    return full(t.shape, fill_value, _like(t, dtype), requires_grad, device)


def randn_like(t: Tensor, dtype: Any = None, requires_grad: bool = False,
               device: Any = None) -> Tensor:
    """Standard normal samples with the shape (and, unless given, the dtype) of `t`.

    >>> randn_like(zeros(2, 3)).shape
    (2, 3)
    """
    return randn(t.shape, dtype=_like(t, dtype), requires_grad=requires_grad,
                 device=device)


def rand_like(t: Tensor, dtype: Any = None, requires_grad: bool = False,
              device: Any = None) -> Tensor:
    """Uniform samples in [0, 1) with the shape (and, unless given, the dtype) of `t`.

    >>> rand_like(zeros(4, dtype=np.float64)).dtype
    dtype('float64')
    """
    return rand(t.shape, dtype=_like(t, dtype), requires_grad=requires_grad,
                 device=device)


def empty(*sizes: Any, size: Any = None, dtype: Any = None, requires_grad: bool = False,
          device: Any = None) -> Tensor:
    """A new tensor of the given size; here its values are zeros (torch leaves them unset).

    >>> empty(2, 3).shape
    (2, 3)
    """
    return zeros(*sizes, size=size, dtype=dtype, requires_grad=requires_grad, device=device)


def empty_like(t: Tensor, dtype: Any = None, requires_grad: bool = False,
               device: Any = None) -> Tensor:
    """`empty` with the shape (and, unless given, the dtype) of `t`.

    >>> empty_like(ones(2)).shape
    (2,)
    """
    return zeros_like(t, dtype, requires_grad, device)


def linspace(start: float, end: float, steps: int, dtype: Any = None, requires_grad: bool = False,
             device: Any = None) -> Tensor:
    """`steps` evenly spaced values from start to end, both included.

    >>> linspace(0, 1, 5).tolist()
    [0.0, 0.25, 0.5, 0.75, 1.0]
    """
    resolve(device)
    if steps < 0:
        raise RuntimeError(f"linspace: number of steps must be non-negative, got {steps}")
    return Tensor(np.linspace(start, end, steps).astype(_float(dtype)), requires_grad)
