"""Dtype rules, following PyTorch: float32 by default, numpy arrays keep their dtype.

Python floats and float lists become float32, Python ints become int64, bools stay bool.
A Python scalar mixed with a tensor takes the tensor's dtype (an int tensor with a float
scalar gives float32), and two tensors promote as numpy does (float32 + float64 -> float64).
"""
from __future__ import annotations

from typing import Any, Optional

import numpy as np

float32 = np.dtype(np.float32)
float64 = np.dtype(np.float64)
float16 = np.dtype(np.float16)
int32 = np.dtype(np.int32)
int64 = np.dtype(np.int64)
uint8 = np.dtype(np.uint8)
bool_ = np.dtype(np.bool_)
float = float32  # noqa: A001 - mirrors torch.float
double = float64
long = int64

_default_float = float32


def get_default_dtype() -> np.dtype:
    """The dtype new float tensors get from Python numbers (float32 unless changed).

    >>> get_default_dtype()
    dtype('float32')
    """
    return _default_float


def set_default_dtype(dtype: Any) -> None:
    """Make Python floats become `dtype` (float32 or float64), like torch.set_default_dtype.

    >>> set_default_dtype(float64); to_array(1.5).dtype
    dtype('float64')
    >>> set_default_dtype(float32); to_array(1.5).dtype
    dtype('float32')
    """
    global _default_float
    dtype = np.dtype(dtype)
    if dtype.kind != "f":
        raise TypeError(f"default dtype must be a floating point dtype, got {dtype}")
    _default_float = dtype


def is_floating(dtype: np.dtype) -> bool:
    """True for floating point dtypes.

    >>> is_floating(float32), is_floating(int64)
    (True, False)
    """
    return dtype.kind == "f"


def to_array(data: Any, dtype: Optional[Any] = None) -> np.ndarray:
    """Turn user data into a numpy array with PyTorch's dtype choice.

    >>> to_array([1.5]).dtype, to_array([1, 2]).dtype, to_array(True).dtype
    (dtype('float32'), dtype('int64'), dtype('bool'))
    """
    if dtype is not None:
        return _usable(_as_array(data, np.dtype(dtype)), data)
    if isinstance(data, (np.ndarray, np.generic)):
        return _usable(np.asarray(data), data)
    arr = _usable(_as_array(data), data)
    if arr.dtype.kind == "f":
        return arr.astype(_default_float, copy=False)
    if arr.dtype.kind in "iu":
        return arr.astype(np.int64, copy=False)
    return arr


def _as_array(data: Any, dtype: Optional[np.dtype] = None) -> np.ndarray:
    try:
        return np.asarray(data, dtype=dtype)
    except ValueError as error:  # ragged lists; a string that is not a number
        raise ValueError(f"cannot build a tensor from {_preview(data)}: nested lists must "
                         f"be rectangular lists of numbers ({error})") from None


def _preview(data: Any) -> str:
    text = repr(data)
    return text if len(text) <= 60 else text[:57] + "..."


def _usable(arr: np.ndarray, data: Any) -> np.ndarray:
    """Refuse what is not numbers (strings, objects, dates); copy a read-only array (a
    broadcast view, a memory-mapped file) so that in-place updates of the tensor work.

    >>> to_array(np.broadcast_to(np.float32(1), (2,))).flags.writeable
    True
    """
    if arr.dtype.kind not in "biufc":
        raise TypeError(f"cannot build a tensor from {type(data).__name__} of dtype "
                        f"{arr.dtype}: expected numbers, nested lists of numbers or a "
                        "numeric numpy array")
    return arr if arr.flags.writeable else arr.copy()


def _category(dtype: np.dtype) -> int:
    """bool < integer < floating: a higher category always wins in PyTorch's promotion."""
    return 0 if dtype.kind == "b" else 1 if dtype.kind in "iu" else 2


def promote_types(a: np.dtype, b: np.dtype) -> np.dtype:
    """torch.promote_types: int64 with float32 gives float32 (numpy would say float64).

    >>> promote_types(int64, float32), promote_types(float32, float64)
    (dtype('float32'), dtype('float64'))
    """
    ca, cb = _category(a), _category(b)
    if ca != cb:
        return a if ca > cb else b
    return np.promote_types(a, b)


def result_type(a: np.ndarray, b: np.ndarray) -> np.dtype:
    """PyTorch's result dtype of a binary op: a 0-d operand (a scalar) only changes the
    dtype of a dimensioned one when it is of a higher category (int tensor + 0-d float).

    >>> result_type(np.zeros(2, np.float32), np.zeros((), np.float64))
    dtype('float32')
    """
    if (a.ndim == 0) == (b.ndim == 0):
        return promote_types(a.dtype, b.dtype)
    dimensioned, zero_d = (a, b) if b.ndim == 0 else (b, a)
    if _category(zero_d.dtype) > _category(dimensioned.dtype):
        return zero_d.dtype
    return dimensioned.dtype


def scalar_array(value: Any, like: np.dtype) -> np.ndarray:
    """A Python scalar as a 0-d array whose dtype does not promote `like` (PyTorch rule).

    >>> scalar_array(2, float32).dtype, scalar_array(0.5, int64).dtype
    (dtype('float32'), dtype('float32'))
    """
    if isinstance(value, (bool, np.bool_)):
        dtype = like
    elif isinstance(value, (int, np.integer)):
        dtype = like if like.kind in "fiu" else np.int64
    else:
        dtype = like if like.kind == "f" else _default_float
    return np.asarray(value, dtype=dtype)
