"""`Linear` (fully connected) and `Identity`."""
from __future__ import annotations

import math
from typing import Any

import numpy as np

from ...checks import integer
from ...dtypes import get_default_dtype
from ...tensor import Tensor
from .. import functional as F
from .. import init
from ..module import Module
from ..parameter import Parameter


class Identity(Module):
    """Returns its input unchanged (a placeholder, e.g. to drop a layer).

    >>> from tinygrad_cnn import ones
    >>> Identity()(ones(2)).tolist()
    [1.0, 1.0]
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__()  # arguments are accepted and ignored, as in PyTorch

    def forward(self, input: Tensor) -> Tensor:
        return input


class Linear(Module):
    """y = x @ W^T + b, with W of shape (out_features, in_features).

    >>> from tinygrad_cnn import randn
    >>> Linear(20, 30)(randn(128, 20)).shape
    (128, 30)
    """

    def __init__(self, in_features: int, out_features: int, bias: bool = True,
                 device: Any = None, dtype: Any = None) -> None:
        super().__init__()
        in_features = integer(in_features, "in_features", 0, "Linear")
        out_features = integer(out_features, "out_features", 0, "Linear")
        self.in_features, self.out_features = in_features, out_features
        dtype = np.dtype(dtype) if dtype is not None else get_default_dtype()
        self.weight = Parameter(np.empty((out_features, in_features), dtype))
        self.bias = Parameter(np.empty(out_features, dtype)) if bias else None
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """PyTorch's default: kaiming_uniform_(a=sqrt(5)), i.e. U(+-1/sqrt(fan_in)) for both."""
        reset_weight_and_bias(self.weight, self.bias)

    def forward(self, input: Tensor) -> Tensor:
        return F.linear(input, self.weight, self.bias)

    def extra_repr(self) -> str:
        return (f"in_features={self.in_features}, out_features={self.out_features}, "
                f"bias={self.bias is not None}")


def reset_weight_and_bias(weight: Parameter, bias: Any) -> None:
    """The default initialisation of Linear and Conv layers in PyTorch: weight and bias
    uniform in +-1/sqrt(fan_in).

    >>> w, b = Parameter(np.zeros((2, 4), np.float32)), Parameter(np.zeros(2, np.float32))
    >>> reset_weight_and_bias(w, b)
    >>> bool(abs(w._data).max() <= 0.5 and abs(b._data).max() <= 0.5)
    True
    """
    init.kaiming_uniform_(weight, a=math.sqrt(5))
    if bias is not None:
        fan_in, _ = init._calculate_fan_in_and_fan_out(weight)
        bound = 1 / math.sqrt(fan_in) if fan_in > 0 else 0
        init.uniform_(bias, -bound, bound)
