"""Activation functions: forward and local gradient side by side."""
from __future__ import annotations

from typing import Any

import numpy as np

from ..autograd.function import Function
from ..checks import real
from ..kernels import runtime
from ..kernels.activation import relu_backward
from .circuit import elementwise
from .unary import as_float


class ReLU(Function):
    label, category, circuit = "relu", "activation", elementwise("relu")

    def forward(self, a):
        # into a recycled buffer; keep the output, not a mask: y > 0 exactly where a > 0
        # (NaN propagates, as in PyTorch)
        self.y = np.maximum(a, a.dtype.type(0), out=runtime.scratch(a.shape, a.dtype))
        return self.y

    def backward(self, g):
        return relu_backward(g, self.y)


class LeakyReLU(Function):
    label, category, circuit = "leaky_relu", "activation", elementwise("leaky relu")

    def forward(self, a, negative_slope=0.01):
        self.mask = a > 0
        self.slope = negative_slope
        return np.where(self.mask, a, a * a.dtype.type(negative_slope))

    def backward(self, g):
        return np.where(self.mask, g, g * g.dtype.type(self.slope))


class Sigmoid(Function):
    category, circuit = "activation", elementwise("σ")

    def forward(self, a):
        # split by sign so exp never overflows
        a = as_float(a)
        e = np.exp(-np.abs(a))
        self.out = np.where(a >= 0, 1 / (1 + e), e / (1 + e)).astype(a.dtype, copy=False)
        return self.out

    def backward(self, g):
        return g * self.out * (1 - self.out)


class Tanh(Function):
    category, circuit = "activation", elementwise("tanh")

    def forward(self, a):
        self.out = np.tanh(as_float(a))
        return self.out

    def backward(self, g):
        return g * (1 - self.out * self.out)


# ----- user-facing functions: Tensor methods (tensor.py's table) and nn.functional -----
def relu(input) -> Any:
    """max(x, 0) elementwise.

    >>> from tinygrad_cnn import Tensor
    >>> x = Tensor([-1.0, 2.0], requires_grad=True)
    >>> x.relu().sum().backward(); x.grad
    tensor([0., 1.])
    """
    return ReLU.apply(input)


def sigmoid(input) -> Any:
    """1 / (1 + e**-x) elementwise.

    >>> from tinygrad_cnn import Tensor
    >>> Tensor([0.0, 2.0]).sigmoid()
    tensor([0.5000, 0.8808])
    """
    return Sigmoid.apply(input)


def tanh(input) -> Any:
    """Hyperbolic tangent elementwise.

    >>> from tinygrad_cnn import Tensor
    >>> Tensor([0.0, 1.0]).tanh()
    tensor([0.0000, 0.7616])
    """
    return Tanh.apply(input)


def leaky_relu(input: Any, negative_slope: float = 0.01, inplace: bool = False) -> Any:
    """x if x > 0 else negative_slope * x.

    >>> from tinygrad_cnn import Tensor
    >>> leaky_relu(Tensor([-1.0, 2.0]), 0.5).tolist()
    [-0.5, 2.0]
    """
    return LeakyReLU.apply(input, negative_slope=real(negative_slope, "negative_slope"))
