"""conv_transpose2d: the input gradient of a conv2d, run forward. Built as a conv2d (so it
takes conv2d's fast routes) of the input spread out by the stride (zeros between pixels,
the Dilate Function) and padded, with the kernel flipped and its in/out channels swapped."""
from __future__ import annotations

from typing import Any, Optional, Tuple

import numpy as np

from ..autograd.function import Function
from ..checks import tensor_argument
from .conv2d import conv2d
from .movement import flip
from .shape import Pad, getitem, reshape


class Dilate(Function):
    """(s-1) zeros between neighbouring pixels of the last two dimensions."""

    category = "shape"

    def forward(self, a, stride=(1, 1)):
        sh, sw = self.stride = stride
        h, w = a.shape[-2:]
        out = np.zeros(a.shape[:-2] + ((h - 1) * sh + 1, (w - 1) * sw + 1), a.dtype)
        out[..., ::sh, ::sw] = a
        return out

    def backward(self, g):
        sh, sw = self.stride
        return np.ascontiguousarray(g[..., ::sh, ::sw])


def _pair(value: Any, name: str) -> Tuple[int, int]:
    pair = (value, value) if isinstance(value, (int, np.integer)) else tuple(value)
    if len(pair) != 2 or any(not isinstance(v, (int, np.integer)) for v in pair):
        raise TypeError(f"conv_transpose2d: {name} must be an int or a pair of ints, "
                        f"got {value!r}")
    return int(pair[0]), int(pair[1])


def _swap_kernel(weight: Any, groups: int) -> Any:
    """(Cin, Cout/g, kh, kw) -> the conv2d kernel (Cout, Cin/g, kh, kw), flipped."""
    cin, cout_g, kh, kw = weight.shape
    w = reshape(weight, (groups, cin // groups, cout_g, kh, kw)).transpose(1, 2)
    return flip(reshape(w, (groups * cout_g, cin // groups, kh, kw)), 2, 3)


def conv_transpose2d(input: Any, weight: Any, bias: Optional[Any] = None, stride: Any = 1,
                     padding: Any = 0, output_padding: Any = 0, groups: int = 1,
                     dilation: Any = 1) -> Any:
    """Transposed 2-D convolution ("deconvolution"), as torch.nn.functional.conv_transpose2d.

    >>> from tinygrad_cnn import ones
    >>> conv_transpose2d(ones(1, 1, 2, 2), ones(1, 1, 2, 2), stride=2).shape
    (1, 1, 4, 4)
    """
    tensor_argument(input, "input", "conv_transpose2d")
    tensor_argument(weight, "weight", "conv_transpose2d")
    stride, padding = _pair(stride, "stride"), _pair(padding, "padding")
    output_padding, dilation = _pair(output_padding, "output_padding"), _pair(dilation,
                                                                               "dilation")
    if input.ndim != 4 or weight.ndim != 4:
        raise RuntimeError(f"conv_transpose2d: expected 4-D input and weight, got "
                           f"{list(input.shape)} and {list(weight.shape)}")
    if input.shape[1] != weight.shape[0] or weight.shape[0] % groups:
        raise RuntimeError(f"conv_transpose2d: weight of shape {list(weight.shape)} expects "
                           f"{weight.shape[0]} input channels (divisible by groups={groups}), "
                           f"got input of shape {list(input.shape)}")
    if any(o >= max(s, d) for o, s, d in zip(output_padding, stride, dilation)):
        raise RuntimeError("output padding must be smaller than either stride or dilation, "
                           f"got output_padding={output_padding}, stride={stride}")
    size = [(n - 1) * s - 2 * p + d * (k - 1) + o + 1 for n, s, p, d, k, o in zip(
        input.shape[2:], stride, padding, dilation, weight.shape[2:], output_padding)]
    if min(size) <= 0:
        raise RuntimeError(f"conv_transpose2d: the output size {tuple(size)} is too small for "
                           f"input {list(input.shape)}, kernel {list(weight.shape[2:])}, "
                           f"stride {stride}, padding {padding}")
    x = Dilate.apply(input, stride=stride) if stride != (1, 1) else input
    edges = [d * (k - 1) - p for d, k, p in zip(dilation, weight.shape[2:], padding)]
    lo = [max(e, 0) for e in edges]
    hi = [max(e + o, 0) for e, o in zip(edges, output_padding)]
    if any(lo + hi):
        x = Pad.apply(x, pad=(lo[1], hi[1], lo[0], hi[0]))
    crop = tuple(slice(max(-e, 0), x.shape[2 + i] - max(-(e + o), 0))
                 for i, (e, o) in enumerate(zip(edges, output_padding)))
    if any(s.start or s.stop != x.shape[2 + i] for i, s in enumerate(crop)):
        x = getitem(x, (slice(None), slice(None)) + crop)
    return conv2d(x, _swap_kernel(weight, groups), bias, dilation=dilation, groups=groups)
