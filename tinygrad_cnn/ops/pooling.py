"""Pooling: max_pool2d, avg_pool2d and adaptive_avg_pool2d, forward and gradients.

Arguments are checked here with PyTorch's rules and wording; the per-pixel work is in
`kernels.pool`. All three accept (N, C, H, W) or unbatched (C, H, W) input.
"""
from __future__ import annotations

from typing import Any, Optional, Tuple

import numpy as np

from ..autograd.function import Function
from ..checks import nonempty_dims, tensor_argument
from ..kernels import (avgpool_backward, avgpool_forward, maxpool_backward, maxpool_forward,
                       maxpool_indices)
from ..kernels.geometry import Pair, adaptive_windows, avgpool_windows, pair, pool_output_size
from .circuit import (Ref, batched, jacobian, local_gradients, sum_term, window,
                      winner_share)


def _batched(x: np.ndarray) -> Tuple[np.ndarray, bool]:
    """(4-D view of x, whether x was unbatched)."""
    return (x[None], True) if x.ndim == 3 else (x, False)


def _check_input(x: np.ndarray, name: str) -> None:
    if x.ndim not in (3, 4):
        raise RuntimeError(f"{name}: expected 3D (unbatched) or 4D (batched) input, but got "
                           f"input of size: {x.shape}")
    if x.dtype not in (np.float32, np.float64):
        raise RuntimeError(f"{name} supports float32 and float64 inputs, got {x.dtype}")


def _pool_geometry(x: np.ndarray, name: str, kernel_size: Any, stride: Any, padding: Any,
                   dilation: Any, ceil_mode: bool) -> tuple:
    """Checked (kernel, stride, padding, dilation, (OH, OW)) as PyTorch's pooling rules."""
    _check_input(x, name)
    if 0 in x.shape[-3:]:
        raise RuntimeError(f"{name}: Expected 3D or 4D (batch mode) tensor with optional 0 dim "
                           f"batch size for input, but got: {x.shape}")
    kernel = pair(kernel_size, "kernel_size")
    stride = kernel if stride is None or stride == [] or stride == () else pair(stride, "stride")
    padding, dilation = pair(padding, "padding"), pair(dilation, "dilation")
    if min(kernel) <= 0:
        raise RuntimeError(f"{name}: kernel_size must be greater than zero, but got "
                           f"kH: {kernel[0]} kW: {kernel[1]}")
    if min(stride) <= 0:
        raise RuntimeError(f"{name}: stride must be greater than zero, but got "
                           f"sH: {stride[0]} sW: {stride[1]}")
    if min(padding) < 0:
        raise RuntimeError(f"pad must be non-negative, but got pad: {padding}")
    if min(dilation) <= 0:
        raise RuntimeError("dilation should be greater than zero, but got "
                           f"dilationH: {dilation[0]} dilationW: {dilation[1]}")
    for k, p, d in zip(kernel, padding, dilation):
        if p > ((k - 1) * d + 1) // 2:
            raise RuntimeError("pad should be at most half of effective kernel size, but got "
                               f"pad={p}, kernel_size={k} and dilation={d}")
    if padding[0] > kernel[0] // 2 or padding[1] > kernel[1] // 2:
        raise RuntimeError("pad should be smaller than or equal to half of kernel size, but "
                           f"got padW = {padding[1]}, padH = {padding[0]}, kW = {kernel[1]}, "
                           f"kH = {kernel[0]}")
    out_hw = tuple(pool_output_size(x.shape[-2 + i], kernel[i], stride[i], padding[i],
                                    dilation[i], ceil_mode) for i in range(2))
    if min(out_hw) < 1:
        c, h, w = x.shape[-3:]
        raise RuntimeError(f"Given input size: ({c}x{h}x{w}). Calculated output size: "
                           f"({c}x{out_hw[0]}x{out_hw[1]}). Output size is too small")
    return kernel, stride, padding, dilation, out_hw


def _circuit(ctx, inputs, out):
    """One `max` or `mean` node per output element over its window."""
    x = inputs[0]
    x_shape, out_shape = batched(x.shape), batched(out.shape)
    kernel = pair(ctx.options["kernel_size"], "kernel_size")
    divisor = None if ctx.name == "MaxPool2d" else local_gradients(ctx, inputs, out)[0].divisor
    for o, value in enumerate(out.ravel()):
        n, c, y, xx = np.unravel_index(o, out_shape)
        ids = [int(np.ravel_multi_index((n, c, iy, ix), x_shape))
               for _, _, iy, ix in window(y, xx, kernel, ctx.options, x_shape)]
        refs = [Ref(0, i) for i in ids]
        if divisor is None:
            yield sum_term("max", refs, winner_share(x.ravel()[ids], float(value)), float(value))
        else:
            yield sum_term("mean", refs, [1.0 / divisor[y, xx]] * len(ids), float(value))


class MaxPool2d(Function):
    """out = max over each window; the gradient goes to the (first) argmax only."""

    category, circuit = "pool", _circuit

    def forward(self, x, *, kernel_size: Pair, stride: Pair, padding: Pair, dilation: Pair,
                output_size: Pair, return_indices: bool = False):
        x4, unbatched = _batched(x)
        out, tap = maxpool_forward(x4, kernel_size, stride, padding, dilation, output_size)
        if self.needs_input_grad:
            self.tap, self.x_shape, self.unbatched = tap, x4.shape, unbatched
        if return_indices:
            idx = maxpool_indices(tap, x4.shape[3], kernel_size, stride, padding, dilation)
            self.aux = idx[0] if unbatched else idx
        return out[0] if unbatched else out

    def backward(self, grad):
        window = self.options
        gx = maxpool_backward(grad[None] if self.unbatched else grad, self.tap, self.x_shape,
                              window["kernel_size"], window["stride"], window["padding"],
                              window["dilation"])
        return gx[0] if self.unbatched else gx


