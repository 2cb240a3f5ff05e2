"""GELU and SiLU: the smooth ReLUs of transformers and EfficientNets (forward and local
gradient side by side; nn.GELU / nn.SiLU and F.gelu / F.silu call these)."""
from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..autograd.function import Function
from ..kernels.erf import erf
from .circuit import elementwise
from .inplace import apply_inplace
from .unary import as_float

_SQRT_2_OVER_PI = math.sqrt(2.0 / math.pi)


class GELU(Function):
    """x·Φ(x) ('none') or its tanh approximation ('tanh'), as torch.nn.functional.gelu."""

    label, category, circuit = "gelu", "activation", elementwise("gelu")

    def forward(self, a, approximate="none"):
        a = as_float(a)
        self.a, self.approximate = a, approximate
        x = a.astype(np.float64)
        if approximate == "tanh":
            self.t = np.tanh(_SQRT_2_OVER_PI * (x + 0.044715 * x ** 3))
            return (0.5 * x * (1 + self.t)).astype(a.dtype)
        self.cdf = 0.5 * (1 + erf(x / math.sqrt(2.0)))
        return (x * self.cdf).astype(a.dtype)

    def backward(self, g):
        x = self.a.astype(np.float64)
        if self.approximate == "tanh":
            inner = _SQRT_2_OVER_PI * (1 + 3 * 0.044715 * x ** 2)
            d = 0.5 * (1 + self.t) + 0.5 * x * (1 - self.t ** 2) * inner
        else:
            d = self.cdf + x * np.exp(-0.5 * x * x) / math.sqrt(2 * math.pi)
        return (g * d).astype(g.dtype)


class SiLU(Function):
    """x·σ(x) (also called swish)."""

    label, category, circuit = "silu", "activation", elementwise("silu")

    def forward(self, a):
        a = as_float(a)
        self.a = a
        self.s = 0.5 * (1 + np.tanh(0.5 * a))  # σ(a) without overflow
        return a * self.s

    def backward(self, g):
        return g * (self.s * (1 + self.a * (1 - self.s)))


def gelu(input: Any, approximate: str = "none") -> Any:
    """Gaussian error linear unit, as torch.nn.functional.gelu.

    >>> from tinygrad_cnn import Tensor
    >>> gelu(Tensor([-1.0, 0.0, 1.0]))
    tensor([-0.1587,  0.0000,  0.8413])
    """
    if approximate not in ("none", "tanh"):
        raise RuntimeError(f"approximate argument must be either none or tanh, got "
                           f"'{approximate}'")
    return GELU.apply(input, approximate=approximate)


def silu(input: Any, inplace: bool = False) -> Any:
    """x·sigmoid(x), as torch.nn.functional.silu (inplace=True writes into input).

    >>> from tinygrad_cnn import Tensor
    >>> silu(Tensor([-1.0, 0.0, 1.0]))
    tensor([-0.2689,  0.0000,  0.7311])
    """
    return apply_inplace(input, SiLU.apply) if inplace else SiLU.apply(input)
