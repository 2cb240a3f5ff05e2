"""cumsum and prod: a running sum and a product along a dimension, with their gradients."""
from __future__ import annotations

from typing import Any, Optional

import numpy as np

from ..autograd.function import Function
from .shape import wrap_dim


class Cumsum(Function):
    category = "reduction"

    def forward(self, a, dim=0):
        self.dim = dim
        return np.cumsum(a, axis=dim, dtype=a.dtype)

    def backward(self, g):
        # each input element feeds every later output: a cumsum from the end
        return np.flip(np.cumsum(np.flip(g, self.dim), axis=self.dim), self.dim).copy()


class Prod(Function):
    """The product along `dim` (all elements when dim is None). The gradient is the product
    of the *other* elements (prefix × suffix products), so zeros need no division."""

    category = "reduction"

    def forward(self, a, dim=None, keepdim=False):
        self.shape, self.dim, self.keepdim = a.shape, dim, keepdim
        x = a.reshape(-1) if dim is None else a
        axis = 0 if dim is None else dim
        self.x, self.axis = x, axis
        return np.asarray(np.prod(x, axis=axis, keepdims=keepdim and dim is not None))

    def backward(self, g):
        x, axis = self.x, self.axis
        ones = np.ones_like(np.take(x, [0], axis=axis)) if x.shape[axis] else None
        if ones is None:
            return np.zeros(self.shape, g.dtype)
        before = np.cumprod(np.concatenate([ones, np.take(x, range(x.shape[axis] - 1),
                                                          axis=axis)], axis), axis=axis)
        rev = np.flip(x, axis)
        after = np.flip(np.cumprod(np.concatenate([ones, np.take(
            rev, range(x.shape[axis] - 1), axis=axis)], axis), axis=axis), axis)
        if self.dim is not None and not self.keepdim:
            g = np.expand_dims(g, axis)
        return (g * before * after).reshape(self.shape)


def cumsum(input: Any, dim: int, dtype: Any = None) -> Any:
    """Running sum along `dim`.

    >>> from tinygrad_cnn import Tensor
    >>> cumsum(Tensor([1.0, 2.0, 3.0]), 0)
    tensor([1., 3., 6.])
    """
    if dtype is not None:
        input = input.type(dtype)
    elif input.dtype.kind in "bi":
        input = input.type(np.int64)
    if input.ndim == 0:
        return input * 1
    return Cumsum.apply(input, dim=wrap_dim(dim, input.ndim))


def prod(input: Any, dim: Optional[int] = None, keepdim: bool = False, dtype: Any = None) -> Any:
    """Product of all elements, or along `dim`.

    >>> from tinygrad_cnn import Tensor
    >>> x = Tensor([2.0, 0.0, 3.0], requires_grad=True)
    >>> prod(x).backward(); x.grad
    tensor([0., 6., 0.])
    """
    if dtype is not None:
        input = input.type(dtype)
    elif input.dtype.kind in "bi":
        input = input.type(np.int64)
    if dim is not None:
        if input.ndim == 0:
            wrap_dim(dim, 1)
            return input * 1
        dim = wrap_dim(dim, input.ndim)
    return Prod.apply(input, dim=dim, keepdim=keepdim)
