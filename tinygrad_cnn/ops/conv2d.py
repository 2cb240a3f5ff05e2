"""conv2d: 2-D cross-correlation (PyTorch's convolution), forward and gradients.

Argument checking happens here, before any kernel runs, so a mistake is reported in
terms of the shapes the caller passed. The arithmetic lives in `kernels.conv`.
"""
from __future__ import annotations

from typing import Any, Optional

import numpy as np

from ..autograd.function import Function
from ..checks import tensor_argument
from ..kernels.conv import Needs, conv_backward, conv_forward
from ..kernels.geometry import Pad4, Pair, pair, same_padding
from .circuit import Ref, batched, dot, window


def _circuit(ctx, inputs, out):
    """One `+` per output element over its window's products (and the bias)."""
    x, w = inputs[0], inputs[1]
    x_shape, out_shape = batched(x.shape), batched(out.shape)
    groups = int(ctx.options.get("groups", 1))
    per_group_out, cin = w.shape[0] // groups, w.shape[1]
    for o, value in enumerate(out.ravel()):
        n, co, y, xx = np.unravel_index(o, out_shape)
        first_ci = (co // per_group_out) * cin
        pairs = []
        for ci in range(cin):
            for ky, kx, iy, ix in window(y, xx, w.shape[2:], ctx.options, x_shape):
                xi = np.ravel_multi_index((n, first_ci + ci, iy, ix), x_shape)
                wi = np.ravel_multi_index((co, ci, ky, kx), w.shape)
                pairs.append((Ref(0, int(xi)), Ref(1, int(wi)), float(x.flat[xi]),
                              float(w.flat[wi])))
        bias = [Ref(2, int(co))] if len(inputs) > 2 else []
        yield dot(pairs, bias, float(value))


_circuit.node_per_element = True


class Conv2d(Function):
    """out[n, o] = b[o] + sum_c sum_taps w[o, c, ki, kj] * x[n, c, ih, iw]."""

    category, circuit = "conv", _circuit

    def forward(self, x, w, b=None, *, stride: Pair = (1, 1), padding: Pad4 = (0, 0, 0, 0),
                dilation: Pair = (1, 1), groups: int = 1):
        self.unbatched = x.ndim == 3
        x = x[None] if self.unbatched else x
        wanted = self.needs_input_grad
        out, saved = conv_forward(x, w, b, stride, padding, dilation, groups,
                                  keep=bool(wanted) and wanted[1])
        if wanted:  # what the route saved for the weight gradient, and the weight
            self.saved, self.w, self.has_bias = saved, w, b is not None
        return out[0] if self.unbatched else out

    @property
    def cols(self) -> Optional[list]:
        """Each batch part's im2col columns kept for the weight gradient, or None when
        the forward kept none (no weight gradient wanted, too large, or another route)."""
        kept = [getattr(part, "cols", None) for part in self.saved.saved]
        return None if any(c is None for c in kept) else kept

    def backward(self, grad):
        wanted = self.needs_input_grad
        needs = Needs(wanted[0], wanted[1], self.has_bias and wanted[2])
        gx, gw, gb = conv_backward(grad[None] if self.unbatched else grad, self.saved, self.w,
                                   needs)
        if gx is not None and self.unbatched:
            gx = gx[0]
        return (gx, gw, gb) if self.has_bias else (gx, gw)


def _check_tensors(x: np.ndarray, w: np.ndarray, b: Optional[np.ndarray], groups: int) -> None:
    if x.ndim not in (3, 4):
        raise RuntimeError("Expected 3D (unbatched) or 4D (batched) input to conv2d, but got "
                           f"input of size: {x.shape}")
    if w.ndim != 4:
        raise RuntimeError("conv2d: weight should be 4-D (out_channels, in_channels/groups, "
                           f"kH, kW), but got weight of size {w.shape}")
    if x.dtype not in (np.float32, np.float64):
        raise RuntimeError(f"conv2d supports float32 and float64 inputs, got {x.dtype}")
    for name, t in (("weight", w), ("bias", b)):
        if t is not None and t.dtype != x.dtype:
            raise RuntimeError(f"Input type ({x.dtype}) and {name} type ({t.dtype}) should "
                               "be the same")
    if 0 in w.shape:  # PyTorch refuses these too (a kernel with no taps sums nothing)
        raise RuntimeError(f"conv2d: weight of size {w.shape} has a zero-size dimension; "
                           "out_channels, in_channels/groups, kH and kW must all be >= 1")
    if groups <= 0:
        raise RuntimeError(f"non-positive groups is not supported, got groups={groups}")
    if x.shape[-3] != w.shape[1] * groups:
        raise RuntimeError(f"Given groups={groups}, weight of size {w.shape}, expected "
                           f"input {x.shape} to have {w.shape[1] * groups} channels, "
                           f"but got {x.shape[-3]} channels instead")
    if w.shape[0] % groups:
        raise RuntimeError(f"Given groups={groups}, expected weight to be divisible by "
                           f"{groups} at dimension 0, but got weight of size "
                           f"{w.shape} instead")
    if b is not None and b.shape != (w.shape[0],):
        raise RuntimeError(f"Given weight of size {w.shape}, expected bias to be "
                           f"1-dimensional with {w.shape[0]} elements, but got bias of size "
                           f"{b.shape} instead")


def _resolve_padding(padding: Any, stride: Pair, kernel: Pair, dilation: Pair) -> Pad4:
    """int / pair / 'same' / 'valid' as (top, bottom, left, right)."""
    if isinstance(padding, str):
        if padding == "valid":
            return 0, 0, 0, 0
        if padding != "same":
            raise RuntimeError(f"Invalid padding string: '{padding}' (expected 'same' or "
                               "'valid')")
        if stride != (1, 1):
            raise RuntimeError("padding='same' is not supported for strided convolutions, "
                               f"got stride={stride}")
        return same_padding(kernel, dilation)
    ph, pw = pair(padding, "padding")
    if ph < 0 or pw < 0:
        raise RuntimeError(f"negative padding is not supported, got padding={(ph, pw)}")
    return ph, ph, pw, pw


def _check_spatial(x_shape: tuple, kernel: Pair, pad: Pad4, dilation: Pair) -> None:
    """The kernel fits the padded input, and an empty image has an empty batch or channels."""
    padded = (x_shape[-2] + pad[0] + pad[1], x_shape[-1] + pad[2] + pad[3])
    effective = (dilation[0] * (kernel[0] - 1) + 1, dilation[1] * (kernel[1] - 1) + 1)
    if padded[0] < effective[0] or padded[1] < effective[1]:
        raise RuntimeError(f"Calculated padded input size per channel: ({padded[0]} x "
                           f"{padded[1]}). Kernel size: ({effective[0]} x {effective[1]}). "
                           "Kernel size can't be greater than actual input size")
    if 0 in x_shape[-2:] and 0 not in x_shape[:-2]:  # PyTorch's rule, checked after the above
        raise RuntimeError("Only zero batch or zero channel inputs are supported, but got "
                           f"input of size {x_shape}")


def conv2d(input: Any, weight: Any, bias: Any = None, stride: Any = 1, padding: Any = 0,
           dilation: Any = 1, groups: int = 1) -> Any:
    """2-D convolution over an (N, C, H, W) or unbatched (C, H, W) input, as
    torch.nn.functional.conv2d. padding: int, (ph, pw), 'same' or 'valid'.

    >>> from tinygrad_cnn import ones
    >>> conv2d(ones(1, 1, 4, 4), ones(2, 1, 3, 3), padding=1).shape
    (1, 2, 4, 4)
    """
    for name, t in (("input", input), ("weight", weight), ("bias", bias)):
        if t is not None:
            tensor_argument(t, name, "conv2d")
    x, w = input._data, weight._data
    b = None if bias is None else bias._data
    _check_tensors(x, w, b, groups)
    stride, dilation = pair(stride, "stride"), pair(dilation, "dilation")
    if min(stride) <= 0:
        raise RuntimeError(f"non-positive stride is not supported, got stride={stride}")
    if min(dilation) <= 0:
        raise RuntimeError(f"non-positive dilation is not supported, got dilation={dilation}")
    kernel = (w.shape[2], w.shape[3])
    pad = _resolve_padding(padding, stride, kernel, dilation)
    _check_spatial(x.shape, kernel, pad, dilation)
    tensors = (input, weight) if bias is None else (input, weight, bias)
    return Conv2d.apply(*tensors, stride=stride, padding=pad, dilation=dilation,
                        groups=int(groups))
