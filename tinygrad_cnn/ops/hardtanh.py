"""hardtanh: x clipped to [min_val, max_val], the whole op in one file (ARCHITECTURE.md's
"add an op" example): its Function, its user-facing function, its picture label and
category, and its circuit rule. nn/functional.py's import block exposes it as F.hardtanh.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from ..autograd.function import Function
from .circuit import elementwise


class Hardtanh(Function):
    """out = min(max(x, min_val), max_val); the gradient flows where min_val < x < max_val
    (at the bounds it is 0, as in PyTorch)."""

    label, category, circuit = "hardtanh", "activation", elementwise("hardtanh")

    def forward(self, a, min_val=-1.0, max_val=1.0):
        self.inside = (a > min_val) & (a < max_val)
        return np.clip(a, a.dtype.type(min_val), a.dtype.type(max_val))

    def backward(self, g):
        return np.where(self.inside, g, np.zeros((), g.dtype))


def hardtanh(input: Any, min_val: float = -1.0, max_val: float = 1.0,
             inplace: bool = False) -> Any:
    """x clipped to [min_val, max_val], as torch.nn.functional.hardtanh.

    >>> from tinygrad_cnn import Tensor
    >>> x = Tensor([-2.0, 0.5, 3.0], requires_grad=True)
    >>> y = hardtanh(x); y
    tensor([-1.0000,  0.5000,  1.0000], grad_fn=<HardtanhBackward>)
    >>> y.sum().backward(); x.grad
    tensor([0., 1., 0.])
    """
    if min_val > max_val:
        raise ValueError(f"hardtanh: min_val ({min_val}) cannot be greater than max_val "
                         f"({max_val})")
    return Hardtanh.apply(input, min_val=float(min_val), max_val=float(max_val))
