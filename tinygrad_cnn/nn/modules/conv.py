"""`Conv2d` and `ConvTranspose2d`."""
from __future__ import annotations

from typing import Any, Tuple, Union

import numpy as np

from ...checks import integer
from ...dtypes import get_default_dtype
from ...tensor import Tensor
from .. import functional as F
from ..module import Module
from ..parameter import Parameter
from ._utils import _pair
from .linear import reset_weight_and_bias

IntPair = Union[int, Tuple[int, int]]


def _checked_pair(value: IntPair, name: str, minimum: int) -> Tuple[int, int]:
    """An int or a pair of ints, each at least `minimum` (Conv2d(3, 4, 0) is refused here
    rather than failing in the first forward)."""
    for item in value if isinstance(value, (tuple, list)) else (value,):
        integer(item, name, minimum, "Conv2d")
    return _pair(value)


def _checked_padding(padding: Union[IntPair, str], stride: Tuple[int, int]):
    if not isinstance(padding, str):
        return _checked_pair(padding, "padding", 0)
    if padding not in ("same", "valid"):
        raise ValueError(f"Invalid padding string {padding!r}, should be one of "
                         "{'valid', 'same'}")
    if padding == "same" and stride != (1, 1):
        raise ValueError(f"padding='same' is not supported for strided convolutions, got "
                         f"stride={stride}")
    return padding


class Conv2d(Module):
    """2-D convolution over an (N, C_in, H, W) input; weight (C_out, C_in/groups, kH, kW).

    >>> from tinygrad_cnn import randn
    >>> Conv2d(1, 32, 3)(randn(2, 1, 28, 28)).shape
    (2, 32, 26, 26)
    """

    def __init__(self, in_channels: int, out_channels: int, kernel_size: IntPair,
                 stride: IntPair = 1, padding: Union[IntPair, str] = 0, dilation: IntPair = 1,
                 groups: int = 1, bias: bool = True, padding_mode: str = "zeros",
                 device: Any = None, dtype: Any = None) -> None:
        super().__init__()
        in_channels = integer(in_channels, "in_channels", 1, "Conv2d")
        out_channels = integer(out_channels, "out_channels", 1, "Conv2d")
        groups = integer(groups, "groups", 1, "Conv2d")
        if in_channels % groups or out_channels % groups:
            raise ValueError(f"in_channels ({in_channels}) and out_channels ({out_channels}) "
                             f"must both be divisible by groups ({groups})")
        if padding_mode != "zeros":
            raise NotImplementedError(f"padding_mode={padding_mode!r}: only 'zeros' is "
                                      "supported")
        self.in_channels, self.out_channels, self.groups = in_channels, out_channels, groups
        self.kernel_size = _checked_pair(kernel_size, "kernel_size", 1)
        self.stride = _checked_pair(stride, "stride", 1)
        self.dilation = _checked_pair(dilation, "dilation", 1)
        self.padding = _checked_padding(padding, self.stride)
        self.padding_mode = padding_mode
        dtype = np.dtype(dtype) if dtype is not None else get_default_dtype()
        shape = (out_channels, in_channels // groups, *self.kernel_size)
        self.weight = Parameter(np.empty(shape, dtype))
        self.bias = Parameter(np.empty(out_channels, dtype)) if bias else None
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """PyTorch's default: kaiming_uniform_(a=sqrt(5)), i.e. U(+-1/sqrt(fan_in)) for both."""
        reset_weight_and_bias(self.weight, self.bias)

    def forward(self, input: Tensor) -> Tensor:
        return F.conv2d(input, self.weight, self.bias, self.stride, self.padding,
                        self.dilation, self.groups)

    def extra_repr(self) -> str:
        s = (f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
             f"stride={self.stride}")
        if self.padding != (0, 0):
            s += f", padding={self.padding!r}"
        if self.dilation != (1, 1):
            s += f", dilation={self.dilation}"
        if self.groups != 1:
            s += f", groups={self.groups}"
        if self.bias is None:
            s += ", bias=False"
        return s


class ConvTranspose2d(Conv2d):
    """Transposed 2-D convolution; weight (C_in, C_out/groups, kH, kW), as PyTorch.

    >>> from tinygrad_cnn import randn
    >>> ConvTranspose2d(8, 4, 2, stride=2)(randn(1, 8, 7, 7)).shape
    (1, 4, 14, 14)
    """

    def __init__(self, in_channels: int, out_channels: int, kernel_size: IntPair,
                 stride: IntPair = 1, padding: IntPair = 0, output_padding: IntPair = 0,
                 groups: int = 1, bias: bool = True, dilation: IntPair = 1,
                 padding_mode: str = "zeros", device: Any = None, dtype: Any = None) -> None:
        if isinstance(padding, str):
            raise TypeError("ConvTranspose2d: padding must be an int or a pair of ints")
        super().__init__(out_channels, in_channels, kernel_size, stride, padding, dilation,
                         groups, bias, padding_mode, device, dtype)
        self.in_channels, self.out_channels = in_channels, out_channels
        self.output_padding = _checked_pair(output_padding, "output_padding", 0)
        kh, kw = self.kernel_size
        self.weight = Parameter(np.empty((in_channels, out_channels // groups, kh, kw),
                                         self.weight.dtype))
        if bias:
            self.bias = Parameter(np.empty(out_channels, self.weight.dtype))
        self.reset_parameters()

    def forward(self, input: Tensor) -> Tensor:
        return F.conv_transpose2d(input, self.weight, self.bias, self.stride, self.padding,
                                  self.output_padding, self.groups, self.dilation)
