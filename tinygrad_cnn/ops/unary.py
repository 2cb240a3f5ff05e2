"""Elementwise math: forward and local gradient side by side."""
from __future__ import annotations

import numpy as np

from ..autograd.function import Function
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
