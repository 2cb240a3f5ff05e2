"""Adam: bias-corrected running averages of the gradient and its square."""
from __future__ import annotations

import math
from typing import Any, Dict, Tuple

import numpy as np

from ..kernels import runtime
from ..kernels.adam import adam_update
from ._checks import check_betas, check_common
from .optimizer import Optimizer, ParamsT


class Adam(Optimizer):
    """`m = lerp(m, g, 1-b1)`, `v = b2 v + (1-b2) g^2`,
    `p -= lr/(1-b1^t) * m / (sqrt(v/(1-b2^t)) + eps)`; `amsgrad` uses the running max
    of v; `decoupled_weight_decay` shrinks p by `lr * weight_decay` instead of adding L2
    to the gradient (that is AdamW).

    >>> from tinygrad_cnn import Tensor, optim
    >>> w = Tensor([1.0], requires_grad=True); w.grad = Tensor([3.0])
    >>> optim.Adam([w], lr=0.1).step(); round(w.item(), 4)  # the first step moves by ~lr
    0.9
    """

    state_buffers = ('exp_avg', 'exp_avg_sq')

    def __init__(self, params: ParamsT, lr: float = 1e-3,
                 betas: Tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0, amsgrad: bool = False, *, maximize: bool = False,
                 decoupled_weight_decay: bool = False) -> None:
        check_common(lr, eps, weight_decay)
        check_betas(betas)
        super().__init__(params, dict(lr=lr, betas=tuple(betas), eps=eps,
                                      weight_decay=weight_decay, amsgrad=amsgrad,
                                      maximize=maximize,
                                      decoupled_weight_decay=decoupled_weight_decay))

    def _init_state(self, param: np.ndarray, state: Dict[str, Any],
                    group: Dict[str, Any]) -> None:
        super()._init_state(param, state, group)
        if group["amsgrad"]:
            state["max_exp_avg_sq"] = np.zeros_like(param)

    def _update(self, param: np.ndarray, grad: np.ndarray, state: Dict[str, Any],
                group: Dict[str, Any]) -> None:
        lr, (beta1, beta2) = group["lr"], group["betas"]
        state["step"] += 1
        t = state["step"]
        if group["decoupled_weight_decay"] and group["weight_decay"] != 0:
            param *= 1 - lr * group["weight_decay"]
        exp_avg, exp_avg_sq = state["exp_avg"], state["exp_avg_sq"]
        if adam_update(param, grad, exp_avg, exp_avg_sq,
                       state["max_exp_avg_sq"] if group["amsgrad"] else None,
                       beta1, beta2, lr, group["eps"], t):
            return
        # the same in numpy, for arrays the kernel does not take (e.g. non-contiguous):
        # in place with one recycled scratch array: the textbook expression allocates
        # ~8 temporaries the size of each parameter per step
        tmp = runtime.scratch(param.shape, param.dtype)
        np.subtract(grad, exp_avg, out=tmp)
        tmp *= 1 - beta1
        exp_avg += tmp
        exp_avg_sq *= beta2
        np.multiply(grad, grad, out=tmp)
        tmp *= 1 - beta2
        exp_avg_sq += tmp
        if group["amsgrad"]:
            exp_avg_sq = np.maximum(state["max_exp_avg_sq"], exp_avg_sq,
                                    out=state["max_exp_avg_sq"])
        denom = np.sqrt(exp_avg_sq, out=tmp)
        denom /= math.sqrt(1 - beta2 ** t)  # a Python float: no float64 upcast
        denom += group["eps"]
        np.divide(exp_avg, denom, out=tmp)
        tmp *= lr / (1 - beta1 ** t)
        param -= tmp
