"""RMSprop: divide the gradient by a running RMS of recent gradients."""
from __future__ import annotations

from typing import Any, Dict

import numpy as np

from ._checks import check, check_common
from .optimizer import Optimizer, ParamsT


class RMSprop(Optimizer):
    """`v = alpha v + (1-alpha) g^2`; `p -= lr * g / (sqrt(v) + eps)`. `centered` subtracts
    the squared running mean of g from v; `momentum` accumulates `g / (sqrt(v) + eps)`.

    >>> from tinygrad_cnn import Tensor, optim
    >>> w = Tensor([1.0], requires_grad=True); w.grad = Tensor([1.0])
    >>> optim.RMSprop([w], lr=0.01).step(); round(w.item(), 4)  # sqrt(v) = 0.1 on the first step
    0.9
    """

    state_buffers = ('square_avg',)

    def __init__(self, params: ParamsT, lr: float = 1e-2, alpha: float = 0.99,
                 eps: float = 1e-8, weight_decay: float = 0, momentum: float = 0,
                 centered: bool = False, *, maximize: bool = False) -> None:
        check_common(lr, eps, weight_decay)
        check(momentum, "momentum value")
        check(alpha, "alpha value")
        super().__init__(params, dict(lr=lr, alpha=alpha, eps=eps, weight_decay=weight_decay,
                                      momentum=momentum, centered=centered,
                                      maximize=maximize))

    def _init_state(self, param: np.ndarray, state: Dict[str, Any],
                    group: Dict[str, Any]) -> None:
        super()._init_state(param, state, group)
        if group["momentum"] > 0:
            state["momentum_buffer"] = np.zeros_like(param)
        if group["centered"]:
            state["grad_avg"] = np.zeros_like(param)

    def _update(self, param: np.ndarray, grad: np.ndarray, state: Dict[str, Any],
                group: Dict[str, Any]) -> None:
        alpha = group["alpha"]
        state["step"] += 1
        square_avg = state["square_avg"]
        square_avg *= alpha
        square_avg += (1 - alpha) * grad * grad
        if group["centered"]:
            grad_avg = state["grad_avg"]
            grad_avg += (1 - alpha) * (grad - grad_avg)
            avg = np.sqrt(square_avg - grad_avg * grad_avg)
        else:
            avg = np.sqrt(square_avg)
        avg += group["eps"]
        if group["momentum"] > 0:
            buf = state["momentum_buffer"]
            buf *= group["momentum"]
            buf += grad / avg
            param -= group["lr"] * buf
        else:
            param -= group["lr"] * grad / avg
