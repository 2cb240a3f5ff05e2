"""Argument checks shared by the layers, functions and optimizers: each raises early, with a
message naming the argument and the value it got, instead of a numpy error from inside.

TypeError when the value is not a number of the right kind, ValueError when it is out of
range (the exception types Python and PyTorch use for these).

>>> integer(3, "in_channels", minimum=1)
3
>>> integer(0, "kernel_size", minimum=1, owner="Conv2d")
Traceback (most recent call last):
ValueError: Conv2d: kernel_size must be at least 1, got 0
"""
from __future__ import annotations

import math
import numbers
from typing import Any, Optional

import numpy as np


def _prefix(owner: str) -> str:
    return f"{owner}: " if owner else ""


def integer(value: Any, name: str, minimum: Optional[int] = None, owner: str = "") -> int:
    """`value` as an int: a Python or numpy integer (not a bool, not a float) >= `minimum`.

    >>> integer(2.0, "out_features")
    Traceback (most recent call last):
    TypeError: out_features must be an int, got 2.0 (float)
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{_prefix(owner)}{name} must be an int, got {value!r} "
                        f"({type(value).__name__})")
    if minimum is not None and value < minimum:
        raise ValueError(f"{_prefix(owner)}{name} must be at least {minimum}, got {value}")
    return int(value)


def real(value: Any, name: str, owner: str = "", finite: bool = True) -> float:
    """`value` as a float: any real number (Python, numpy or a one-element tensor), not a
    string or None, and (if `finite`) not NaN or infinite.

    >>> real("0.1", "lr")
    Traceback (most recent call last):
    TypeError: lr must be a real number, got '0.1' (str)
    >>> real(float("nan"), "lr", owner="SGD")
    Traceback (most recent call last):
    ValueError: SGD: lr must be a finite number, got nan
    """
    one_element = hasattr(value, "shape") and hasattr(value, "item") \
        and math.prod(value.shape) == 1
    number = value.item() if one_element else value
    if isinstance(number, bool) or not isinstance(number, numbers.Real):
        raise TypeError(f"{_prefix(owner)}{name} must be a real number, got {value!r} "
                        f"({type(value).__name__})")
    if finite and not math.isfinite(number):
        raise ValueError(f"{_prefix(owner)}{name} must be a finite number, got {number}")
    return float(number)



def tensor_argument(value: Any, name: str, owner: str) -> None:
    """Refuse a numpy array or a list where a Tensor is needed (as PyTorch does), naming the
    argument, instead of failing inside on `array.data` (a memoryview).

    >>> tensor_argument([1.0], "weight", "conv2d")
    Traceback (most recent call last):
    TypeError: conv2d: weight must be a Tensor, got list; wrap it as tinygrad_cnn.tensor(...)
    """
    # the class's attribute, not the instance's: a Tensor's requires_grad is a property
    if not (isinstance(getattr(value, "_data", None), np.ndarray)
            and hasattr(type(value), "requires_grad")):
        raise TypeError(f"{_prefix(owner)}{name} must be a Tensor, got "
                        f"{type(value).__name__}; wrap it as tinygrad_cnn.tensor(...)")


def nonempty_dims(shape: tuple, dims: range, owner: str) -> None:
    """PyTorch's rule for ops that average or pick over the non-batch dimensions.

    >>> nonempty_dims((1, 2, 0, 4), range(2, 4), "adaptive_avg_pool2d")
    Traceback (most recent call last):
    RuntimeError: adaptive_avg_pool2d(): Expected input to have non-zero size ... dimension 2 being empty
    """
    for d in dims:
        if shape[d] == 0:
            raise RuntimeError(f"{owner}(): Expected input to have non-zero size for "
                               f"non-batch dimensions, but input has sizes {shape} with "
                               f"dimension {d} being empty")


def reducible(shape: tuple, axes: Optional[tuple], owner: str) -> None:
    """max/min/argmax of an empty tensor, as PyTorch: over everything (`axes` None) it has
    no answer, over a given dim it needs that dim to be non-empty (other dims may be 0).

    >>> reducible((0, 3), (1,), "max")          # fine: an empty result
    >>> reducible((0, 3), (0,), "max")
    Traceback (most recent call last):
    IndexError: max(): Expected reduction dim 0 to have non-zero size (input of shape (0, 3)).
    """
    if axes is None:
        if 0 in shape:  # PyTorch's type: IndexError for argmax/argmin, else RuntimeError
            error = IndexError if owner.startswith("arg") else RuntimeError
            raise error(f"{owner}(): Expected reduction dim to be specified for input.numel() "
                        f"== 0 (input of shape {shape}). Specify the reduction dim with the "
                        "'dim' argument.")
        return
    for axis in axes:
        if shape and shape[axis] == 0:
            raise IndexError(f"{owner}(): Expected reduction dim {axis} to have non-zero "
                             f"size (input of shape {shape}).")


def broadcastable(a: tuple, b: tuple) -> None:
    """PyTorch's broadcasting rule, checked in plain Python (cheap for the few dims tensors
    have) so that a mismatch names both shapes instead of numpy's "operands could not...".

    >>> broadcastable((2, 3), (4,))
    Traceback (most recent call last):
    RuntimeError: The size of tensor a (3) must match the size of tensor b (4) at ... (4,))
    """
    for i, (x, y) in enumerate(zip(reversed(a), reversed(b))):
        if x != y and x != 1 and y != 1:
            raise RuntimeError(f"The size of tensor a ({x}) must match the size of tensor b "
                               f"({y}) at non-singleton dimension {max(len(a), len(b)) - 1 - i}"
                               f" (shapes {a} and {b})")
