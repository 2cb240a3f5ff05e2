"""Reductions over `dim` (None, int or tuple) with `keepdim`: forward and local gradient."""
from __future__ import annotations

import functools
from collections import namedtuple
from typing import Any, Callable, Optional

import numpy as np

from ..autograd.function import Function
from ..checks import reducible
from .circuit import reduction
from .shape import wrap_dim


def normalize_dims(dim, ndim: int):
    """`dim` as a sorted tuple of non-negative axes (None means all)."""
    if dim is None:
        return tuple(range(ndim))
    dims = (dim,) if isinstance(dim, (int, np.integer)) else tuple(dim)
    out = [wrap_dim(d, ndim) for d in dims]
    if len(set(out)) != len(out):
        raise RuntimeError(f"dim {max(out, key=out.count)} appears multiple times in the list "
                           f"of dims {dims}")
    return tuple(sorted(out)) if ndim else ()


def accepts_axis(fn: Callable) -> Callable:
    """Also take numpy's `axis=` for `dim=`, as PyTorch's reductions do."""
    @functools.wraps(fn)
    def reduction(*args: Any, axis: Any = None, **kwargs: Any) -> Any:
        if axis is not None:
            if "dim" in kwargs or len(args) > 1:
                raise TypeError(f"{fn.__name__}() got both dim and axis (axis is its alias)")
            kwargs["dim"] = axis
        return fn(*args, **kwargs)
    return reduction


def expand_back(g: np.ndarray, in_shape: tuple, axes: tuple, keepdim: bool) -> np.ndarray:
    """Broadcast a reduced gradient back over the reduced axes."""
    if not keepdim and axes:  # reshape is cheaper than np.expand_dims
        g = g.reshape([1 if i in axes else n for i, n in enumerate(in_shape)])
    return np.broadcast_to(g, in_shape)


class Sum(Function):
    circuit = reduction(lambda options: "+")

    def forward(self, a, dim=None, keepdim=False):
        self.axes = normalize_dims(dim, a.ndim)
        self.in_shape, self.keepdim = a.shape, keepdim
        return np.asarray(a.sum(axis=self.axes, keepdims=keepdim))

    def backward(self, g):
        return expand_back(g, self.in_shape, self.axes, self.keepdim)


class Mean(Function):
    circuit = reduction(lambda options: "mean")

    def forward(self, a, dim=None, keepdim=False):
        self.axes = normalize_dims(dim, a.ndim)
        self.in_shape, self.keepdim = a.shape, keepdim
        self.count = int(np.prod([a.shape[i] for i in self.axes]))
        if self.count == 0:  # the mean of nothing is NaN, as in PyTorch (without a warning)
            return np.asarray(a.sum(axis=self.axes, keepdims=keepdim) * np.nan)
        return np.asarray(a.mean(axis=self.axes, keepdims=keepdim))

    def backward(self, g):
        with np.errstate(divide="ignore", invalid="ignore"):  # count 0: an empty gradient
            g = g / g.dtype.type(self.count)
        return expand_back(g, self.in_shape, self.axes, self.keepdim)


class Max(Function):
    """max/min over dims. With one int `dim` the gradient goes to the returned index
    (as torch.max(x, dim)); over all or several dims ties share it evenly (as torch.amax)."""
    circuit = reduction(lambda options: "min" if options.get("smallest") else "max")


    def forward(self, a, dim=None, keepdim=False, smallest=False):
        self.in_shape, self.keepdim = a.shape, keepdim
        self.axes = normalize_dims(dim, a.ndim)
        reducible(a.shape, None if dim is None else self.axes, "min" if smallest else "max")
        pick = np.argmin if smallest else np.argmax
        if isinstance(dim, (int, np.integer)) and not a.ndim:
            self.aux = np.zeros((), np.int64)  # torch.max(scalar, 0): the value, index 0
            return a.copy()
        if isinstance(dim, (int, np.integer)):
            idx = pick(a, axis=self.axes[0], keepdims=True)
            self.index = idx
            self.aux = idx if keepdim else np.squeeze(idx, self.axes[0])
            out = np.take_along_axis(a, idx, axis=self.axes[0])
            return out if keepdim else np.squeeze(out, self.axes[0])
        out = (np.min if smallest else np.max)(a, axis=self.axes, keepdims=True)
        self.winners = a == out
        return out if keepdim else np.squeeze(out, self.axes)

    def backward(self, g):
        if not self.in_shape:
            return g
        if hasattr(self, "index"):
            grad = np.zeros(self.in_shape, dtype=g.dtype)
            g = g if self.keepdim else np.expand_dims(g, self.axes)
            np.put_along_axis(grad, self.index, g, axis=self.axes[0])
            return grad
        share = self.winners / self.winners.sum(axis=self.axes, keepdims=True)
        return expand_back(g, self.in_shape, self.axes, self.keepdim) * share.astype(g.dtype)


