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


# one short doctest per generated free function, run through `__test__` below; the
# examples use `x = tensor([[1., -2.], [3., 4.]])`
_EXAMPLES = {
    "add": ("add(x, 1).tolist()", "[[2.0, -1.0], [4.0, 5.0]]"),
    "sub": ("sub(x, 1).tolist()", "[[0.0, -3.0], [2.0, 3.0]]"),
    "mul": ("mul(x, 2).tolist()", "[[2.0, -4.0], [6.0, 8.0]]"),
    "div": ("div(x, 2).tolist()", "[[0.5, -1.0], [1.5, 2.0]]"),
    "pow": ("pow(x, 2).tolist()", "[[1.0, 4.0], [9.0, 16.0]]"),
    "neg": ("neg(x).tolist()", "[[-1.0, 2.0], [-3.0, -4.0]]"),
    "exp": ("exp(zeros(2)).tolist()", "[1.0, 1.0]"),
    "log": ("log(ones(2)).tolist()", "[0.0, 0.0]"),
    "sqrt": ("sqrt(tensor([4.0, 9.0])).tolist()", "[2.0, 3.0]"),
    "abs": ("abs(x).tolist()", "[[1.0, 2.0], [3.0, 4.0]]"),
    "clamp": ("clamp(x, min=0).tolist()", "[[1.0, 0.0], [3.0, 4.0]]"),
    "clip": ("clip(x, -1, 1).tolist()", "[[1.0, -1.0], [1.0, 1.0]]"),
    "maximum": ("maximum(x, zeros(2)).tolist()", "[[1.0, 0.0], [3.0, 4.0]]"),
    "minimum": ("minimum(x, zeros(2)).tolist()", "[[0.0, -2.0], [0.0, 0.0]]"),
    "matmul": ("matmul(x, eye(2)).tolist()", "[[1.0, -2.0], [3.0, 4.0]]"),
    "sum": ("sum(x, 1).tolist()", "[-1.0, 7.0]"),
    "mean": ("mean(x, 0).tolist()", "[2.0, 1.0]"),
    "max": ("max(x, 1).values.tolist()", "[1.0, 4.0]"),
    "min": ("min(x).item()", "-2.0"),
    "amax": ("amax(x, 1).tolist()", "[1.0, 4.0]"),
    "amin": ("amin(x, 0).tolist()", "[1.0, -2.0]"),
    "argmax": ("argmax(x, 1).tolist()", "[0, 1]"),
    "argmin": ("argmin(x).item()", "1"),
    "var": ("var(x).item()", "7.0"),
    "std": ("round(std(x, 1).tolist()[1], 4)", "0.7071"),
    "reshape": ("reshape(x, (4,)).tolist()", "[1.0, -2.0, 3.0, 4.0]"),
    "flatten": ("flatten(x).shape", "(4,)"),
    "transpose": ("transpose(x, 0, 1).tolist()", "[[1.0, 3.0], [-2.0, 4.0]]"),
    "permute": ("permute(x, 1, 0).tolist()", "[[1.0, 3.0], [-2.0, 4.0]]"),
    "squeeze": ("squeeze(zeros(1, 2)).shape", "(2,)"),
    "unsqueeze": ("unsqueeze(zeros(2), 0).shape", "(1, 2)"),
    "relu": ("relu(x).tolist()", "[[1.0, 0.0], [3.0, 4.0]]"),
    "sigmoid": ("sigmoid(zeros(1)).tolist()", "[0.5]"),
    "tanh": ("tanh(zeros(1)).tolist()", "[0.0]"),
    "softmax": ("softmax(zeros(2), 0).tolist()", "[0.5, 0.5]"),
    "log_softmax": ("[round(v, 4) for v in log_softmax(zeros(2), 0).tolist()]",
                    "[-0.6931, -0.6931]"),
    "clone": ("clone(x).tolist() == x.tolist()", "True"),
    "detach": ("detach(ones(1, requires_grad=True)).requires_grad", "False"),
    "flip": ("flip(x, 0).tolist()", "[[3.0, 4.0], [1.0, -2.0]]"),
    "cumsum": ("cumsum(x, 1).tolist()", "[[1.0, -1.0], [3.0, 7.0]]"),
    "prod": ("prod(x).item()", "-24.0"),
    "all": ("all(x > 0).item()", "False"),
    "any": ("any(x > 0).item()", "True"),
    "sort": ("sort(x, 1).values.tolist()", "[[-2.0, 1.0], [3.0, 4.0]]"),
    "argsort": ("argsort(x, 1).tolist()", "[[1, 0], [0, 1]]"),
    "topk": ("topk(x, 1).values.tolist()", "[[1.0], [4.0]]"),
    "gather": ("gather(x, 1, tensor([[1], [0]])).tolist()", "[[-2.0], [3.0]]"),
    "index_select": ("index_select(x, 0, tensor([1])).tolist()", "[[3.0, 4.0]]"),
    "chunk": ("[t.shape for t in chunk(x, 2)]", "[(1, 2), (1, 2)]"),
    "split": ("[t.shape for t in split(x, 1, dim=1)]", "[(2, 1), (2, 1)]"),
    "norm": ("norm(tensor([3.0, 4.0])).item()", "5.0"),
    "bmm": ("bmm(ones(1, 2, 3), ones(1, 3, 1)).tolist()", "[[[3.0], [3.0]]]"),
}