class _WindowMean(Function):
    """Mean over per-row x per-column windows with a per-output divisor; subclasses say
    which windows (`windows`), forward and gradient are shared."""

    category = "pool"

    def windows(self, height: int, width: int, **options: Any) -> tuple:
        raise NotImplementedError

    def forward(self, x, **options):
        x4, unbatched = _batched(x)
        rows, cols, divisor = self.windows(x4.shape[2], x4.shape[3], **options)
        out = avgpool_forward(x4, rows, cols, divisor)
        if self.needs_input_grad:
            self.x_shape, self.unbatched = x4.shape, unbatched
            self.rows, self.cols, self.divisor = rows, cols, divisor
        return out[0] if unbatched else out

    def backward(self, grad):
        gx = avgpool_backward(grad[None] if self.unbatched else grad, self.rows, self.cols,
                              self.divisor, self.x_shape)
        return gx[0] if self.unbatched else gx


class AvgPool2d(_WindowMean):
    circuit = _circuit

    def windows(self, height, width, *, kernel_size, stride, padding, output_size,
                count_include_pad, divisor_override):
        h0, h1, hn = avgpool_windows(height, output_size[0], kernel_size[0], stride[0],
                                     padding[0], count_include_pad)
        w0, w1, wn = avgpool_windows(width, output_size[1], kernel_size[1], stride[1],
                                     padding[1], count_include_pad)
        divisor = np.outer(hn, wn).astype(np.float64)
        if divisor_override is not None:
            divisor[:] = divisor_override
        return (h0, h1), (w0, w1), divisor


class AdaptiveAvgPool2d(_WindowMean):
    circuit = jacobian("mean")

    def windows(self, height, width, *, output_size):
        h0, h1, hn = adaptive_windows(height, output_size[0])
        w0, w1, wn = adaptive_windows(width, output_size[1])
        return (h0, h1), (w0, w1), np.outer(hn, wn).astype(np.float64)


def max_pool2d(input: Any, kernel_size: Any, stride: Any = None, padding: Any = 0,
               dilation: Any = 1, ceil_mode: bool = False, return_indices: bool = False) -> Any:
    """2-D max pooling with -inf padding, as torch.nn.functional.max_pool2d; with
    return_indices also the argmax, flat into each H*W input plane.

    >>> from tinygrad_cnn import arange
    >>> max_pool2d(arange(16.0).reshape(1, 1, 4, 4), 2)
    tensor([[[[ 5.,  7.],
              [13., 15.]]]])
    """
    tensor_argument(input, "input", "max_pool2d")
    kernel, stride, padding, dilation, out_hw = _pool_geometry(
        input._data, "max_pool2d", kernel_size, stride, padding, dilation, ceil_mode)
    return MaxPool2d.apply(input, kernel_size=kernel, stride=stride, padding=padding,
                           dilation=dilation, output_size=out_hw,
                           return_indices=bool(return_indices))


def avg_pool2d(input: Any, kernel_size: Any, stride: Any = None, padding: Any = 0,
               ceil_mode: bool = False, count_include_pad: bool = True,
               divisor_override: Optional[int] = None) -> Any:
    """2-D average pooling with zero padding, as torch.nn.functional.avg_pool2d.

    >>> from tinygrad_cnn import ones
    >>> avg_pool2d(ones(1, 1, 3, 3), 2, padding=1, count_include_pad=False)[0, 0]
    tensor([[1., 1.],
            [1., 1.]])
    """
    tensor_argument(input, "input", "avg_pool2d")
    kernel, stride, padding, _, out_hw = _pool_geometry(
        input._data, "avg_pool2d", kernel_size, stride, padding, 1, ceil_mode)
    if divisor_override is not None and divisor_override == 0:
        raise RuntimeError("divisor must be not zero")
    return AvgPool2d.apply(input, kernel_size=kernel, stride=stride, padding=padding,
                           output_size=out_hw, count_include_pad=bool(count_include_pad),
                           divisor_override=divisor_override)


def adaptive_avg_pool2d(input: Any, output_size: Any) -> Any:
    """Average pooling to a fixed output size (None keeps that input size), as
    torch.nn.functional.adaptive_avg_pool2d.

    >>> from tinygrad_cnn import ones
    >>> adaptive_avg_pool2d(ones(2, 3, 7, 5), (2, None)).shape
    (2, 3, 2, 5)
    """
    tensor_argument(input, "input", "adaptive_avg_pool2d")
    x = input._data
    _check_input(x, "adaptive_avg_pool2d")
    nonempty_dims(x.shape, range(x.ndim - 2, x.ndim), "adaptive_avg_pool2d")
    if isinstance(output_size, (int, np.integer)) or output_size is None:
        output_size = (output_size, output_size)
    if not isinstance(output_size, (tuple, list)) or len(output_size) != 2:
        raise RuntimeError(f"adaptive_avg_pool2d: output_size must be 2, got {output_size!r}")
    size = tuple(int(x.shape[-2 + i] if s is None else s) for i, s in enumerate(output_size))
    if min(size) < 0:
        raise RuntimeError("adaptive_avg_pool2d: elements of output_size must be greater than "
                           f"or equal to 0 but received {size}")
    return AdaptiveAvgPool2d.apply(input, output_size=size)
