"""layer_norm and group_norm, built from mean/var/arithmetic ops (their gradients come
from those; the graph shows the steps)."""
from __future__ import annotations

from typing import Any, Optional, Sequence

from .shape import reshape


def _normalize(x: Any, dims: tuple, eps: float) -> Any:
    mean = x.mean(dims, keepdim=True)
    centered = x - mean
    var = (centered * centered).mean(dims, keepdim=True)  # biased, as torch normalizes
    return centered / (var + eps).sqrt()


def layer_norm(input: Any, normalized_shape: Sequence[int], weight: Optional[Any] = None,
               bias: Optional[Any] = None, eps: float = 1e-5) -> Any:
    """Normalize over the last len(normalized_shape) dims, then scale and shift.

    >>> from tinygrad_cnn import Tensor
    >>> layer_norm(Tensor([[1.0, 3.0]]), (2,))
    tensor([[-1.0000,  1.0000]])
    """
    shape = (normalized_shape,) if isinstance(normalized_shape, int) else \
        tuple(normalized_shape)
    if tuple(input.shape[input.ndim - len(shape):]) != shape or len(shape) > input.ndim:
        raise RuntimeError(f"Given normalized_shape={list(shape)}, expected input with shape "
                           f"[*, {', '.join(map(str, shape))}], but got input of size "
                           f"{list(input.shape)}")
    out = _normalize(input, tuple(range(input.ndim - len(shape), input.ndim)), eps)
    if weight is not None:
        out = out * weight
    return out + bias if bias is not None else out


def group_norm(input: Any, num_groups: int, weight: Optional[Any] = None,
               bias: Optional[Any] = None, eps: float = 1e-5) -> Any:
    """Normalize each group of channels of each sample, then scale and shift per channel.

    >>> from tinygrad_cnn import Tensor
    >>> group_norm(Tensor([[[1.0], [3.0]]]), 1).reshape(-1)
    tensor([-1.0000,  1.0000])
    """
    if input.ndim < 2:
        raise RuntimeError(f"group_norm expects an input of shape (N, C, *), got "
                           f"{list(input.shape)}")
    n, c = input.shape[:2]
    if num_groups <= 0 or c % num_groups:
        raise RuntimeError(f"Expected number of channels in input to be divisible by "
                           f"num_groups, but got input of shape {list(input.shape)} and "
                           f"num_groups={num_groups}")
    grouped = reshape(input, (n, num_groups, -1))
    out = reshape(_normalize(grouped, (2,), eps), input.shape)
    per_channel = (c,) + (1,) * (input.ndim - 2)
    if weight is not None:
        out = out * reshape(weight, per_channel)
    return out + reshape(bias, per_channel) if bias is not None else out
