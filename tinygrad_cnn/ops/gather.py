"""Picking along a dimension: gather, index_select, sort, argsort, topk. One Function
(Gather: values at given indices along `dim`, the gradient scattered back); the others
choose the indices and gather."""
from __future__ import annotations

from collections import namedtuple
from typing import Any

import numpy as np

from ..autograd.function import Function
from .circuit import moves
from .shape import getitem, wrap_dim

#: what sort and topk return, as torch.return_types
ValuesIndices = namedtuple("ValuesIndices", ["values", "indices"])


class Gather(Function):
    """out[..., i, ...] = a[..., index[..., i, ...], ...] along `dim`."""

    category = "shape"
    circuit = moves(lambda ids, options: np.take_along_axis(ids, options["index"],
                                                            options["dim"]))

    def forward(self, a, dim=0, index=None):
        self.in_shape, self.dim, self.index = a.shape, dim, index
        return np.take_along_axis(a, index, dim)

    def backward(self, g):
        grad = np.zeros(self.in_shape, g.dtype)
        grid = list(np.indices(self.index.shape, sparse=True))
        grid[self.dim] = self.index
        np.add.at(grad, tuple(grid), g)  # repeated indices accumulate
        return grad


def _index_array(index: Any, name: str) -> np.ndarray:
    array = np.asarray(getattr(index, "_data", index))
    if array.dtype.kind not in "iu":
        raise RuntimeError(f"{name}(): Expected dtype int64 for index, got {array.dtype}")
    return array.astype(np.int64, copy=False)


def gather(input: Any, dim: int, index: Any) -> Any:
    """Values of `input` at `index` along `dim` (index has input's number of dims).

    >>> from tinygrad_cnn import Tensor, tensor
    >>> gather(Tensor([[1.0, 2.0], [3.0, 4.0]]), 1, tensor([[1, 1], [0, 1]]))
    tensor([[2., 2.],
            [3., 4.]])
    """
    index = _index_array(index, "gather")
    dim = wrap_dim(dim, input.ndim)
    if index.ndim != input.ndim:
        raise RuntimeError("Index tensor must have the same number of dimensions as input "
                           f"tensor (index {index.shape}, input {input.shape})")
    if index.size and (index.min() < -input.shape[dim] or index.max() >= input.shape[dim]):
        raise RuntimeError(f"gather(): index {int(index.max())} is out of bounds for "
                           f"dimension {dim} with size {input.shape[dim]}")
    return Gather.apply(input, dim=dim, index=index % max(input.shape[dim], 1))


def index_select(input: Any, dim: int, index: Any) -> Any:
    """The slices of `input` at the 1-d `index` along `dim`.

    >>> from tinygrad_cnn import Tensor, tensor
    >>> index_select(Tensor([[1.0, 2.0], [3.0, 4.0]]), 0, tensor([1, 1]))
    tensor([[3., 4.],
            [3., 4.]])
    """
    index = _index_array(index, "index_select")
    if index.ndim > 1:
        raise IndexError("index_select(): Index is supposed to be a vector")
    dim = wrap_dim(dim, input.ndim)
    if index.size and (index.min() < 0 or index.max() >= input.shape[dim]):
        raise IndexError(f"index out of range in self (dim {dim} has size "
                         f"{input.shape[dim]}, index {index.tolist()})")
    return getitem(input, (slice(None),) * dim + (index.reshape(-1),))


def argsort(input: Any, dim: int = -1, descending: bool = False, stable: bool = False) -> Any:
    """The indices that sort `input` along `dim` (ties keep their order).

    >>> from tinygrad_cnn import Tensor
    >>> argsort(Tensor([3.0, 1.0, 2.0]), descending=True)
    tensor([0, 2, 1])
    """
    data = input._data
    if data.ndim == 0:
        return type(input)._wrap(np.zeros((), np.int64), False)
    dim = wrap_dim(dim, data.ndim)
    order = np.argsort(-data if descending and data.dtype.kind != "b" else data, axis=dim,
                       kind="stable")
    if descending and data.dtype.kind == "b":
        order = np.argsort(~data, axis=dim, kind="stable")
    return type(input)._wrap(order.astype(np.int64), False)


def sort(input: Any, dim: int = -1, descending: bool = False, stable: bool = False) -> Any:
    """(values, indices) of `input` sorted along `dim`; gradients flow to the values.

    >>> from tinygrad_cnn import Tensor
    >>> sort(Tensor([3.0, 1.0, 2.0]))
    ValuesIndices(values=tensor([1., 2., 3.]), indices=tensor([1, 2, 0]))
    """
    indices = argsort(input, dim, descending)
    if input.ndim == 0:
        return ValuesIndices(input * 1, indices)
    return ValuesIndices(gather(input, dim, indices), indices)


def topk(input: Any, k: int, dim: int = -1, largest: bool = True, sorted: bool = True) -> Any:
    """The `k` largest (or smallest) values along `dim` and their indices.

    >>> from tinygrad_cnn import Tensor
    >>> topk(Tensor([1.0, 5.0, 3.0, 4.0]), 2)
    ValuesIndices(values=tensor([5., 4.]), indices=tensor([1, 3]))
    """
    size = input.shape[wrap_dim(dim, input.ndim)] if input.ndim else 1
    if not 0 <= k <= size:
        raise RuntimeError(f"selected index k out of range: k={k} for a dimension of size "
                           f"{size}")
    order = argsort(input, dim, descending=largest)
    if input.ndim == 0:
        return ValuesIndices(input * 1, order)
    axis = wrap_dim(dim, input.ndim)
    indices = type(input)._wrap(np.take(order._data, np.arange(k), axis=axis), False)
    return ValuesIndices(gather(input, axis, indices), indices)
