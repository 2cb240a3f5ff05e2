"""`Parameter`: a leaf tensor that a Module registers as learnable."""
from __future__ import annotations

from typing import Any

from ..tensor import Tensor


class Parameter(Tensor):
    """A Tensor that requires grad by default and is found by `Module.parameters()`.

    >>> from tinygrad_cnn import nn, zeros
    >>> p = nn.Parameter(zeros(3))
    >>> p.requires_grad
    True
    """

    def __init__(self, data: Any = None, requires_grad: bool = True) -> None:
        if data is None:
            data = []
        super().__init__(data._data if isinstance(data, Tensor) else data,
                         requires_grad=requires_grad)

    def __repr__(self) -> str:
        return "Parameter containing:\n" + super().__repr__()