class Var(Function):
    """Variance over `dim` divided by (count - correction); one node instead of five."""

    def forward(self, a, dim=None, keepdim=False, correction=1):
        if a.dtype.kind not in "fc":
            raise RuntimeError("std and var only support floating point and complex dtypes, "
                               f"got {a.dtype}")
        self.axes = normalize_dims(dim, a.ndim)
        self.in_shape, self.keepdim = a.shape, keepdim
        count = int(np.prod([a.shape[i] for i in self.axes]))
        self.centered = a - a.mean(axis=self.axes, keepdims=True)
        # count <= correction gives inf/nan, as in PyTorch
        self.denom = a.dtype.type(np.maximum(count - correction, 0))
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.asarray((self.centered * self.centered).sum(
                axis=self.axes, keepdims=keepdim) / self.denom)

    def backward(self, g):
        with np.errstate(divide="ignore", invalid="ignore"):
            scale = g * g.dtype.type(2) / self.denom
        return expand_back(scale, self.in_shape, self.axes, self.keepdim) * self.centered


class Std(Var):
    """sqrt(var); where std is 0 the gradient is 0, as PyTorch defines it."""

    def forward(self, a, dim=None, keepdim=False, correction=1):
        self.out = np.sqrt(super().forward(a, dim, keepdim, correction))
        return self.out

    def backward(self, g):
        with np.errstate(divide="ignore", invalid="ignore"):
            g_var = np.where(self.out == 0, np.zeros((), g.dtype), g / (2 * self.out))
        return super().backward(g_var)


# ----- user-facing functions: Tensor methods (tensor.py's table) and nn.functional -----
MinMax = namedtuple("MinMax", ["values", "indices"])
MinMax.__doc__ = """`(values, indices)` returned by `Tensor.max(dim)` / `Tensor.min(dim)`.

>>> from tinygrad_cnn import Tensor
>>> values, indices = Tensor([[1.0, 5.0], [3.0, 2.0]]).max(dim=1)
>>> values, indices
(tensor([5., 3.]), tensor([1, 0]))
"""


@accepts_axis
def sum(input, dim: Any = None, keepdim: bool = False) -> Any:
    """Sum of all elements, or along `dim` (an int or a tuple of ints); `keepdim=True`
    keeps the reduced dims with size 1.

    >>> from tinygrad_cnn import Tensor
    >>> t = Tensor([[1.0, 2.0], [3.0, 4.0]])
    >>> t.sum(), t.sum(dim=1)
    (tensor(10.), tensor([3., 7.]))
    >>> t.sum(dim=0, keepdim=True)
    tensor([[4., 6.]])
    """
    return Sum.apply(input, dim=dim, keepdim=keepdim)


@accepts_axis
def mean(input, dim: Any = None, keepdim: bool = False) -> Any:
    """Mean of all elements, or along `dim` (floating point tensors only).

    >>> from tinygrad_cnn import Tensor
    >>> x = Tensor([[1.0, 2.0], [3.0, 5.0]], requires_grad=True)
    >>> x.mean(dim=1, keepdim=True)
    tensor([[1.5000],
            [4.0000]], grad_fn=<MeanBackward>)
    >>> x.mean().backward(); x.grad
    tensor([[0.2500, 0.2500],
            [0.2500, 0.2500]])
    """
    if input._data.dtype.kind not in "fc":
        raise RuntimeError(f"mean(): input dtype should be floating point, got "
                           f"{input._data.dtype}")
    return Mean.apply(input, dim=dim, keepdim=keepdim)


@accepts_axis
def max(input, dim: Optional[int] = None, keepdim: bool = False):
    """Max over everything, or `(values, indices)` along one `dim`; given a tensor,
    the elementwise `maximum`. The gradient goes to the selected element.

    >>> from tinygrad_cnn import Tensor
    >>> x = Tensor([[1.0, 5.0], [3.0, 2.0]], requires_grad=True)
    >>> x.detach().max()
    tensor(5.)
    >>> values, indices = x.max(dim=1)
    >>> indices
    tensor([1, 0])
    >>> values.sum().backward(); x.grad
    tensor([[0., 1.],
            [1., 0.]])
    """
    if isinstance(dim, type(input)):
        return input.maximum(dim)
    out = Max.apply(input, dim=dim, keepdim=keepdim)
    return MinMax(*out) if isinstance(out, tuple) else out


