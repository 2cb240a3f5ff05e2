"""Adamax: Adam with the infinity norm in place of the squared average."""
from __future__ import annotations

from typing import Any, Dict, Tuple

import numpy as np

from ._checks import check_betas, check_common
from .optimizer import Optimizer, ParamsT


class Adamax(Optimizer):
    """`m = lerp(m, g, 1-b1)`, `u = max(b2 u, |g| + eps)`, `p -= lr/(1-b1^t) * m / u`.

    >>> from tinygrad_cnn import Tensor, optim
    >>> w = Tensor([1.0], requires_grad=True); w.grad = Tensor([4.0])
    >>> optim.Adamax([w], lr=0.1).step(); round(w.item(), 4)
    0.9
    """

    state_buffers = ('exp_avg', 'exp_inf')

    def __init__(self, params: ParamsT, lr: float = 2e-3,
                 betas: Tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0, *, maximize: bool = False) -> None:
        check_common(lr, eps, weight_decay)
        check_betas(betas)
        super().__init__(params, dict(lr=lr, betas=tuple(betas), eps=eps,
                                      weight_decay=weight_decay, maximize=maximize))

    def _update(self, param: np.ndarray, grad: np.ndarray, state: Dict[str, Any],
                group: Dict[str, Any]) -> None:
        beta1, beta2 = group["betas"]
        state["step"] += 1
        exp_avg, exp_inf = state["exp_avg"], state["exp_inf"]
        exp_avg += (1 - beta1) * (grad - exp_avg)
        exp_inf *= beta2
        np.maximum(exp_inf, np.abs(grad) + group["eps"], out=exp_inf)
        param -= group["lr"] / (1 - beta1 ** state["step"]) * exp_avg / exp_inf
