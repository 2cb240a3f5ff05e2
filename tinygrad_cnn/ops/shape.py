"""Ops that move data without computing: forward and local gradient side by side."""
from __future__ import annotations

from typing import Any, Tuple

import numpy as np

from ..autograd.function import Function
from ..checks import integer
from .circuit import moves


def wrap_dim(dim: int, ndim: int) -> int:
    """A possibly negative `dim` as an axis in [0, ndim); a 0-d tensor accepts 0 and -1.

    >>> wrap_dim(-1, 3)
    2
    """
    if isinstance(dim, bool) or not isinstance(dim, (int, np.integer)):
        raise TypeError(f"dim must be an int, got {dim!r} ({type(dim).__name__})")
    n = max(ndim, 1)
    if not -n <= dim < n:
        raise IndexError(f"Dimension out of range (expected to be in range of [{-n}, {n - 1}], "
                         f"but got {dim})")
    return dim % n


class Reshape(Function):
    category, circuit = "shape", moves(lambda ids, options: ids)

    def forward(self, a, shape=None):
        self.in_shape = a.shape
        if any(d < -1 for d in shape) or list(shape).count(-1) > 1:  # numpy takes any < 0
            raise RuntimeError(f"shape {tuple(shape)} is invalid: sizes must be >= 0, with "
                               "at most one -1 (inferred)")
        try:
            return a.reshape(shape)
        except ValueError:
            raise RuntimeError(f"shape {tuple(shape)} is invalid for input of size {a.size} "
                               f"(shape {a.shape})") from None

    def backward(self, g):
        return g.reshape(self.in_shape)


class Permute(Function):
    category, circuit = "shape", moves(lambda ids, options: ids.transpose(options["dims"]))

    def forward(self, a, dims=None):
        self.dims = dims
        return a.transpose(dims)

    def backward(self, g):
        return g.transpose(np.argsort(self.dims))


class Expand(Function):
    """Broadcast to a larger shape without copying; the engine sums the gradient back."""
    category = "shape"
    circuit = moves(lambda ids, options: np.broadcast_to(ids, options["shape"]))


    def forward(self, a, shape=None):
        return np.broadcast_to(a, shape)

    def backward(self, g):
        return g


class Getitem(Function):
    """Basic and advanced (integer-array, boolean) indexing; the gradient scatters back."""
    category, circuit = "shape", moves(lambda ids, options: ids[options["index"]])


    def forward(self, a, index=None):
        self.in_shape, self.index = a.shape, index
        self.advanced = _is_advanced(index)
        return a[index]

    def backward(self, g):
        grad = np.zeros(self.in_shape, dtype=g.dtype)
        if self.advanced:
            np.add.at(grad, self.index, g)  # repeated indices accumulate
        else:
            grad[self.index] = g
        return grad


def _is_advanced(index) -> bool:
    parts = index if isinstance(index, tuple) else (index,)
    return any(isinstance(p, (np.ndarray, list)) for p in parts)


class Cat(Function):
    category = "shape"

    def forward(self, *arrays, dim=0):
        self.dim = dim
        self.splits = np.cumsum([a.shape[dim] for a in arrays])[:-1]
        return np.concatenate(arrays, axis=dim)

    def backward(self, g):
        return tuple(np.split(g, self.splits, axis=self.dim))


