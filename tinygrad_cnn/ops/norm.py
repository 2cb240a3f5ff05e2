"""The vector p-norm (torch.norm / Tensor.norm / linalg.vector_norm)."""
from __future__ import annotations

from typing import Any, Optional

import numpy as np

from ..autograd.function import Function
from .reduce import expand_back, normalize_dims


class Norm(Function):
    """(Σ|x|^p)^(1/p) over `dim`; the gradient at a zero norm is 0 (as in PyTorch)."""

    category = "reduction"

    def forward(self, a, p=2.0, dim=None, keepdim=False):
        self.a, self.p, self.keepdim = a, p, keepdim
        self.axes = normalize_dims(dim, a.ndim)
        mag = np.abs(a)
        if p == np.inf:
            self.out = mag.max(axis=self.axes, keepdims=keepdim, initial=0)
        elif p == 1:
            self.out = mag.sum(axis=self.axes, keepdims=keepdim)
        else:
            self.out = (mag ** p).sum(axis=self.axes, keepdims=keepdim) ** (1.0 / p)
        return np.asarray(self.out, a.dtype)

    def backward(self, g):
        a, p, shape = self.a, self.p, self.a.shape
        norm = expand_back(np.asarray(self.out), shape, self.axes, self.keepdim)
        g = expand_back(g, shape, self.axes, self.keepdim)
        if p == 1:
            return g * np.sign(a)
        if p == np.inf:  # ties share the gradient evenly, as torch
            hit = (np.abs(a) == norm) & (norm > 0)
            count = expand_back(hit.sum(axis=self.axes, keepdims=self.keepdim), shape,
                                self.axes, self.keepdim)
            return g * np.sign(a) * hit / np.maximum(count, 1)
        with np.errstate(divide="ignore", invalid="ignore"):
            d = np.sign(a) * np.abs(a) ** (p - 1) / norm ** (p - 1)
        return g * np.where(norm > 0, d, 0).astype(a.dtype)


def norm(input: Any, p: Any = "fro", dim: Optional[Any] = None, keepdim: bool = False,
         dtype: Any = None) -> Any:
    """The p-norm of all elements, or over `dim` ('fro' and 2: Euclidean; 1; inf).

    >>> from tinygrad_cnn import Tensor
    >>> norm(Tensor([3.0, 4.0])), norm(Tensor([3.0, -4.0]), p=1)
    (tensor(5.), tensor(7.))
    """
    if dtype is not None:
        input = input.type(dtype)
    if input.dtype.kind != "f":
        raise RuntimeError(f"norm(): input dtype should be a floating point, got {input.dtype}")
    p = 2.0 if p in ("fro", None) else p
    if isinstance(p, str) or p <= 0:
        raise RuntimeError(f"norm(): p={p!r} is not supported here: use 'fro', a positive "
                           "number or inf")
    return Norm.apply(input, p=float(p), dim=dim, keepdim=keepdim)
