"""Weight initialisers, as `torch.nn.init`.

Each one fills `tensor._data` in place (outside the autograd graph) and returns the tensor.
Draws come from the library generator, so `tinygrad_cnn.manual_seed` makes them
reproducible; pass `generator=` (a `numpy.random.Generator`) to use another stream.

>>> from tinygrad_cnn import nn, zeros
>>> w = nn.init.kaiming_uniform_(zeros(16, 8, 3, 3), nonlinearity="relu")
>>> bool(abs(w._data).max() <= (6 / (8 * 9)) ** 0.5)
True
"""
from __future__ import annotations

import math
import warnings
from typing import Callable, Optional, Tuple

import numpy as np

from ..autograd.function import bump_version
from ..creation import generator as library_generator
from ..tensor import Tensor

_LINEAR_FNS = ("linear", "conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d",
               "conv_transpose3d", "sigmoid")


def calculate_gain(nonlinearity: str, param: Optional[float] = None) -> float:
    """The gain that keeps activations' variance stable through `nonlinearity`.

    >>> round(calculate_gain("relu"), 4), calculate_gain("tanh")
    (1.4142, 1.6666666666666667)
    """
    if nonlinearity in _LINEAR_FNS:
        return 1.0
    if nonlinearity == "tanh":
        return 5.0 / 3
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        slope = 0.01 if param is None else param
        if isinstance(slope, bool) or not isinstance(slope, (int, float)):
            raise ValueError(f"negative_slope {slope} not a valid number")
        return math.sqrt(2.0 / (1 + slope ** 2))
    if nonlinearity == "selu":
        return 3.0 / 4
    raise ValueError(f"Unsupported nonlinearity {nonlinearity}")


def _calculate_fan_in_and_fan_out(tensor: Tensor) -> Tuple[int, int]:
    """(fan_in, fan_out) of a weight: a Linear (out, in) or Conv (out, in, kh, kw) shape.

    >>> from tinygrad_cnn import zeros
    >>> _calculate_fan_in_and_fan_out(zeros(16, 8, 3, 3))
    (72, 144)
    """
    if tensor.ndim < 2:
        raise ValueError("Fan in and fan out can not be computed for tensor with fewer than "
                         f"2 dimensions (got shape {tensor.shape})")
    receptive_field = int(np.prod(tensor.shape[2:], dtype=np.int64))
    return tensor.shape[1] * receptive_field, tensor.shape[0] * receptive_field


def _calculate_correct_fan(tensor: Tensor, mode: str) -> int:
    if mode not in ("fan_in", "fan_out"):
        raise ValueError(f"Mode {mode} not supported, please use one of fan_in, fan_out")
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    return fan_in if mode == "fan_in" else fan_out


def _fill(tensor: Tensor, draw: Callable[[np.random.Generator, tuple], np.ndarray],
          gen: Optional[np.random.Generator]) -> Tensor:
    """Write float64 draws into tensor._data (cast to its dtype), in place."""
    gen = gen if gen is not None else library_generator()
    tensor._data[...] = draw(gen, tensor.shape)
    bump_version(tensor)
    return tensor


def uniform_(tensor: Tensor, a: float = 0.0, b: float = 1.0,
             generator: Optional[np.random.Generator] = None) -> Tensor:
    """Fill with samples of U(a, b).

    >>> from tinygrad_cnn import zeros
    >>> bool((abs(uniform_(zeros(100), -1, 1)._data) <= 1).all())
    True
    """
    return _fill(tensor, lambda g, s: g.uniform(a, b, s), generator)


def normal_(tensor: Tensor, mean: float = 0.0, std: float = 1.0,
            generator: Optional[np.random.Generator] = None) -> Tensor:
    """Fill with samples of N(mean, std^2); the default is the zero-mean unit gaussian.

    >>> from tinygrad_cnn import zeros
    >>> normal_(zeros(2, 3), std=0.01).shape
    (2, 3)
    """
    return _fill(tensor, lambda g, s: g.normal(mean, std, s), generator)


def constant_(tensor: Tensor, val: float) -> Tensor:
    """Fill with `val`.

    >>> from tinygrad_cnn import zeros
    >>> constant_(zeros(2), 3.0).tolist()
    [3.0, 3.0]
    """
    tensor._data[...] = val
    bump_version(tensor)
    return tensor


