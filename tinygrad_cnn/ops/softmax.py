"""softmax and log_softmax along `dim`, numerically stable: forward and local gradient."""
from __future__ import annotations

from typing import Any

import numpy as np

from ..autograd.function import Function
from .circuit import jacobian
from .shape import wrap_dim


def _shifted(a, dim):
    return a - a.max(axis=dim, keepdims=True)


class Softmax(Function):
    category, circuit = "activation", jacobian("softmax")

    def forward(self, a, dim=-1):
        dim = wrap_dim(dim, a.ndim)  # checked for 0-d too: only 0 and -1 exist
        self.dim = dim = dim if a.ndim else None
        if a.size == 0:  # nothing to normalise: an empty result, as in PyTorch
            self.out = a.copy()
            return self.out
        e = np.exp(_shifted(a, dim))
        self.out = e / e.sum(axis=dim, keepdims=True)
        return self.out

    def backward(self, g):
        y = self.out
        return y * (g - (g * y).sum(axis=self.dim, keepdims=True))


class LogSoftmax(Function):
    label, category, circuit = "log_softmax", "activation", jacobian("log softmax")

    def forward(self, a, dim=-1):
        dim = wrap_dim(dim, a.ndim)  # checked for 0-d too: only 0 and -1 exist
        self.dim = dim = dim if a.ndim else None
        if a.size == 0:
            self.out = a.copy()
            return self.out
        z = _shifted(a, dim)
        self.out = z - np.log(np.exp(z).sum(axis=dim, keepdims=True))
        return self.out

    def backward(self, g):
        return g - np.exp(self.out) * g.sum(axis=self.dim, keepdims=True)


# ----- user-facing functions: Tensor methods (tensor.py's table) and nn.functional -----
def softmax(input, dim: int) -> Any:
    """exp(x) normalised to sum to 1 along `dim` (numerically stable).

    >>> from tinygrad_cnn import Tensor
    >>> Tensor([[0.0, 0.0], [0.0, 1.0]]).softmax(dim=1)
    tensor([[0.5000, 0.5000],
            [0.2689, 0.7311]])
    """
    return Softmax.apply(input, dim=dim)


def log_softmax(input, dim: int) -> Any:
    """log(softmax(x, dim)), computed stably (pair it with NLL for cross-entropy).

    >>> from tinygrad_cnn import Tensor
    >>> Tensor([[0.0, 0.0], [0.0, 1.0]]).log_softmax(dim=1)
    tensor([[-0.6931, -0.6931],
            [-1.3133, -0.3133]])
    """
    return LogSoftmax.apply(input, dim=dim)