@accepts_axis
def min(input, dim: Optional[int] = None, keepdim: bool = False):
    """Min over everything, or `(values, indices)` along one `dim` (see `max`).

    >>> from tinygrad_cnn import Tensor
    >>> t = Tensor([[1.0, 5.0], [3.0, 2.0]])
    >>> t.min()
    tensor(1.)
    >>> t.min(dim=0, keepdim=True)
    MinMax(values=tensor([[1., 2.]]), indices=tensor([[0, 1]]))
    """
    if isinstance(dim, type(input)):
        return input.minimum(dim)
    out = Max.apply(input, dim=dim, keepdim=keepdim, smallest=True)
    return MinMax(*out) if isinstance(out, tuple) else out


@accepts_axis
def amax(input, dim: Any = None, keepdim: bool = False) -> Any:
    """Max values only, over one dim or a tuple of dims.

    >>> from tinygrad_cnn import Tensor
    >>> t = Tensor([[1.0, 5.0], [3.0, 2.0]])
    >>> t.amax(dim=0), t.amax(dim=(0, 1))
    (tensor([3., 5.]), tensor(5.))
    """
    dim = tuple(dim) if isinstance(dim, (list, tuple)) else (None if dim is None else (dim,))
    return Max.apply(input, dim=dim, keepdim=keepdim)


@accepts_axis
def amin(input, dim: Any = None, keepdim: bool = False) -> Any:
    """Min values only, over one dim or a tuple of dims (see `amax`).

    >>> from tinygrad_cnn import Tensor
    >>> Tensor([[1.0, 5.0], [3.0, 2.0]]).amin(dim=1, keepdim=True)
    tensor([[1.],
            [2.]])
    """
    dim = tuple(dim) if isinstance(dim, (list, tuple)) else (None if dim is None else (dim,))
    return Max.apply(input, dim=dim, keepdim=keepdim, smallest=True)


@accepts_axis
def argmax(input, dim: Optional[int] = None, keepdim: bool = False) -> Any:
    """Index of the max along `dim`, or into the flattened tensor if dim is None.

    >>> from tinygrad_cnn import Tensor
    >>> t = Tensor([[1.0, 5.0], [3.0, 2.0]])
    >>> t.argmax(dim=1), t.argmax()
    (tensor([1, 0]), tensor(1))
    """
    return _arg(input, np.argmax, dim, keepdim)


@accepts_axis
def argmin(input, dim: Optional[int] = None, keepdim: bool = False) -> Any:
    """Index of the min along `dim`, or into the flattened tensor (see `argmax`).

    >>> from tinygrad_cnn import Tensor
    >>> Tensor([[1.0, 5.0], [3.0, 2.0]]).argmin(dim=0)
    tensor([0, 1])
    """
    return _arg(input, np.argmin, dim, keepdim)


def _arg(input, pick: Callable, dim: Optional[int], keepdim: bool) -> Any:
    axes = None if dim is None else (wrap_dim(dim, input.ndim),)
    reducible(input.shape, axes, pick.__name__)
    if input.dtype == np.bool_:
        raise RuntimeError(f"{pick.__name__}(): does not support bool input")
    if dim is None or not input.ndim:  # a 0-d tensor: index 0 along its only "dim"
        idx = np.asarray(pick(input._data))
        return input._wrap(idx.reshape((1,) * input.ndim) if keepdim else idx, False)
    return input._wrap(np.asarray(pick(input._data, axis=dim, keepdims=keepdim)), False)


@accepts_axis
def var(input, dim: Any = None, unbiased: Optional[bool] = None, keepdim: bool = False,
        correction: Optional[int] = None) -> Any:
    """Variance with Bessel's correction by default (`correction=1`);
    `unbiased=False` (or `correction=0`) divides by n.

    >>> from tinygrad_cnn import Tensor
    >>> Tensor([1.0, 3.0]).var().item()
    2.0
    >>> t = Tensor([[1.0, 3.0], [2.0, 2.0]])
    >>> t.var(dim=1), t.var(dim=1, unbiased=False)
    (tensor([2., 0.]), tensor([1., 0.]))
    """
    return Var.apply(input, dim=dim, keepdim=keepdim,
                            correction=_correction(unbiased, correction))


@accepts_axis
def std(input, dim: Any = None, unbiased: Optional[bool] = None, keepdim: bool = False,
        correction: Optional[int] = None) -> Any:
    """Standard deviation (see `var`).

    >>> from tinygrad_cnn import Tensor
    >>> round(Tensor([1.0, 3.0]).std().item() ** 2, 4)
    2.0
    >>> Tensor([[1.0, 3.0], [2.0, 2.0]]).std(dim=1, keepdim=True)
    tensor([[1.4142],
            [0.0000]])
    """
    return Std.apply(input, dim=dim, keepdim=keepdim,
                            correction=_correction(unbiased, correction))


def _correction(unbiased: Optional[bool], correction: Optional[int]) -> int:
    if correction is not None:
        return correction
    return 0 if unbiased is False else 1
