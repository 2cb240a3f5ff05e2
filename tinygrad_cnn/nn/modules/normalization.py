"""`LayerNorm` and `GroupNorm`: per-sample normalisation with a learned scale and shift."""
from __future__ import annotations

from typing import Any, Sequence, Union

import numpy as np

from ...dtypes import get_default_dtype
from ...tensor import Tensor
from .. import functional as F
from ..module import Module
from ..parameter import Parameter


def _affine(shape: tuple, dtype: Any, on: bool, bias: bool = True) -> tuple:
    dtype = np.dtype(dtype) if dtype is not None else get_default_dtype()
    if not on:
        return None, None
    return Parameter(np.ones(shape, dtype)), Parameter(np.zeros(shape, dtype)) if bias else None


class LayerNorm(Module):
    """Normalise over the last dims (`normalized_shape`), then weight·x + bias.

    >>> from tinygrad_cnn import Tensor
    >>> LayerNorm(2)(Tensor([[1.0, 3.0]]))
    tensor([[-1.0000,  1.0000]], grad_fn=<AddBackward>)
    """

    def __init__(self, normalized_shape: Union[int, Sequence[int]], eps: float = 1e-5,
                 elementwise_affine: bool = True, bias: bool = True, device: Any = None,
                 dtype: Any = None) -> None:
        super().__init__()
        shape = (normalized_shape,) if isinstance(normalized_shape, int) else \
            tuple(normalized_shape)
        self.normalized_shape, self.eps = shape, eps
        self.elementwise_affine = elementwise_affine
        self.weight, self.bias = _affine(shape, dtype, elementwise_affine, bias)

    def forward(self, input: Tensor) -> Tensor:
        return F.layer_norm(input, self.normalized_shape, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        return (f"{self.normalized_shape}, eps={self.eps}, "
                f"elementwise_affine={self.elementwise_affine}")


class GroupNorm(Module):
    """Normalise each group of channels per sample, then a per-channel weight and bias.

    >>> from tinygrad_cnn import randn
    >>> GroupNorm(2, 4)(randn(3, 4, 5, 5)).shape
    (3, 4, 5, 5)
    """

    def __init__(self, num_groups: int, num_channels: int, eps: float = 1e-5,
                 affine: bool = True, device: Any = None, dtype: Any = None) -> None:
        super().__init__()
        if num_channels % num_groups:
            raise ValueError("num_channels must be divisible by num_groups")
        self.num_groups, self.num_channels, self.eps, self.affine = (num_groups, num_channels,
                                                                     eps, affine)
        self.weight, self.bias = _affine((num_channels,), dtype, affine)

    def forward(self, input: Tensor) -> Tensor:
        return F.group_norm(input, self.num_groups, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        return f"{self.num_groups}, {self.num_channels}, eps={self.eps}, affine={self.affine}"
