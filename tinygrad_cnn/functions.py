"""Free functions of the top-level namespace (`tinygrad_cnn.cat`, `tinygrad_cnn.exp`, ...),
mirroring `torch.*`. Each is a thin front door to a Tensor method or an op."""
from __future__ import annotations

from typing import Any, Optional, Sequence

import numpy as np

from functools import reduce

from . import dtypes
from .ops.shape import Cat, wrap_dim
from .tensor import Tensor, as_tensor, where  # noqa: F401  (where is re-exported)


def cat(tensors: Sequence[Tensor], dim: int = 0) -> Tensor:
    """Join tensors along an existing dimension.

    >>> from tinygrad_cnn import ones
    >>> cat([ones(2, 3), ones(1, 3)]).shape
    (3, 3)
    """
    tensors = [as_tensor(t) for t in tensors]
    if not tensors:
        raise RuntimeError("cat(): expected a non-empty list of Tensors")
    ndim = tensors[0].ndim
    if any(t.ndim == 0 for t in tensors):
        raise RuntimeError("cat(): zero-dimensional tensor cannot be concatenated "
                           f"(shapes {[t.shape for t in tensors]})")
    dim = wrap_dim(dim, ndim)
    for i, t in enumerate(tensors):
        if t.ndim != ndim or t.shape[:dim] + t.shape[dim + 1:] != \
                tensors[0].shape[:dim] + tensors[0].shape[dim + 1:]:
            raise RuntimeError(f"cat(): sizes of tensors must match except in dimension {dim}: "
                               f"tensor 0 has shape {tensors[0].shape}, tensor {i} has "
                               f"shape {t.shape}")
    dtype = reduce(dtypes.promote_types, [t.dtype for t in tensors])
    tensors = [t.type(dtype) for t in tensors]
    return Cat.apply(*tensors, dim=dim)


def stack(tensors: Sequence[Tensor], dim: int = 0) -> Tensor:
    """Join tensors along a new dimension.

    >>> from tinygrad_cnn import ones
    >>> stack([ones(2), ones(2)]).shape
    (2, 2)
    """
    tensors = [as_tensor(t) for t in tensors]
    if not tensors:
        raise RuntimeError("stack expects a non-empty list of Tensors")
    shapes = {t.shape for t in tensors}
    if len(shapes) > 1:
        raise RuntimeError(f"stack expects each tensor to be equal size, got shapes "
                           f"{[t.shape for t in tensors]}")
    dim = wrap_dim(dim, tensors[0].ndim + 1)
    return cat([t.unsqueeze(dim) for t in tensors], dim)


def _method(name: str):
    def fn(input: Tensor, *args: Any, **kwargs: Any) -> Any:
        return getattr(as_tensor(input), name)(*args, **kwargs)

    fn.__name__ = name
    fn.__doc__ = f"Same as `Tensor.{name}`."
    return fn


_METHODS = ("add", "sub", "mul", "div", "pow", "neg", "exp", "log", "sqrt", "abs", "clamp",
              "clip", "maximum", "minimum", "matmul", "sum", "mean", "max", "min", "amax",
              "amin", "argmax", "argmin", "var", "std", "reshape", "flatten", "transpose",
              "permute", "squeeze", "unsqueeze", "relu", "sigmoid", "tanh", "softmax",
              "log_softmax", "clone", "detach")
# torch-style free functions (`exp(x)`, `sum(x, dim)`); kept in a dict rather than this
# module's globals so that `max`, `sum`, `abs` do not shadow the builtins used here
METHOD_FUNCTIONS = {name: _method(name) for name in _METHODS}


def numel(input: Tensor) -> int:
    return input.numel()


def is_tensor(obj: Any) -> bool:
    return isinstance(obj, Tensor)


def allclose(a: Tensor, b: Tensor, rtol: float = 1e-5, atol: float = 1e-8,
             equal_nan: bool = False) -> bool:
    return bool(np.allclose(np.asarray(a), np.asarray(b), rtol, atol, equal_nan))