class Pad(Function):
    """Constant padding; `pad` is PyTorch's flat tuple, last dimension first."""
    category = "shape"


    def forward(self, a, pad=(), value=0.0):
        widths = [(0, 0)] * a.ndim
        for i in range(len(pad) // 2):
            widths[a.ndim - 1 - i] = (pad[2 * i], pad[2 * i + 1])
        self.slices = tuple(slice(lo, n + lo) for (lo, _), n in zip(widths, a.shape))
        if any(lo < 0 or hi < 0 for lo, hi in widths):
            raise ValueError(f"negative padding {tuple(pad)} is not supported")
        if not widths:  # a 0-d tensor: nothing to pad (numpy's pad refuses it)
            return a.copy()
        return np.pad(a, widths, mode="constant", constant_values=value)

    def backward(self, g):
        return g[self.slices]


# ----- user-facing functions: Tensor methods (tensor.py's table) and nn.functional -----
def shape_args(args: tuple) -> Tuple[int, ...]:
    """Accept both f(2, 3) and f((2, 3)), as PyTorch does."""
    if len(args) == 1 and isinstance(args[0], (tuple, list)):
        args = tuple(args[0])
    return tuple(integer(a, "size") for a in args)  # 2.5 is refused, not truncated


def reshape(input, *shape: Any) -> Any:
    """The same elements in a new shape; one size may be -1 (inferred). Takes sizes as
    arguments or as one tuple; `view` is an alias.

    >>> from tinygrad_cnn import Tensor
    >>> t = Tensor([1.0, 2.0, 3.0, 4.0, 5.0, 6.0])
    >>> t.reshape(2, 3)
    tensor([[1., 2., 3.],
            [4., 5., 6.]])
    >>> t.view((-1, 2)).shape
    (3, 2)
    """
    return _reshape(input, shape_args(shape))


def flatten(input, start_dim: int = 0, end_dim: int = -1) -> Any:
    """Merge dims start_dim..end_dim into one.

    >>> from tinygrad_cnn import Tensor
    >>> t = Tensor(np.zeros((2, 3, 4)))
    >>> t.flatten().shape, t.flatten(1).shape, t.flatten(0, 1).shape
    ((24,), (2, 12), (6, 4))
    """
    s, e = wrap_dim(start_dim, input.ndim), wrap_dim(end_dim, input.ndim)
    if input.ndim == 0:
        return input.reshape(1)
    if s > e:
        raise RuntimeError("flatten() has invalid args: start_dim cannot come after end_dim")
    merged = int(np.prod(input.shape[s:e + 1]))  # not -1: ambiguous for an empty batch
    return input.reshape(input.shape[:s] + (merged,) + input.shape[e + 1:]) if s != e else input


def permute(input, *dims: Any) -> Any:
    """Reorder the dimensions: output dim i is input dim `dims[i]`.

    >>> from tinygrad_cnn import Tensor
    >>> Tensor(np.zeros((2, 3, 4))).permute(2, 0, 1).shape
    (4, 2, 3)
    """
    dims = tuple(wrap_dim(d, input.ndim) for d in shape_args(dims))
    if sorted(dims) != list(range(input.ndim)):
        raise RuntimeError(f"permute: dims {dims} are not a permutation of the "
                           f"{input.ndim} dimensions of shape {input.shape}")
    return Permute.apply(input, dims=dims)


def transpose(input, dim0: int, dim1: int) -> Any:
    """Swap two dimensions.

    >>> from tinygrad_cnn import Tensor
    >>> Tensor([[1.0, 2.0, 3.0]]).transpose(0, 1)
    tensor([[1.],
            [2.],
            [3.]])
    """
    dims = list(range(input.ndim))
    dim0, dim1 = wrap_dim(dim0, input.ndim), wrap_dim(dim1, input.ndim)
    if input.ndim < 2:
        return input
    dims[dim0], dims[dim1] = dims[dim1], dims[dim0]
    return input.permute(dims)


def t(input) -> Any:
    """The transpose (see `T`).

    >>> from tinygrad_cnn import Tensor
    >>> Tensor([[1.0, 2.0, 3.0]]).t().shape
    (3, 1)
    """
    return input.T


def squeeze(input, dim: Optional[int] = None) -> Any:
    """Drop size-1 dims: all of them, or only `dim` (unchanged if its size is not 1).

    >>> from tinygrad_cnn import Tensor
    >>> t = Tensor(np.zeros((1, 3, 1)))
    >>> t.squeeze().shape, t.squeeze(0).shape, t.squeeze(1).shape
    ((3,), (3, 1), (1, 3, 1))
    """
    if dim is None:
        return input.reshape(tuple(n for n in input.shape if n != 1))
    dim = wrap_dim(dim, input.ndim)
    if input.ndim == 0 or input.shape[dim] != 1:
        return input
    return input.reshape(input.shape[:dim] + input.shape[dim + 1:])


def unsqueeze(input, dim: int) -> Any:
    """Insert a size-1 dim at position `dim` (negative counts from the end).

    >>> from tinygrad_cnn import Tensor
    >>> t = Tensor([1.0, 2.0])
    >>> t.unsqueeze(0).shape, t.unsqueeze(-1).shape
    ((1, 2), (2, 1))
    """
    dim = wrap_dim(dim, input.ndim + 1)
    return input.reshape(input.shape[:dim] + (1,) + input.shape[dim:])


def expand(input, *sizes: Any) -> Any:
    """Broadcast to `sizes` without copying (-1 keeps a size). The gradient sums
    over the broadcast dims.

    >>> from tinygrad_cnn import Tensor
    >>> x = Tensor([[1.0], [2.0]], requires_grad=True)
    >>> x.detach().expand(-1, 3)
    tensor([[1., 1., 1.],
            [2., 2., 2.]])
    >>> x.expand(2, 3).sum().backward(); x.grad
    tensor([[3.],
            [3.]])
    """
    sizes = shape_args(sizes)
    lead = len(sizes) - input.ndim
    target = tuple(input.shape[i - lead] if n == -1 and i >= lead else n
                   for i, n in enumerate(sizes))
    ok = lead >= 0 and all(old in (1, new) for old, new in zip(input.shape, target[lead:]))
    if not ok or min(target, default=0) < 0:
        raise RuntimeError(f"expand: shape {input.shape} cannot be expanded to {sizes}: "
                           "only size-1 dims can grow and -1 only keeps an existing dim")
    return Expand.apply(input, shape=target)


def expand_as(input, other: Any) -> Any:
    """`expand` to `other`'s shape.

    >>> from tinygrad_cnn import Tensor
    >>> Tensor([1.0, 2.0]).expand_as(Tensor(np.zeros((3, 2)))).shape
    (3, 2)
    """
    return input.expand(other.shape)


def getitem(input, index: Any) -> Any:
    """numpy-style indexing: ints, slices, None, and integer or bool tensors/lists.
    Gradients flow back to the selected elements.

    >>> from tinygrad_cnn import Tensor, tensor
    >>> x = Tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    >>> x.detach()[:, 0], x.detach()[tensor([1, 0]), tensor([0, 1])]
    (tensor([1., 3.]), tensor([3., 2.]))
    >>> x[1].sum().backward(); x.grad
    tensor([[0., 0.],
            [1., 1.]])
    """
    return Getitem.apply(input, index=_numpy_index(index, type(input)))


def _reshape(t: Any, new_shape: Tuple[int, ...]) -> Any:
    """`t` in `new_shape` (no op recorded when the shape is unchanged)."""
    if new_shape == t.shape:
        return t
    return Reshape.apply(t, shape=new_shape)


def _numpy_index(index: Any, tensor: type) -> Any:
    """Tensors (of class `tensor`) and lists inside an index become numpy arrays."""
    if isinstance(index, tuple):
        return tuple(_numpy_index(i, tensor) for i in index)
    if isinstance(index, tensor):
        return index._data
    if isinstance(index, list):
        return np.asarray(index)
    return index
