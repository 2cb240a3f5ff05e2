"""`Flatten`."""
from __future__ import annotations

from ...checks import integer
from ...tensor import Tensor
from .. import functional as F
from ..module import Module


class Flatten(Module):
    """Merge dims start_dim..end_dim (by default all but the batch dim).

    >>> from tinygrad_cnn import zeros
    >>> Flatten()(zeros(2, 64, 5, 5)).shape
    (2, 1600)
    """

    def __init__(self, start_dim: int = 1, end_dim: int = -1) -> None:
        super().__init__()
        self.start_dim = integer(start_dim, "start_dim", owner="Flatten")
        self.end_dim = integer(end_dim, "end_dim", owner="Flatten")

    def forward(self, input: Tensor) -> Tensor:
        return F.flatten(input, self.start_dim, self.end_dim)

    def extra_repr(self) -> str:
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"