def _method(name: str):
    def fn(input: Tensor, *args: Any, **kwargs: Any) -> Any:
        return getattr(as_tensor(input), name)(*args, **kwargs)

    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = f"Same as `Tensor.{name}`."
    if name in _EXAMPLES:
        call, result = _EXAMPLES[name]
        fn.__doc__ += (f"\n\n    >>> from tinygrad_cnn import {name}, eye, ones, tensor, zeros"
                       f"\n    >>> x = tensor([[1., -2.], [3., 4.]])"
                       f"\n    >>> {call}\n    {result}\n    ")
    return fn


_METHODS = ("add", "sub", "mul", "div", "pow", "neg", "exp", "log", "sqrt", "abs", "clamp",
              "clip", "maximum", "minimum", "matmul", "sum", "mean", "max", "min", "amax",
              "amin", "argmax", "argmin", "var", "std", "reshape", "flatten", "transpose",
              "permute", "squeeze", "unsqueeze", "relu", "sigmoid", "tanh", "softmax",
              "log_softmax", "clone", "detach", "flip", "cumsum", "prod", "all", "any",
              "sort", "argsort", "topk", "gather", "index_select", "chunk", "split", "norm",
              "bmm")
# torch-style free functions (`exp(x)`, `sum(x, dim)`); kept in a dict rather than this
# module's globals so that `max`, `sum`, `abs` do not shadow the builtins used here
METHOD_FUNCTIONS = {name: _method(name) for name in _METHODS}
# doctest only collects functions found in a module's globals; the generated ones live in
# METHOD_FUNCTIONS, so hand them over explicitly
__test__ = dict(METHOD_FUNCTIONS)


def einsum(equation: str, *operands: Tensor) -> Tensor:
    """Einstein summation (see `ops/einsum.py`).

    >>> from tinygrad_cnn import ones
    >>> einsum("bij,bjk->bik", ones(2, 1, 3), ones(2, 3, 1)).shape
    (2, 1, 1)
    """
    from .ops.einsum import einsum as _einsum
    return _einsum(equation, *operands)


def numel(input: Tensor) -> int:
    """Number of elements of a tensor.

    >>> from tinygrad_cnn import zeros
    >>> numel(zeros(2, 3))
    6
    """
    return input.numel()


def is_tensor(obj: Any) -> bool:
    """True if `obj` is a Tensor.

    >>> from tinygrad_cnn import tensor
    >>> is_tensor(tensor([1.0])), is_tensor([1.0])
    (True, False)
    """
    return isinstance(obj, Tensor)


def allclose(a: Tensor, b: Tensor, rtol: float = 1e-5, atol: float = 1e-8,
             equal_nan: bool = False) -> bool:
    """True if `a` and `b` are elementwise equal within `atol + rtol * |b|` (as numpy).

    >>> from tinygrad_cnn import tensor
    >>> allclose(tensor([1.0, 2.0]), tensor([1.0, 2.0 + 1e-7]))
    True
    >>> allclose(tensor([1.0]), tensor([1.1]))
    False
    """
    return bool(np.allclose(np.asarray(a), np.asarray(b), rtol, atol, equal_nan))
