"""Clip gradients in place before `optimizer.step()`: by their total norm or elementwise."""
from __future__ import annotations

import math
from typing import Iterable, List, Union

import numpy as np

from ...tensor import Tensor

Params = Union[Tensor, Iterable[Tensor]]


def _grads(parameters: Params) -> List[np.ndarray]:
    """The gradient arrays (shared with `.grad`, so writes clip in place) that exist."""
    params = [parameters] if isinstance(parameters, Tensor) else list(parameters)
    return [np.asarray(p.grad) for p in params if p.grad is not None]


def get_total_norm(tensors: Params, norm_type: float = 2.0,
                   error_if_nonfinite: bool = False) -> Tensor:
    """The `norm_type`-norm of all the tensors' values together, as torch computes it:
    the norm of the per-tensor norms (`inf` = the largest absolute value).

    >>> get_total_norm([Tensor([3.0]), Tensor([4.0])])
    tensor(5.)
    """
    arrays = [np.asarray(t) for t in ([tensors] if isinstance(tensors, Tensor) else tensors)]
    return _total_norm(arrays, float(norm_type), error_if_nonfinite)


def _total_norm(arrays: List[np.ndarray], norm_type: float, error_if_nonfinite: bool) -> Tensor:
    if not arrays:
        return Tensor(np.float32(0.0))
    dtype = np.result_type(*arrays)
    per_tensor = np.array([_norm(a, norm_type) for a in arrays], dtype=dtype)
    total = _norm(per_tensor, norm_type).astype(dtype)
    if error_if_nonfinite and not np.isfinite(total):
        raise RuntimeError(
            f"The total norm of order {norm_type} for gradients from `parameters` is "
            "non-finite, so it cannot be clipped. To disable this error and scale the "
            "gradients by the non-finite norm anyway, set `error_if_nonfinite=False`")
    return Tensor(np.asarray(total))


def _norm(a: np.ndarray, norm_type: float) -> np.ndarray:
    flat = np.abs(a.ravel())
    if math.isinf(norm_type):
        return flat.max() if norm_type > 0 else flat.min()
    if norm_type == 2:
        return np.sqrt(np.dot(flat, flat))  # one BLAS call instead of power and sum
    return np.sum(flat ** norm_type) ** (1.0 / norm_type)


def clip_grad_norm_(parameters: Params, max_norm: float, norm_type: float = 2.0,
                    error_if_nonfinite: bool = False, foreach=None) -> Tensor:
    """Scale all gradients together so their total norm is at most `max_norm`; returns
    the total norm before clipping (as torch.nn.utils.clip_grad_norm_).

    >>> w = Tensor([0.0, 0.0], requires_grad=True); (w * Tensor([3.0, 4.0])).sum().backward()
    >>> clip_grad_norm_([w], max_norm=1.0), w.grad
    (tensor(5.), tensor([0.6000, 0.8000]))
    """
    grads = _grads(parameters)
    total = _total_norm(grads, float(norm_type), error_if_nonfinite)
    coef = min(float(max_norm) / (float(total) + 1e-6), 1.0)
    for g in grads:
        np.multiply(g, g.dtype.type(coef), out=g)
    return total


def clip_grad_value_(parameters: Params, clip_value: float, foreach=None) -> None:
    """Clamp every gradient element into `[-clip_value, clip_value]` in place.

    >>> w = Tensor([0.0, 0.0], requires_grad=True); (w * Tensor([-3.0, 0.5])).sum().backward()
    >>> clip_grad_value_([w], 1.0); w.grad
    tensor([-1.0000,  0.5000])
    """
    for g in _grads(parameters):
        np.clip(g, -clip_value, clip_value, out=g)
