"""Sliding-window geometry shared by convolution and pooling: argument normalisation,
output sizes and the (start, end) windows of average pooling.

Everything here is O(output rows + output columns) numpy or plain Python: the per-pixel
work lives in the numba kernels.
"""
from __future__ import annotations

from functools import lru_cache
from typing import Any, Tuple

import numpy as np

Pair = Tuple[int, int]
Pad4 = Tuple[int, int, int, int]  # (top, bottom, left, right)


def pair(value: Any, name: str) -> Pair:
    """An int or a 1-/2-sequence of ints as (height, width), as PyTorch accepts.

    >>> pair(3, "stride"), pair((2, 1), "stride")
    ((3, 3), (2, 1))
    """
    if value.__class__ is int:  # the common cases first (a bool's class is bool)
        return value, value
    if value.__class__ is tuple and len(value) == 2 and value[0].__class__ is int \
            and value[1].__class__ is int:
        return value

    def whole(v: Any) -> bool:  # True is not a size (PyTorch agrees)
        return isinstance(v, (int, np.integer)) and not isinstance(v, bool)

    if whole(value):
        return int(value), int(value)
    if isinstance(value, (tuple, list)) and len(value) in (1, 2) and all(
            whole(v) for v in value):
        return (int(value[0]),) * 2 if len(value) == 1 else (int(value[0]), int(value[1]))
    raise TypeError(f"{name} must be an int or a tuple of 1 or 2 ints, got {value!r}")


def pad4(padding: Any) -> Pad4:
    """An int, (ph, pw) or (top, bottom, left, right) as (top, bottom, left, right).

    >>> pad4(1), pad4((1, 2)), pad4((0, 1, 0, 1))
    ((1, 1, 1, 1), (1, 1, 2, 2), (0, 1, 0, 1))
    """
    if isinstance(padding, (tuple, list)) and len(padding) == 4:
        return tuple(int(p) for p in padding)  # type: ignore[return-value]
    ph, pw = pair(padding, "padding")
    return ph, ph, pw, pw


def same_padding(kernel: Pair, dilation: Pair) -> Pad4:
    """PyTorch's 'same' split: total dilation*(k-1) per side pair, the odd pixel at the
    bottom/right.

    >>> same_padding((4, 3), (1, 2))
    (1, 2, 2, 2)
    """
    (kh, kw), (dh, dw) = kernel, dilation
    th, tw = dh * (kh - 1), dw * (kw - 1)
    return th // 2, th - th // 2, tw // 2, tw - tw // 2


def conv_output_size(size: int, kernel: int, stride: int, pad_lo: int, pad_hi: int,
                     dilation: int) -> int:
    """Number of window positions along one axis (floor mode).

    >>> conv_output_size(9, 3, 1, 1, 1, 1)
    9
    """
    return (size + pad_lo + pad_hi - dilation * (kernel - 1) - 1) // stride + 1


def pool_output_size(size: int, kernel: int, stride: int, pad: int, dilation: int,
                     ceil_mode: bool) -> int:
    """PyTorch's pooling output size: in ceil_mode one extra window is allowed, but the
    last window must still start inside the input or the left padding.

    >>> pool_output_size(5, 2, 2, 0, 1, False), pool_output_size(5, 2, 2, 0, 1, True)
    (2, 3)
    """
    span = size + 2 * pad - dilation * (kernel - 1) - 1 + (stride - 1 if ceil_mode else 0)
    out = span // stride + 1
    if ceil_mode and (out - 1) * stride >= size + pad:
        out -= 1
    return out


def avgpool_windows(size: int, out: int, kernel: int, stride: int, pad: int,
                    count_include_pad: bool) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(start, end, divisor part) per output index of avg_pool2d along one axis.

    A window may hang over the padding (counted when count_include_pad) but never past it;
    start/end are clipped to the input for the sum.

    >>> avgpool_windows(4, 2, 3, 2, 1, True)
    (array([0, 1]), array([2, 4]), array([3, 3]))
    """
    start = np.arange(out) * stride - pad
    end = np.minimum(start + kernel, size + pad)
    padded_len = end - start
    start, end = np.maximum(start, 0), np.minimum(end, size)
    return start, end, padded_len if count_include_pad else end - start


def adaptive_windows(size: int, out: int) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(start, end, length) per output index: start=floor(i*size/out),
    end=ceil((i+1)*size/out), as PyTorch's adaptive pooling.

    >>> adaptive_windows(5, 3)
    (array([0, 1, 3]), array([2, 4, 5]), array([2, 3, 2]))
    """
    i = np.arange(out)
    start = (i * size) // out
    end = -((-(i + 1) * size) // out)
    return start, end, end - start


class ConvGeometry:
    """Sizes of one convolution: kernel, stride, padding, dilation, groups, OH, OW.

    >>> geo = ConvGeometry((8, 3, 32, 32), (16, 3, 5, 5), (1, 1), (2, 2, 2, 2), (1, 1), 1)
    >>> geo.oh, geo.ow, geo.taps, geo.part(2).n
    (32, 32, 75, 2)
    """

    __slots__ = ("n", "c", "h", "w", "o", "kh", "kw", "stride", "pad", "dilation",
                 "groups", "oh", "ow", "taps", "reach", "padded")

    def __init__(self, x_shape: Tuple[int, ...], w_shape: Tuple[int, ...], stride: Pair,
                 pad: Pad4, dilation: Pair, groups: int) -> None:
        self.n, self.c, self.h, self.w = x_shape
        self.o, _, self.kh, self.kw = w_shape
        self.stride, self.pad, self.dilation, self.groups = stride, pad, dilation, groups
        self.oh = conv_output_size(self.h, self.kh, stride[0], pad[0], pad[1], dilation[0])
        self.ow = conv_output_size(self.w, self.kw, stride[1], pad[2], pad[3], dilation[1])
        self.taps = self.c * self.kh * self.kw  # rows of the im2col columns (all groups)
        #: how far the kernel spans past its first tap, d*(k-1), in rows and columns
        self.reach = dilation[0] * (self.kh - 1), dilation[1] * (self.kw - 1)
        #: height and width of the zero-padded input
        self.padded = self.h + pad[0] + pad[1], self.w + pad[2] + pad[3]

    def part(self, n: int) -> "ConvGeometry":
        """The same convolution over n images (a batch part; itself for the whole batch)."""
        if n == self.n:
            return self
        part = object.__new__(ConvGeometry)
        for name in self.__slots__:
            setattr(part, name, getattr(self, name))
        part.n = n
        return part

    @property
    def flops(self) -> int:
        """Multiplies and adds of the forward."""
        return 2 * self.n * self.o * (self.taps // self.groups) * self.oh * self.ow


@lru_cache(maxsize=1024)
def conv_geometry(x_shape: Tuple[int, ...], w_shape: Tuple[int, ...], stride: Pair, pad: Pad4,
                  dilation: Pair, groups: int) -> ConvGeometry:
    """`ConvGeometry(...)`, made once per distinct conv: a training loop meets the same few
    convs every step. (Shared, so never changed by its users.)"""
    return ConvGeometry(x_shape, w_shape, stride, pad, dilation, groups)
