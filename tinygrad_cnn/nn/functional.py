"""`tinygrad_cnn.nn.functional` (import as F): PyTorch's functional API.

Thin front doors: each checks its arguments, then calls an op in `tinygrad_cnn.ops`
(where the forward and local gradient live).

>>> from tinygrad_cnn import Tensor
>>> from tinygrad_cnn.nn import functional as F
>>> F.relu(Tensor([-1.0, 2.0]))
tensor([0., 2.])
"""
from __future__ import annotations

import warnings
from typing import Optional, Sequence

import numpy as np

from ..checks import integer, real
from ..ops.activation import leaky_relu  # noqa: F401  (re-exported)
from ..ops.batch_norm import BatchNorm, batch_statistics
from ..ops.conv2d import conv2d  # noqa: F401  (re-exported)
from ..ops.conv_transpose2d import conv_transpose2d  # noqa: F401
from ..ops.dropout2d import dropout2d  # noqa: F401
from ..ops.gelu import gelu, silu  # noqa: F401
from ..ops.inplace import apply_inplace
from ..ops.interpolate import interpolate  # noqa: F401
from ..ops.linear import linear  # noqa: F401
from ..ops.normalization import group_norm, layer_norm  # noqa: F401
from ..ops.one_hot import one_hot  # noqa: F401
from ..ops.dropout import Dropout
from ..ops.hardtanh import hardtanh  # noqa: F401
from ..ops.loss import (BinaryCrossEntropy, BinaryCrossEntropyWithLogits, NLLLoss,
                        check_reduction)
from ..ops.pooling import adaptive_avg_pool2d, avg_pool2d, max_pool2d  # noqa: F401
from ..ops.shape import Pad
from ..tensor import Tensor, as_tensor

# the public functional API; the op classes imported above (Dropout, LeakyReLU, BatchNorm,
# NLLLoss, Pad, ...) and the helpers are internals
__all__ = [
    "relu", "leaky_relu", "hardtanh", "sigmoid", "tanh", "softmax", "log_softmax",
    "linear", "matmul", "flatten", "pad", "dropout", "batch_norm",
    "conv2d", "max_pool2d", "avg_pool2d", "adaptive_avg_pool2d",
    "mse_loss", "nll_loss", "cross_entropy", "binary_cross_entropy",
    "binary_cross_entropy_with_logits",
]


# ----- activations ----------------------------------------------------------------------
def relu(input: Tensor, inplace: bool = False) -> Tensor:
    """max(0, x).

    >>> relu(Tensor([-1.0, 1.0])).tolist()
    [0.0, 1.0]
    """
    return apply_inplace(input, Tensor.relu) if inplace else input.relu()


def sigmoid(input: Tensor) -> Tensor:
    """1 / (1 + exp(-x)).

    >>> sigmoid(Tensor([0.0])).tolist()
    [0.5]
    """
    return input.sigmoid()


def tanh(input: Tensor) -> Tensor:
    """
    >>> tanh(Tensor([0.0])).tolist()
    [0.0]
    """
    return input.tanh()


def _softmax_dim(input: Tensor, dim: Optional[int]) -> int:
    if dim is not None:
        return dim
    warnings.warn("Implicit dimension choice for softmax has been deprecated. "
                  "Change the call to include dim=X as an argument.", stacklevel=3)
    return 0 if input.ndim in (0, 1, 3) else 1


def softmax(input: Tensor, dim: Optional[int] = None) -> Tensor:
    """exp(x) / sum(exp(x)) along `dim`.

    >>> softmax(Tensor([0.0, 0.0]), 0).tolist()
    [0.5, 0.5]
    """
    return input.softmax(_softmax_dim(input, dim))


def log_softmax(input: Tensor, dim: Optional[int] = None) -> Tensor:
    """log(softmax(x)), computed stably.

    >>> log_softmax(Tensor([0.0, 0.0]), 0).exp().tolist()
    [0.5, 0.5]
    """
    return input.log_softmax(_softmax_dim(input, dim))


# ----- dense layers and shapes -------------------------------------------------------------
def matmul(input: Tensor, other: Tensor) -> Tensor:
    """Matrix product with broadcasting.

    >>> matmul(Tensor([[1.0, 2.0]]), Tensor([1.0, 1.0])).tolist()
    [3.0]
    """
    return input.matmul(other)


def flatten(input: Tensor, start_dim: int = 0, end_dim: int = -1) -> Tensor:
    """Merge dimensions start_dim..end_dim into one, as torch.flatten.

    >>> from tinygrad_cnn import zeros
    >>> flatten(zeros(2, 3, 4, 4), 1).shape
    (2, 48)
    """
    return input.flatten(start_dim, end_dim)