def zeros_(tensor: Tensor) -> Tensor:
    """Fill with 0.

    >>> from tinygrad_cnn import ones
    >>> zeros_(ones(2)).tolist()
    [0.0, 0.0]
    """
    return constant_(tensor, 0.0)


def ones_(tensor: Tensor) -> Tensor:
    """Fill with 1.

    >>> from tinygrad_cnn import zeros
    >>> ones_(zeros(2)).tolist()
    [1.0, 1.0]
    """
    return constant_(tensor, 1.0)


def xavier_uniform_(tensor: Tensor, gain: float = 1.0,
                    generator: Optional[np.random.Generator] = None) -> Tensor:
    """Glorot uniform: U(-a, a) with a = gain * sqrt(6 / (fan_in + fan_out)).

    >>> from tinygrad_cnn import zeros
    >>> w = xavier_uniform_(zeros(3, 5))   # a = sqrt(6 / 8)
    >>> w.shape, bool(abs(w._data).max() <= (6 / 8) ** 0.5)
    ((3, 5), True)
    """
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    bound = math.sqrt(3.0) * gain * math.sqrt(2.0 / float(fan_in + fan_out))
    return uniform_(tensor, -bound, bound, generator)


def xavier_normal_(tensor: Tensor, gain: float = 1.0,
                   generator: Optional[np.random.Generator] = None) -> Tensor:
    """Glorot normal: N(0, std^2) with std = gain * sqrt(2 / (fan_in + fan_out)).

    >>> from tinygrad_cnn import zeros
    >>> w = xavier_normal_(zeros(200, 200), generator=np.random.default_rng(0))
    >>> round(float(w._data.std()), 2)     # sqrt(2 / 400)
    0.07
    """
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    std = gain * math.sqrt(2.0 / float(fan_in + fan_out))
    return normal_(tensor, 0.0, std, generator)


def _no_elements(tensor: Tensor) -> bool:
    """A zero-element tensor (Linear(0, 3)) has no fan to scale by: PyTorch warns and
    leaves it as it is."""
    if 0 not in tensor.shape:
        return False
    warnings.warn("Initializing zero-element tensors is a no-op", stacklevel=3)
    return True


def _kaiming_std(tensor: Tensor, a: float, mode: str, nonlinearity: str) -> float:
    return calculate_gain(nonlinearity, a) / math.sqrt(_calculate_correct_fan(tensor, mode))


def kaiming_uniform_(tensor: Tensor, a: float = 0, mode: str = "fan_in",
                     nonlinearity: str = "leaky_relu",
                     generator: Optional[np.random.Generator] = None) -> Tensor:
    """He uniform: U(-b, b) with b = gain * sqrt(3 / fan). `a` is the leaky-ReLU slope;
    Conv2d and Linear use a=sqrt(5), which gives b = 1/sqrt(fan_in).

    >>> from tinygrad_cnn import zeros
    >>> w = kaiming_uniform_(zeros(4, 9), a=math.sqrt(5))   # b = 1/sqrt(9)
    >>> bool(abs(w._data).max() <= 1 / 3)
    True
    """
    if _no_elements(tensor):
        return tensor
    bound = math.sqrt(3.0) * _kaiming_std(tensor, a, mode, nonlinearity)
    return uniform_(tensor, -bound, bound, generator)


def kaiming_normal_(tensor: Tensor, a: float = 0, mode: str = "fan_in",
                    nonlinearity: str = "leaky_relu",
                    generator: Optional[np.random.Generator] = None) -> Tensor:
    """He normal: N(0, std^2) with std = gain / sqrt(fan).

    >>> from tinygrad_cnn import zeros
    >>> w = kaiming_normal_(zeros(100, 50, 2, 2), nonlinearity="relu",
    ...                     generator=np.random.default_rng(0))
    >>> round(float(w._data.std()), 2)     # sqrt(2 / (50 * 2 * 2))
    0.1
    """
    if _no_elements(tensor):
        return tensor
    return normal_(tensor, 0.0, _kaiming_std(tensor, a, mode, nonlinearity), generator)
