"""Stochastic gradient descent with optional (Nesterov) momentum."""
from __future__ import annotations

from typing import Any, Dict

import numpy as np

from ._checks import check
from .optimizer import Optimizer, ParamsT


class SGD(Optimizer):
    """`buf = momentum * buf + (1 - dampening) * g` (buf = g on the first step);
    `p -= lr * (g + momentum * buf if nesterov else buf)`.

    >>> from tinygrad_cnn import Tensor, optim
    >>> w = Tensor([1.0], requires_grad=True); w.grad = Tensor([2.0])
    >>> optim.SGD([w], lr=0.5).step(); w.item()
    0.0
    """

    counts_steps = False

    def __init__(self, params: ParamsT, lr: float = 1e-3, momentum: float = 0,
                 dampening: float = 0, weight_decay: float = 0, nesterov: bool = False,
                 *, maximize: bool = False) -> None:
        check(lr, "learning rate")
        check(momentum, "momentum value")
        check(weight_decay, "weight_decay value")
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")
        super().__init__(params, dict(lr=lr, momentum=momentum, dampening=dampening,
                                      weight_decay=weight_decay, nesterov=nesterov,
                                      maximize=maximize))

    def _update(self, param: np.ndarray, grad: np.ndarray, state: Dict[str, Any],
                group: Dict[str, Any]) -> None:
        momentum = group["momentum"]
        if momentum != 0:
            buf = state.get("momentum_buffer")
            if buf is None:
                buf = state["momentum_buffer"] = grad.copy()
            else:
                buf *= momentum
                buf += (1 - group["dampening"]) * grad
            grad = grad + momentum * buf if group["nesterov"] else buf
        param -= group["lr"] * grad
