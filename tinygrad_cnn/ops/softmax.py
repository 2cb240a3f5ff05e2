"""softmax and log_softmax along `dim`, numerically stable: forward and local gradient."""
from __future__ import annotations

import numpy as np

from ..autograd.function import Function
from .shape import wrap_dim


def _shifted(a, dim):
    return a - a.max(axis=dim, keepdims=True)


class Softmax(Function):
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
