"""NAdam: Adam with Nesterov momentum and a momentum-decay schedule (Dozat, 2016)."""
from __future__ import annotations

from typing import Any, Dict, Tuple

import numpy as np

from ._checks import check, check_betas, check_common
from .optimizer import Optimizer, ParamsT


class NAdam(Optimizer):
    """Adam whose step looks ahead: with `mu_t = b1 (1 - 0.5 * 0.96^(t * momentum_decay))`,
    `p -= lr (1-mu_t)/(1-prod mu) * g/d + lr mu_{t+1}/(1-prod mu * mu_{t+1}) * m/d`,
    `d = sqrt(v / (1-b2^t)) + eps`.

    >>> from tinygrad_cnn import zeros, optim
    >>> optim.NAdam([zeros(1, requires_grad=True)]).defaults["momentum_decay"]
    0.004
    """

    state_buffers = ('exp_avg', 'exp_avg_sq')

    def __init__(self, params: ParamsT, lr: float = 2e-3,
                 betas: Tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0, momentum_decay: float = 4e-3,
                 decoupled_weight_decay: bool = False, *, maximize: bool = False) -> None:
        check_common(lr, eps, weight_decay)
        check_betas(betas)
        check(momentum_decay, "momentum_decay value")
        super().__init__(params, dict(lr=lr, betas=tuple(betas), eps=eps,
                                      weight_decay=weight_decay, momentum_decay=momentum_decay,
                                      decoupled_weight_decay=decoupled_weight_decay,
                                      maximize=maximize))

    def _init_state(self, param: np.ndarray, state: Dict[str, Any],
                    group: Dict[str, Any]) -> None:
        super()._init_state(param, state, group)
        state["mu_product"] = 1.0

    def _update(self, param: np.ndarray, grad: np.ndarray, state: Dict[str, Any],
                group: Dict[str, Any]) -> None:
        lr, (beta1, beta2), decay = group["lr"], group["betas"], group["momentum_decay"]
        state["step"] += 1
        t = state["step"]
        if group["decoupled_weight_decay"] and group["weight_decay"] != 0:
            param *= 1 - lr * group["weight_decay"]
        mu = beta1 * (1.0 - 0.5 * 0.96 ** (t * decay))
        mu_next = beta1 * (1.0 - 0.5 * 0.96 ** ((t + 1) * decay))
        state["mu_product"] *= mu
        mu_product = state["mu_product"]
        exp_avg, exp_avg_sq = state["exp_avg"], state["exp_avg_sq"]
        exp_avg += (1 - beta1) * (grad - exp_avg)
        exp_avg_sq *= beta2
        exp_avg_sq += (1 - beta2) * grad * grad
        denom = np.sqrt(exp_avg_sq / (1 - beta2 ** t)) + group["eps"]
        param -= (lr * (1 - mu) / (1 - mu_product)) * grad / denom
        param -= (lr * mu_next / (1 - mu_product * mu_next)) * exp_avg / denom
