"""Activation functions: forward and local gradient side by side."""
from __future__ import annotations

import numpy as np

from ..autograd.function import Function
from .unary import as_float


class ReLU(Function):
    def forward(self, a):
        self.mask = a > 0
        return np.where(self.mask, a, np.zeros((), dtype=a.dtype))

    def backward(self, g):
        return np.where(self.mask, g, np.zeros((), dtype=g.dtype))


class LeakyReLU(Function):
    def forward(self, a, negative_slope=0.01):
        self.mask = a > 0
        self.slope = negative_slope
        return np.where(self.mask, a, a * a.dtype.type(negative_slope))

    def backward(self, g):
        return np.where(self.mask, g, g * g.dtype.type(self.slope))


class Sigmoid(Function):
    def forward(self, a):
        # split by sign so exp never overflows
        a = as_float(a)
        e = np.exp(-np.abs(a))
        self.out = np.where(a >= 0, 1 / (1 + e), e / (1 + e)).astype(a.dtype, copy=False)
        return self.out

    def backward(self, g):
        return g * self.out * (1 - self.out)


class Tanh(Function):
    def forward(self, a):
        self.out = np.tanh(as_float(a))
        return self.out

    def backward(self, g):
        return g * (1 - self.out * self.out)
