"""Broadcasting binary arithmetic: forward and local gradient of each op side by side.

Gradients are returned in the broadcast (output) shape; the engine sums them back to
each input's shape.
"""
from __future__ import annotations

import numpy as np

from ..autograd.function import Function
from .circuit import elementwise


class Add(Function):
    circuit = elementwise("+")

    def forward(self, a, b):
        return a + b

    def backward(self, g):
        return g, g


class Sub(Function):
    circuit = elementwise("−")

    def forward(self, a, b):
        return a - b

    def backward(self, g):
        return g, -g


class Mul(Function):
    circuit = elementwise("*")

    def forward(self, a, b):
        self.save_for_backward(a, b)
        return a * b

    def backward(self, g):
        a, b = self.saved_tensors
        need_a, need_b = self.needs_input_grad
        return (g * b if need_a else None), (g * a if need_b else None)


class Div(Function):
    circuit = elementwise("/")

    def forward(self, a, b):
        out = np.true_divide(a, b)
        if out.dtype.kind == "f" and a.dtype.kind != "f" and b.dtype.kind != "f":
            out = out.astype(np.float32)  # int / int gives float32, as in PyTorch
        self.save_for_backward(a, b)
        return out

    def backward(self, g):
        a, b = self.saved_tensors
        need_a, need_b = self.needs_input_grad
        ga = g / b if need_a else None
        gb = -g * a / (b * b) if need_b else None
        return ga, gb


class Pow(Function):
    circuit = elementwise("^")

    def forward(self, a, b):
        out = np.power(a, b)
        self.save_for_backward(a, b, out)
        return out

    def backward(self, g):
        a, b, out = self.saved_tensors
        need_a, need_b = self.needs_input_grad
        ga = None
        if need_a:
            # d/da a**0 is 0 everywhere, even at a == 0 where b * a**(b-1) would be nan
            with np.errstate(divide="ignore", invalid="ignore"):
                local = g * b * np.power(a, b - 1)
            ga = np.where(b == 0, np.zeros((), g.dtype), local)
        gb = None
        if need_b:
            with np.errstate(divide="ignore", invalid="ignore"):
                gb = g * out * np.log(a)
            # 0 ** b with b >= 0 has gradient 0 w.r.t. b (PyTorch's convention)
            gb = np.where((a == 0) & (b >= 0), 0, gb)
        return ga, gb


class Maximum(Function):
    circuit = elementwise("max")

    def forward(self, a, b):
        self.save_for_backward(a, b)
        return np.maximum(a, b)

    def backward(self, g):
        a, b = self.saved_tensors
        # ties share the gradient equally, as in PyTorch
        share = np.where(a > b, 1.0, np.where(a == b, 0.5, 0.0)).astype(g.dtype)
        return g * share, g * (1 - share)


class Minimum(Function):
    circuit = elementwise("min")

    def forward(self, a, b):
        self.save_for_backward(a, b)
        return np.minimum(a, b)

    def backward(self, g):
        a, b = self.saved_tensors
        share = np.where(a < b, 1.0, np.where(a == b, 0.5, 0.0)).astype(g.dtype)
        return g * share, g * (1 - share)


class Where(Function):
    """where(condition, a, b); the condition is an option, not a differentiable input."""

    def forward(self, a, b, condition):
        self.condition = condition
        return np.where(condition, a, b)

    def backward(self, g):
        zero = np.zeros((), dtype=g.dtype)
        return np.where(self.condition, g, zero), np.where(self.condition, zero, g)
