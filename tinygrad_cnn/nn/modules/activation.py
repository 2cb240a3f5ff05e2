"""Activation layers: `ReLU`, `LeakyReLU`, `Sigmoid`, `Tanh`, `GELU`, `SiLU`, `Softmax`,
`LogSoftmax`.

`inplace=True` writes the result into the input, as PyTorch (ReLU, SiLU; LeakyReLU accepts
it and returns a new tensor); the in-place rules are ops/inplace.py's.
"""
from __future__ import annotations

from typing import Optional

from ...checks import real
from ...tensor import Tensor
from .. import functional as F
from ..module import Module


class ReLU(Module):
    """max(x, 0).

    >>> from tinygrad_cnn import Tensor
    >>> ReLU()(Tensor([-1.0, 2.0])).tolist()
    [0.0, 2.0]
    """

    def __init__(self, inplace: bool = False) -> None:
        super().__init__()
        self.inplace = inplace

    def forward(self, input: Tensor) -> Tensor:
        return F.relu(input, self.inplace)

    def extra_repr(self) -> str:
        return "inplace=True" if self.inplace else ""


class LeakyReLU(Module):
    """x if x > 0 else negative_slope * x.

    >>> from tinygrad_cnn import Tensor
    >>> LeakyReLU(0.1)(Tensor([-1.0, 2.0])).tolist()
    [-0.10000000149011612, 2.0]
    """

    def __init__(self, negative_slope: float = 0.01, inplace: bool = False) -> None:
        super().__init__()
        real(negative_slope, "negative_slope", "LeakyReLU")
        self.negative_slope, self.inplace = negative_slope, inplace

    def forward(self, input: Tensor) -> Tensor:
        return F.leaky_relu(input, self.negative_slope)

    def extra_repr(self) -> str:
        return f"negative_slope={self.negative_slope}" + (", inplace=True" if self.inplace
                                                          else "")


class Sigmoid(Module):
    """1 / (1 + exp(-x)).

    >>> from tinygrad_cnn import zeros
    >>> Sigmoid()(zeros(1)).tolist()
    [0.5]
    """

    def forward(self, input: Tensor) -> Tensor:
        return F.sigmoid(input)


class Tanh(Module):
    """Hyperbolic tangent.

    >>> from tinygrad_cnn import zeros
    >>> Tanh()(zeros(2)).tolist()
    [0.0, 0.0]
    """

    def forward(self, input: Tensor) -> Tensor:
        return F.tanh(input)


class GELU(Module):
    """x·Φ(x), or its tanh approximation (approximate='tanh').

    >>> from tinygrad_cnn import Tensor
    >>> GELU()(Tensor([0.0, 1.0]))
    tensor([0.0000, 0.8413])
    """

    def __init__(self, approximate: str = "none") -> None:
        super().__init__()
        if approximate not in ("none", "tanh"):  # refused here, not at the first forward
            raise ValueError(f"GELU: approximate must be 'none' or 'tanh', got {approximate!r}")
        self.approximate = approximate

    def extra_repr(self) -> str:
        return f"approximate='{self.approximate}'"

    def forward(self, input: Tensor) -> Tensor:
        return F.gelu(input, self.approximate)


class SiLU(ReLU):
    """x·sigmoid(x) (`inplace=True` writes into the input, as ReLU).

    >>> from tinygrad_cnn import Tensor
    >>> SiLU()(Tensor([0.0, 1.0]))
    tensor([0.0000, 0.7311])
    """

    def forward(self, input: Tensor) -> Tensor:
        return F.silu(input, self.inplace)


class _AlongDim(Module):
    """Shared by Softmax and LogSoftmax: apply `normalize(input, dim)`."""

    normalize = staticmethod(F.softmax)

    def __init__(self, dim: Optional[int] = None) -> None:
        super().__init__()
        self.dim = dim

    def forward(self, input: Tensor) -> Tensor:
        return self.normalize(input, self.dim)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class Softmax(_AlongDim):
    """Normalise exp(x) to sum to 1 along `dim`.

    >>> from tinygrad_cnn import zeros
    >>> Softmax(dim=1)(zeros(1, 4)).tolist()
    [[0.25, 0.25, 0.25, 0.25]]
    """

    normalize = staticmethod(F.softmax)


class LogSoftmax(_AlongDim):
    """log(softmax(x)) along `dim`, computed stably (pair it with NLLLoss).

    >>> from tinygrad_cnn import zeros
    >>> [round(v, 4) for v in LogSoftmax(dim=1)(zeros(1, 2)).tolist()[0]]
    [-0.6931, -0.6931]
    """

    normalize = staticmethod(F.log_softmax)
