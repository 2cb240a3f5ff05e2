"""Adadelta: steps scaled by the ratio of running RMS of updates and of gradients."""
from __future__ import annotations

from typing import Any, Dict

import numpy as np

from ._checks import check, check_common
from .optimizer import Optimizer, ParamsT


class Adadelta(Optimizer):
    """`v = rho v + (1-rho) g^2`; `d = sqrt(u + eps) / sqrt(v + eps) * g`;
    `u = rho u + (1-rho) d^2`; `p -= lr * d`.

    >>> from tinygrad_cnn import zeros, optim
    >>> optim.Adadelta([zeros(1, requires_grad=True)]).defaults["rho"]
    0.9
    """

    state_buffers = ('square_avg', 'acc_delta')

    def __init__(self, params: ParamsT, lr: float = 1.0, rho: float = 0.9,
                 eps: float = 1e-6, weight_decay: float = 0, *,
                 maximize: bool = False) -> None:
        check_common(lr, eps, weight_decay)
        check(rho, "rho value", high=1.0)
        super().__init__(params, dict(lr=lr, rho=rho, eps=eps, weight_decay=weight_decay,
                                      maximize=maximize))

    def _update(self, param: np.ndarray, grad: np.ndarray, state: Dict[str, Any],
                group: Dict[str, Any]) -> None:
        rho, eps = group["rho"], group["eps"]
        state["step"] += 1
        square_avg, acc_delta = state["square_avg"], state["acc_delta"]
        square_avg *= rho
        square_avg += (1 - rho) * grad * grad
        delta = np.sqrt(acc_delta + eps) / np.sqrt(square_avg + eps) * grad
        acc_delta *= rho
        acc_delta += (1 - rho) * delta * delta
        param -= group["lr"] * delta
