"""`Dropout` and `Dropout2d`."""
from __future__ import annotations

from ...checks import real
from ...tensor import Tensor
from .. import functional as F
from ..module import Module


class Dropout(Module):
    """In training mode zero each element with probability p and scale the survivors by
    1/(1-p); in eval mode do nothing. Masks come from the library generator.

    >>> from tinygrad_cnn import ones
    >>> Dropout(0.5).eval()(ones(3)).tolist()
    [1.0, 1.0, 1.0]
    """

    def __init__(self, p: float = 0.5, inplace: bool = False) -> None:
        super().__init__()
        if not 0.0 <= real(p, "dropout probability", "Dropout") <= 1.0:
            raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
        self.p, self.inplace = p, inplace

    def forward(self, input: Tensor) -> Tensor:
        return F.dropout(input, self.p, self.training, self.inplace)

    def extra_repr(self) -> str:
        return f"p={self.p}, inplace={self.inplace}"


class Dropout2d(Dropout):
    """Zero whole channels of (N, C, H, W) inputs with probability p (training only).

    >>> from tinygrad_cnn import ones
    >>> Dropout2d(0.5).eval()(ones(1, 2, 1, 1)).reshape(-1).tolist()
    [1.0, 1.0]
    """

    def forward(self, input: Tensor) -> Tensor:
        return F.dropout2d(input, self.p, self.training, self.inplace)
