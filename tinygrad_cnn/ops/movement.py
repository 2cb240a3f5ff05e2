"""More data movement, as torch has it: flip (its own Function), and view_as, repeat,
chunk, split built from reshape, expand and slicing (their gradients come from those)."""
from __future__ import annotations

from typing import Any, Sequence, Tuple, Union

import numpy as np

from ..autograd.function import Function
from .circuit import moves
from .shape import getitem, reshape, shape_args, wrap_dim


class Flip(Function):
    category = "shape"
    circuit = moves(lambda ids, options: np.flip(ids, options["dims"]))

    def forward(self, a, dims=()):
        self.dims = dims
        return np.flip(a, dims).copy()

    def backward(self, g):
        return np.flip(g, self.dims).copy()


def flip(input: Any, *dims: Any) -> Any:
    """Reverse the order of elements along `dims`.

    >>> from tinygrad_cnn import Tensor
    >>> flip(Tensor([[1.0, 2.0], [3.0, 4.0]]), 1)
    tensor([[2., 1.],
            [4., 3.]])
    """
    dims = tuple(wrap_dim(d, max(input.ndim, 1)) for d in shape_args(dims))
    if len(set(dims)) != len(dims):
        raise RuntimeError(f"dims has duplicates: {dims}")
    return Flip.apply(input, dims=dims) if input.ndim else input * 1


def view_as(input: Any, other: Any) -> Any:
    """`input` reshaped to `other`'s shape.

    >>> from tinygrad_cnn import Tensor, zeros
    >>> view_as(Tensor([[1.0, 2.0]]), zeros(2, 1)).shape
    (2, 1)
    """
    return reshape(input, other.shape)


def repeat(input: Any, *sizes: Any) -> Any:
    """Tile `input` `sizes[i]` times along each dimension (torch.Tensor.repeat).

    >>> from tinygrad_cnn import Tensor
    >>> repeat(Tensor([1.0, 2.0]), 2, 2)
    tensor([[1., 2., 1., 2.],
            [1., 2., 1., 2.]])
    """
    reps = shape_args(sizes)
    if len(reps) < input.ndim:
        raise RuntimeError("Number of dimensions of repeat dims can not be smaller than "
                           f"number of dimensions of tensor ({reps} for shape {input.shape})")
    shape = (1,) * (len(reps) - input.ndim) + tuple(input.shape)
    # (1, n0, 1, n1, ...) expanded to (r0, n0, r1, n1, ...), then merged pairwise
    spread = reshape(input, tuple(x for n in shape for x in (1, n)))
    tiled = spread.expand(tuple(x for r, n in zip(reps, shape) for x in (r, n)))
    return reshape(tiled, tuple(r * n for r, n in zip(reps, shape)))


def split(input: Any, split_size_or_sections: Union[int, Sequence[int]],
          dim: int = 0) -> Tuple[Any, ...]:
    """Pieces of `split_size` along `dim` (the last may be smaller), or of the given sizes.

    >>> from tinygrad_cnn import arange
    >>> [t.tolist() for t in split(arange(5), 2)]
    [[0, 1], [2, 3], [4]]
    """
    dim = wrap_dim(dim, input.ndim)
    length = input.shape[dim]
    if isinstance(split_size_or_sections, (int, np.integer)):
        step = int(split_size_or_sections)
        if step <= 0 and length:
            raise RuntimeError(f"split_size can only be 0 if dimension size is 0, got {step}")
        sizes = [min(step, length - s) for s in range(0, length, step)] if step else [0]
    else:
        sizes = [int(s) for s in split_size_or_sections]
        if sum(sizes) != length or any(s < 0 for s in sizes):
            raise RuntimeError(f"split_with_sizes expects split_sizes to sum exactly to "
                               f"{length} (input tensor's size at dimension {dim}), but got "
                               f"split_sizes={sizes}")
    starts = np.cumsum([0] + sizes[:-1])
    lead = (slice(None),) * dim
    return tuple(getitem(input, lead + (slice(int(s), int(s) + n),))
                 for s, n in zip(starts, sizes))


def chunk(input: Any, chunks: int, dim: int = 0) -> Tuple[Any, ...]:
    """`chunks` nearly equal pieces along `dim` (torch's rule: ceil-sized, maybe fewer).

    >>> from tinygrad_cnn import arange
    >>> [t.tolist() for t in chunk(arange(5), 3)]
    [[0, 1], [2, 3], [4]]
    """
    if chunks <= 0:
        raise RuntimeError(f"chunk expects `chunks` to be greater than 0, got: {chunks}")
    length = input.shape[wrap_dim(dim, input.ndim)]
    return split(input, max(-(-length // chunks), 1), dim)
