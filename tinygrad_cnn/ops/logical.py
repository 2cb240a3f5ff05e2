"""all and any: whether every / some element is nonzero (bool results, no gradient)."""
from __future__ import annotations

from typing import Any, Optional

import numpy as np

from .reduce import normalize_dims


def _test(input: Any, reduce: Any, dim: Any, keepdim: bool) -> Any:
    axes = normalize_dims(dim, input.ndim) if dim is not None else None
    out = reduce(input._data.astype(bool, copy=False), axis=axes, keepdims=keepdim)
    return type(input)._wrap(np.asarray(out), False)


def all(input: Any, dim: Optional[Any] = None, keepdim: bool = False) -> Any:
    """True where every element (along `dim`) is nonzero.

    >>> from tinygrad_cnn import Tensor
    >>> all(Tensor([[1.0, 0.0], [2.0, 3.0]]), dim=1), all(Tensor([1.0, 2.0]))
    (tensor([False,  True]), tensor(True))
    """
    return _test(input, np.all, dim, keepdim)


def any(input: Any, dim: Optional[Any] = None, keepdim: bool = False) -> Any:
    """True where some element (along `dim`) is nonzero.

    >>> from tinygrad_cnn import Tensor
    >>> any(Tensor([[1.0, 0.0], [0.0, 0.0]]), dim=1)
    tensor([ True, False])
    """
    return _test(input, np.any, dim, keepdim)
