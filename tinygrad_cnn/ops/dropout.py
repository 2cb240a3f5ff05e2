"""Inverted dropout: zero each element with probability p, scale the rest by 1/(1-p)."""
from __future__ import annotations

import numpy as np

from ..autograd.function import Function
from ..rng import generator


class Dropout(Function):
    def forward(self, a, p=0.5):
        keep = generator().random(a.shape, dtype=np.float32) >= p
        # float32 mask in the input's dtype: the hot path stays float32
        self.mask = keep.astype(a.dtype) * a.dtype.type(1.0 / (1.0 - p) if p < 1 else 0.0)
        return a * self.mask

    def backward(self, g):
        return g * self.mask
