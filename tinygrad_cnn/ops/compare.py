"""Comparisons and logic: bool tensors, broadcasting, with no gradient (so no Function).
Tensor's operators `< <= > >= == != ~ & |` are these (tensor.py's op table)."""
from __future__ import annotations

from typing import Any, Callable

import numpy as np


def _compare(input, other: Any, op: Callable) -> Any:
    other = other.data if isinstance(other, type(input)) else other
    return input._wrap(np.asarray(op(input.data, other)), False)


def lt(input, other: Any) -> Any:
    """Comparisons `< <= > >= == !=` (and `lt`, `le`, `gt`, `ge`, `eq`, `ne`) give bool
    tensors, broadcasting, with no gradient.

    >>> from tinygrad_cnn import Tensor
    >>> t = Tensor([1.0, 2.0, 3.0])
    >>> t < 2, t.ge(2)
    (tensor([ True, False, False]), tensor([False,  True,  True]))
    >>> t == Tensor([1.0, 0.0, 3.0])
    tensor([ True, False,  True])
    """
    return _compare(input, other, np.less)


def le(input, other: Any) -> Any:
    """`input <= other` elementwise, also `le` (see `lt`).

    >>> from tinygrad_cnn import Tensor
    >>> Tensor([1.0, 2.0, 3.0]).le(2)
    tensor([ True,  True, False])
    """
    return _compare(input, other, np.less_equal)


def gt(input, other: Any) -> Any:
    """`input > other` elementwise, also `gt` (see `lt`).

    >>> from tinygrad_cnn import Tensor
    >>> Tensor([1.0, 2.0, 3.0]).gt(2)
    tensor([False, False,  True])
    """
    return _compare(input, other, np.greater)


def ge(input, other: Any) -> Any:
    """`input >= other` elementwise, also `ge` (see `lt`).

    >>> from tinygrad_cnn import Tensor
    >>> Tensor([1.0, 2.0, 3.0]) >= 2
    tensor([False,  True,  True])
    """
    return _compare(input, other, np.greater_equal)


def eq(input, other: Any) -> Any:
    """`input == other` elementwise (a bool tensor, not a Python bool), also `eq`.

    >>> from tinygrad_cnn import Tensor
    >>> Tensor([1.0, 2.0, 3.0]).eq(2)
    tensor([False,  True, False])
    """
    return _compare(input, other, np.equal)


def ne(input, other: Any) -> Any:
    """`input != other` elementwise, also `ne` (see `lt`).

    >>> from tinygrad_cnn import Tensor
    >>> Tensor([1.0, 2.0, 3.0]).ne(2)
    tensor([ True, False,  True])
    """
    return _compare(input, other, np.not_equal)


def logical_not(input) -> Any:
    """Logical `~`, `&`, `|` on bool tensors (e.g. to combine masks).

    >>> from tinygrad_cnn import Tensor
    >>> a, b = Tensor([True, False]), Tensor([True, True])
    >>> ~a, a & b, a | b
    (tensor([False,  True]), tensor([ True, False]), tensor([ True,  True]))
    """
    return input._wrap(~input.data, False)


def logical_and(input, other: Any) -> Any:
    """Logical and, `a & b` (see `logical_not`)."""
    return _compare(input, other, np.logical_and)


def logical_or(input, other: Any) -> Any:
    """Logical or, `a | b` (see `logical_not`)."""
    return _compare(input, other, np.logical_or)
