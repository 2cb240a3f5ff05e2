"""Comparisons and logic: bool tensors, broadcasting, with no gradient (so no Function).
Tensor's operators `< <= > >= == != ~ & |` are these (tensor.py's op table)."""
from __future__ import annotations

from typing import Any, Callable

import numpy as np


def _compare(input, other: Any, op: Callable) -> Any:
    other = other._data if isinstance(other, type(input)) else other
    return input._wrap(np.asarray(op(input._data, other)), False)


def lt(input, other: Any) -> Any:
    """Comparisons `< <= > >= == !=` (and `lt`, `le`, `gt`, `ge`, `eq`, `ne`) give bool
    tensors, broadcasting, with no gradient.

    >>> from tinygrad_cnn import Tensor
    >>> t = Tensor([1.0, 2.0, 3.0])
    >>> t < 2, t.ge(2)
    (tensor([ True, False, False]), tensor([False,  True,  True]))
    >>> t == Tensor([1.0, 0.0, 3.0]), t.ne(2)
    (tensor([ True, False,  True]), tensor([ True, False,  True]))
    """
    return _compare(input, other, np.less)


def _comparison(op: Callable, symbol: str, name: str) -> Callable:
    def compare(input, other: Any) -> Any:
        return _compare(input, other, op)

    compare.__name__ = compare.__qualname__ = name
    compare.__doc__ = f"`input {symbol} other` elementwise, a bool tensor (see `lt`)."
    return compare


le, gt = _comparison(np.less_equal, "<=", "le"), _comparison(np.greater, ">", "gt")
ge, eq = _comparison(np.greater_equal, ">=", "ge"), _comparison(np.equal, "==", "eq")
ne = _comparison(np.not_equal, "!=", "ne")


def logical_not(input) -> Any:
    """Logical `~`, `&`, `|` on bool tensors (e.g. to combine masks).

    >>> from tinygrad_cnn import tensor
    >>> a, b = tensor([True, False]), tensor([True, True])
    >>> ~a, a & b, a | b
    (tensor([False,  True]), tensor([ True, False]), tensor([ True,  True]))
    """
    return input._wrap(~input._data, False)


logical_and = _comparison(np.logical_and, "&", "logical_and")
logical_or = _comparison(np.logical_or, "|", "logical_or")
