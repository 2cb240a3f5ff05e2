"""Elementwise math: forward and local gradient side by side."""
from __future__ import annotations

from typing import Any, Optional

import numpy as np

from ..autograd.function import Function
from ..checks import real
from ..dtypes import get_default_dtype
from .circuit import elementwise, moves


def as_float(a: np.ndarray) -> np.ndarray:
    """Integer input to a float op computes in the default float dtype, as in PyTorch."""
    return a if a.dtype.kind == "f" else a.astype(get_default_dtype())


class Neg(Function):
    circuit = elementwise("−")

    def forward(self, a):
        return -a

    def backward(self, g):
        return -g


class Exp(Function):
    circuit = elementwise("exp")

    def forward(self, a):
        self.out = np.exp(as_float(a))
        return self.out

    def backward(self, g):
        return g * self.out


class Log(Function):
    circuit = elementwise("log")

    def forward(self, a):
        a = as_float(a)
        self.save_for_backward(a)
        return np.log(a)

    def backward(self, g):
        (a,) = self.saved_tensors
        return g / a


class Sqrt(Function):
    circuit = elementwise("√")

    def forward(self, a):
        self.out = np.sqrt(as_float(a))
        return self.out

    def backward(self, g):
        return g / (2 * self.out)


class Abs(Function):
    circuit = elementwise("abs")

    def forward(self, a):
        self.save_for_backward(a)
        return np.abs(a)

    def backward(self, g):
        (a,) = self.saved_tensors
        return g * np.sign(a)  # sign(0) = 0: the subgradient PyTorch picks


class Clamp(Function):
    circuit = elementwise("clamp")

    def forward(self, a, min=None, max=None):
        self.save_for_backward(a)
        self.bounds = (min, max)
        return np.clip(a, min, max)

    def backward(self, g):
        (a,) = self.saved_tensors
        lo, hi = self.bounds
        keep = np.ones(a.shape, dtype=bool)
        if lo is not None:
            keep &= a >= lo
        if hi is not None:
            keep &= a <= hi
        return np.where(keep, g, np.zeros((), dtype=g.dtype))


class Cast(Function):
    """Change dtype; the gradient goes back in the input's dtype."""
    category, circuit = "shape", moves(lambda ids, options: ids)


    def forward(self, a, dtype=None):
        return a.astype(dtype)

    def backward(self, g):
        return g  # the engine casts to the input's dtype


class Identity(Function):
    """A differentiable copy (`clone`)."""
    category, circuit = "shape", moves(lambda ids, options: ids)


    def forward(self, a):
        return a.copy()

    def backward(self, g):
        return g


# ----- user-facing functions: Tensor methods (tensor.py's table) and nn.functional -----
def neg(input) -> Any:
    """`-t` (also `t.neg()`); `+t` is `t` and `abs(t)` is `t.abs()`.

    >>> from tinygrad_cnn import Tensor
    >>> t = Tensor([1.0, -2.0])
    >>> -t, t.neg(), abs(t)
    (tensor([-1.,  2.]), tensor([-1.,  2.]), tensor([1., 2.]))
    """
    return Neg.apply(input)


def exp(input) -> Any:
    """Elementwise e**x.

    >>> from tinygrad_cnn import Tensor
    >>> Tensor([0.0, 1.0]).exp()
    tensor([1.0000, 2.7183])
    """
    return Exp.apply(input)


def log(input) -> Any:
    """Elementwise natural logarithm.

    >>> from tinygrad_cnn import Tensor
    >>> Tensor([1.0, 2.718281828]).log()
    tensor([0., 1.])
    """
    return Log.apply(input)


def sqrt(input) -> Any:
    """Elementwise square root.

    >>> from tinygrad_cnn import Tensor
    >>> Tensor([1.0, 4.0]).sqrt()
    tensor([1., 2.])
    """
    return Sqrt.apply(input)


def abs(input) -> Any:
    """Elementwise absolute value (gradient: the sign).

    >>> from tinygrad_cnn import Tensor
    >>> Tensor([-1.5, 2.0]).abs()
    tensor([1.5000, 2.0000])
    """
    return Abs.apply(input)


def clamp(input, min: Optional[float] = None, max: Optional[float] = None) -> Any:
    """Limit values to [min, max] (either may be None); `clip` is an alias. The gradient
    is zero where a bound was applied.

    >>> from tinygrad_cnn import Tensor
    >>> x = Tensor([-2.0, 0.5, 3.0], requires_grad=True)
    >>> y = x.clamp(min=-1.0, max=1.0); y
    tensor([-1.0000,  0.5000,  1.0000], grad_fn=<ClampBackward>)
    >>> y.sum().backward(); x.grad
    tensor([0., 1., 0.])
    """
    if min is None and max is None:
        raise RuntimeError("clamp: at least one of 'min' or 'max' must not be None")
    for name, bound in (("min", min), ("max", max)):
        if bound is not None:
            real(bound, name, "clamp", finite=False)
    return Clamp.apply(input, min=min, max=max)


def clone(input) -> Any:
    """A copy that stays in the graph (gradients flow back to `input`).

    >>> from tinygrad_cnn import Tensor
    >>> x = Tensor([1.0, 2.0], requires_grad=True)
    >>> x.clone()
    tensor([1., 2.], grad_fn=<IdentityBackward>)
    """
    return Identity.apply(input)