def pad(input: Tensor, pad: Sequence[int], mode: str = "constant", value: float = 0.0) -> Tensor:
    """Pad the last dimensions; `pad` = (left, right, top, bottom, ...), last dim first.

    Only mode='constant' is supported (what convolution padding needs).
    >>> pad(Tensor([[1.0]]), (1, 1)).tolist()
    [[0.0, 1.0, 0.0]]
    """
    if mode != "constant":
        raise NotImplementedError(f"pad mode {mode!r} is not supported (only 'constant')")
    if len(pad) % 2 or len(pad) // 2 > input.ndim:
        raise ValueError(f"padding {tuple(pad)} must have an even length of at most "
                         f"2 * ndim = {2 * input.ndim} for input of shape {input.shape}")
    return Pad.apply(input, pad=tuple(integer(p, "pad") for p in pad), value=value)


# ----- regularisation ----------------------------------------------------------------------
def dropout(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
    """Zero elements with probability p and scale the rest by 1/(1-p) (training only).

    >>> dropout(Tensor([1.0, 2.0]), p=0.5, training=False).tolist()
    [1.0, 2.0]
    """
    if not 0.0 <= real(p, "dropout probability") <= 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
    if not training or p == 0.0:
        return input
    return apply_inplace(input, Dropout.apply, p=p) if inplace else Dropout.apply(input, p=p)


def batch_norm(input: Tensor, running_mean: Optional[Tensor], running_var: Optional[Tensor],
               weight: Optional[Tensor] = None, bias: Optional[Tensor] = None,
               training: bool = False, momentum: float = 0.1, eps: float = 1e-5) -> Tensor:
    """Normalise each channel (axis 1) by batch statistics (training) or running ones.

    In training mode, `running_mean`/`running_var` (if given) are updated in place with
    `momentum`, the variance unbiased, as in PyTorch.
    >>> x = Tensor([[1.0], [3.0]])
    >>> [round(v, 3) for v in batch_norm(x, None, None, training=True).reshape(-1).tolist()]
    [-1.0, 1.0]
    """
    if input.ndim < 2:
        raise ValueError(f"batch_norm expects input of shape (N, C, ...), got {input.shape}")
    c = input.shape[1]
    for name, t in (("running_mean", running_mean), ("running_var", running_var),
                    ("weight", weight), ("bias", bias)):
        if t is not None and t.shape != (c,):
            raise RuntimeError(f"batch_norm: {name} has shape {t.shape} but the input "
                               f"{input.shape} has {c} channels")
    if c == 0:  # PyTorch's answers here are inconsistent (empty, or an IndexError)
        raise ValueError(f"batch_norm expects at least one channel, got input of shape "
                         f"{input.shape}")
    if training and input.numel() // c <= 1:
        raise ValueError(f"Expected more than 1 value per channel when training, got input "
                         f"size {input.shape}")
    weight = weight if weight is not None else Tensor._wrap(np.ones(c, input.dtype), False)
    bias = bias if bias is not None else Tensor._wrap(np.zeros(c, input.dtype), False)
    if training or running_mean is None:
        mean, var = batch_statistics(input._data)
        if training and running_mean is not None:
            _update_running_stats(mean, var, input, running_mean, running_var, momentum)
        return BatchNorm.apply(input, weight, bias, mean=mean, var=var, eps=eps,
                               batch_stats=True)
    return BatchNorm.apply(input, weight, bias, mean=running_mean._data,
                           var=running_var._data, eps=eps)


def _update_running_stats(mean: np.ndarray, var: np.ndarray, input: Tensor,
                          running_mean: Tensor, running_var: Optional[Tensor],
                          momentum: float) -> None:
    n = input.numel() // input.shape[1]
    running_mean._data *= 1 - momentum
    running_mean._data += momentum * mean.astype(running_mean.dtype)
    if running_var is not None:  # the running variance is unbiased, as in PyTorch
        running_var._data *= 1 - momentum
        running_var._data += momentum * (var * n / max(n - 1, 1)).astype(running_var.dtype)


# ----- losses --------------------------------------------------------------------------------
def _reduce(loss: Tensor, reduction: str) -> Tensor:
    check_reduction(reduction)
    if reduction == "mean":
        return loss.mean()
    return loss.sum() if reduction == "sum" else loss


def mse_loss(input: Tensor, target: Tensor, reduction: str = "mean") -> Tensor:
    """Mean squared error.

    >>> mse_loss(Tensor([1.0, 3.0]), Tensor([1.0, 1.0])).item()
    2.0
    """
    target = as_tensor(target, like=input)
    if input.shape != target.shape:
        warnings.warn(f"Using a target size ({target.shape}) that is different to the input "
                      f"size ({input.shape}); they will be broadcast.", stacklevel=2)
    diff = input - target
    return _reduce(diff * diff, reduction)


def _classes_last(input: Tensor) -> Tensor:
    """(N, C, d1, ...) -> (N * d1 * ..., C) so that each row is one prediction."""
    if input.ndim <= 2:
        return input.reshape(-1, input.shape[-1])
    return input.permute(0, *range(2, input.ndim), 1).reshape(-1, input.shape[1])


def _check_class_target(input: Tensor, target: Tensor, ignore_index: int) -> np.ndarray:
    t = target._data if isinstance(target, Tensor) else np.asarray(target)
    if t.dtype.kind not in "iu":
        raise TypeError(f"expected target of integer dtype (class indices) but got {t.dtype}; "
                        "class-probability targets must be float with the input's shape "
                        f"{input.shape}")
    batch = input.shape[:1] + input.shape[2:] if input.ndim >= 2 else ()
    if t.shape != batch:
        raise ValueError(f"expected target of shape {batch} for input of shape {input.shape}, "
                         f"got target of shape {t.shape}")
    n_classes = input.shape[1] if input.ndim >= 2 else input.shape[0]
    bad = (t != ignore_index) & ((t < 0) | (t >= n_classes))
    if bad.any():
        raise IndexError(f"Target {t[bad].flat[0]} is out of bounds: expected class indices in "
                         f"[0, {n_classes - 1}] for {n_classes} classes")
    return t.reshape(-1)


def _check_class_weight(weight, input: Tensor) -> Optional[np.ndarray]:
    """The per-class `weight` as an array; it must hold one value per class, as in PyTorch.
    An input without classes is refused here (PyTorch's answers for it are inconsistent)."""
    if input.ndim and input.shape[1 if input.ndim >= 2 else 0] == 0:
        raise ValueError(f"expected logits with at least one class, got input of shape "
                         f"{input.shape} with 0 classes")
    if weight is None:
        return None
    w = np.asarray(weight._data if isinstance(weight, Tensor) else weight)
    n_classes = input.shape[1] if input.ndim >= 2 else input.shape[0] if input.ndim else 1
    if w.shape != (n_classes,):
        raise RuntimeError(f"weight tensor should be defined either for all {n_classes} "
                           f"classes or no classes but got weight tensor of shape: "
                           f"{list(w.shape)}")
    return w


def _mean_of_kept(loss_sum: Tensor, total, any_kept) -> Tensor:
    """loss_sum / total. With nothing to average (every target ignored, or no sample) the
    loss is NaN but its gradient zero, as in PyTorch: a fully masked batch leaves the
    weights alone instead of poisoning them with NaN."""
    if not any_kept:
        return loss_sum * 0.0 + float("nan")
    return loss_sum / loss_sum.dtype.type(total)


def nll_loss(input: Tensor, target: Tensor, weight: Optional[Tensor] = None,
             ignore_index: int = -100, reduction: str = "mean") -> Tensor:
    """Negative log-likelihood of class indices given log-probabilities (N, C, ...).

    >>> nll_loss(Tensor([[-1.0, -2.0]]), Tensor([1], dtype="int64")).item()
    2.0
    """
    check_reduction(reduction)
    t = _check_class_target(input, target, ignore_index)
    w = _check_class_weight(weight, input)
    rows = _classes_last(input if input.ndim >= 2 else input.reshape(1, -1))
    losses = NLLLoss.apply(rows, target=t, weight=w, ignore_index=ignore_index)
    if reduction == "mean":
        keep = t != ignore_index
        total = (w[np.where(keep, t, 0)] * keep).sum() if w is not None else keep.sum()
        return _mean_of_kept(losses.sum(), total, keep.any())
    if reduction == "sum":
        return losses.sum()
    return losses.reshape(target.shape if isinstance(target, Tensor) else t.shape)


def cross_entropy(input: Tensor, target: Tensor, weight: Optional[Tensor] = None,
                  ignore_index: int = -100, reduction: str = "mean",
                  label_smoothing: float = 0.0) -> Tensor:
    """Cross-entropy of logits (N, C, ...) with class indices or class probabilities.

    >>> cross_entropy(Tensor([[0.0, 0.0]]), Tensor([0], dtype="int64")).item()  # log(2)
    0.6931471...
    """
    check_reduction(reduction)
    _check_class_weight(weight, input)
    if not 0.0 <= label_smoothing <= 1.0:
        raise ValueError(f"label_smoothing must be between 0.0 and 1.0, got {label_smoothing}")
    class_dim = 1 if input.ndim >= 2 else 0
    logp = input.log_softmax(class_dim)
    target = as_tensor(target)
    if target.dtype.kind == "f":
        if ignore_index != -100:  # PyTorch's rule: probabilities have no class to ignore
            raise RuntimeError(f"ignore_index is not supported for floating point target "
                               f"(got ignore_index={ignore_index} with a {target.dtype} target)")
        return _soft_cross_entropy(logp, target, weight, reduction, label_smoothing, class_dim)
    nll = nll_loss(logp, target, weight, ignore_index, reduction)
    if label_smoothing == 0.0:
        return nll
    smooth = _smoothing_term(logp, target, weight, ignore_index, reduction, class_dim)
    n_classes = input.shape[class_dim]
    return nll * (1 - label_smoothing) + smooth * (label_smoothing / n_classes)


def _class_weight(weight, logp: Tensor, class_dim: int):
    if weight is None:
        return None
    w = np.asarray(weight._data if isinstance(weight, Tensor) else weight, logp.dtype)
    return Tensor._wrap(w.reshape((-1,) + (1,) * (logp.ndim - class_dim - 1)), False)


def _smoothing_term(logp, target, weight, ignore_index, reduction, class_dim):
    """The uniform-distribution part of label smoothing: -sum_c w_c logp_c per sample."""
    w = _class_weight(weight, logp, class_dim)
    per_sample = -(logp * w if w is not None else logp).sum(class_dim)
    keep = target._data != ignore_index
    per_sample = per_sample * Tensor._wrap(keep.astype(logp.dtype), False)
    if reduction == "mean":
        t = np.where(keep, target._data, 0)
        total = (w._data.reshape(-1)[t] * keep).sum() if w is not None else keep.sum()
        return _mean_of_kept(per_sample.sum(), total, keep.any())
    return _reduce(per_sample, reduction)


def _soft_cross_entropy(logp, target, weight, reduction, label_smoothing, class_dim):
    if target.shape != logp.shape:
        raise ValueError(f"class-probability target must have the input's shape "
                         f"{logp.shape}, got {target.shape}")
    n_classes = logp.shape[class_dim]
    if label_smoothing:
        target = target * (1 - label_smoothing) + label_smoothing / n_classes
    w = _class_weight(weight, logp, class_dim)
    per_sample = -(logp * target * w if w is not None else logp * target).sum(class_dim)
    if reduction == "mean":  # an empty batch gives NaN, as in PyTorch
        return _mean_of_kept(per_sample.sum(), per_sample.numel(), per_sample.numel() > 0)
    return _reduce(per_sample, reduction)


def _check_same_shape(input: Tensor, target: Tensor, name: str) -> Tensor:
    target = as_tensor(target, like=input)
    if target.shape != input.shape:
        raise ValueError(f"{name}: target of shape {target.shape} must have the same shape "
                         f"as the input {input.shape}")
    return target


def _weighted(loss: Tensor, weight, reduction: str) -> Tensor:
    if weight is not None:
        loss = loss * as_tensor(weight, like=loss)
    return _reduce(loss, reduction)


def binary_cross_entropy(input: Tensor, target: Tensor, weight: Optional[Tensor] = None,
                         reduction: str = "mean") -> Tensor:
    """BCE of probabilities in [0, 1].

    >>> round(binary_cross_entropy(Tensor([0.5]), Tensor([1.0])).item(), 4)
    0.6931
    """
    check_reduction(reduction)
    target = _check_same_shape(input, target, "binary_cross_entropy")
    x = input._data
    if x.size and (x.min() < 0 or x.max() > 1):
        raise ValueError(f"binary_cross_entropy: all input elements must be in [0, 1], got "
                         f"values from {x.min():.4g} to {x.max():.4g}")
    return _weighted(BinaryCrossEntropy.apply(input, target), weight, reduction)


def binary_cross_entropy_with_logits(input: Tensor, target: Tensor,
                                     weight: Optional[Tensor] = None, reduction: str = "mean",
                                     pos_weight: Optional[Tensor] = None) -> Tensor:
    """BCE on logits, numerically stable.

    >>> round(binary_cross_entropy_with_logits(Tensor([0.0]), Tensor([1.0])).item(), 4)
    0.6931
    """
    check_reduction(reduction)
    target = _check_same_shape(input, target, "binary_cross_entropy_with_logits")
    pw = as_tensor(pos_weight if pos_weight is not None else 1.0, like=input)
    return _weighted(BinaryCrossEntropyWithLogits.apply(input, target, pw), weight, reduction)
