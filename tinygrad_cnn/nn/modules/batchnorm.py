"""`BatchNorm1d` and `BatchNorm2d`.

Training mode normalises with the batch statistics and updates the running ones (buffers,
saved in the state dict); eval mode normalises with the running statistics.
"""
from __future__ import annotations

from typing import Any, Optional

import numpy as np

from ...checks import integer
from ...dtypes import get_default_dtype
from ...tensor import Tensor
from .. import functional as F
from .. import init
from ..module import Module
from ..parameter import Parameter


class _BatchNorm(Module):
    """Shared by BatchNorm1d/2d, which only differ in the input ranks they accept."""

    _ranks: tuple = ()

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: Optional[float] = 0.1,
                 affine: bool = True, track_running_stats: bool = True, device: Any = None,
                 dtype: Any = None, *, bias: bool = True) -> None:
        super().__init__()
        num_features = integer(num_features, "num_features", 1, type(self).__name__)
        self.num_features, self.eps, self.momentum = num_features, eps, momentum
        self.affine, self.track_running_stats = affine, track_running_stats
        dtype = np.dtype(dtype) if dtype is not None else get_default_dtype()
        self.weight = Parameter(np.ones(num_features, dtype)) if affine else None
        self.bias = Parameter(np.zeros(num_features, dtype)) if affine and bias else None
        stats = track_running_stats
        self.register_buffer("running_mean", Tensor(np.zeros(num_features, dtype)) if stats
                             else None)
        self.register_buffer("running_var", Tensor(np.ones(num_features, dtype)) if stats
                             else None)
        self.register_buffer("num_batches_tracked", Tensor(np.array(0, np.int64)) if stats
                             else None)

    def reset_running_stats(self) -> None:
        if self.track_running_stats:
            init.zeros_(self.running_mean)
            init.ones_(self.running_var)
            self.num_batches_tracked._data[...] = 0

    def reset_parameters(self) -> None:
        self.reset_running_stats()
        if self.affine:
            init.ones_(self.weight)
            if self.bias is not None:
                init.zeros_(self.bias)

    def _check_input_dim(self, input: Tensor) -> None:
        if input.ndim not in self._ranks:
            wanted = " or ".join(f"{r}D" for r in self._ranks)
            raise ValueError(f"expected {wanted} input (got {input.ndim}D input)")

    def _average_factor(self) -> float:
        """Momentum of the running-stat update; momentum=None means a cumulative average."""
        if not (self.training and self.track_running_stats):
            return 0.0 if self.momentum is None else self.momentum
        self.num_batches_tracked._data += 1
        if self.momentum is None:
            return 1.0 / float(self.num_batches_tracked.item())
        return self.momentum

    def forward(self, input: Tensor) -> Tensor:
        self._check_input_dim(input)
        factor = self._average_factor()
        # Without running stats there is nothing else to normalise with: use the batch's.
        use_batch_stats = self.training or self.running_mean is None
        track = not self.training or self.track_running_stats
        return F.batch_norm(input, self.running_mean if track else None,
                            self.running_var if track else None, self.weight, self.bias,
                            use_batch_stats, factor, self.eps)

    def extra_repr(self) -> str:
        return (f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, "
                f"affine={self.affine}, bias={self.bias is not None}, "
                f"track_running_stats={self.track_running_stats}")


class BatchNorm1d(_BatchNorm):
    """Batch norm over (N, C) or (N, C, L) inputs.

    >>> from tinygrad_cnn import randn
    >>> BatchNorm1d(8)(randn(4, 8)).shape
    (4, 8)
    """

    _ranks = (2, 3)


class BatchNorm2d(_BatchNorm):
    """Batch norm over (N, C, H, W) inputs, per channel.

    >>> from tinygrad_cnn import randn
    >>> BatchNorm2d(3)(randn(4, 3, 5, 5)).shape
    (4, 3, 5, 5)
    """

    _ranks = (4,)
