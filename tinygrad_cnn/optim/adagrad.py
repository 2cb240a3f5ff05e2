"""Adagrad: per-coordinate steps shrinking with the sum of squared gradients."""
from __future__ import annotations

from typing import Any, Dict

import numpy as np

from ._checks import check, check_common
from .optimizer import Optimizer, ParamsT


class Adagrad(Optimizer):
    """`s += g^2`; `p -= lr / (1 + (t-1) lr_decay) * g / (sqrt(s) + eps)`, with
    `s` starting at `initial_accumulator_value`.

    >>> from tinygrad_cnn import Tensor, optim
    >>> w = Tensor([1.0], requires_grad=True); w.grad = Tensor([2.0])
    >>> optim.Adagrad([w], lr=0.1).step(); round(w.item(), 4)
    0.9
    """

    def __init__(self, params: ParamsT, lr: float = 1e-2, lr_decay: float = 0,
                 weight_decay: float = 0, initial_accumulator_value: float = 0,
                 eps: float = 1e-10, *, maximize: bool = False) -> None:
        check_common(lr, eps, weight_decay)
        check(lr_decay, "lr_decay value")
        check(initial_accumulator_value, "initial_accumulator_value value")
        super().__init__(params, dict(lr=lr, lr_decay=lr_decay, weight_decay=weight_decay,
                                      initial_accumulator_value=initial_accumulator_value,
                                      eps=eps, maximize=maximize))

    def _init_state(self, param: np.ndarray, state: Dict[str, Any],
                    group: Dict[str, Any]) -> None:
        state["step"] = 0
        state["sum"] = np.full_like(param, group["initial_accumulator_value"])

    def _update(self, param: np.ndarray, grad: np.ndarray, state: Dict[str, Any],
                group: Dict[str, Any]) -> None:
        state["step"] += 1
        clr = group["lr"] / (1 + (state["step"] - 1) * group["lr_decay"])
        state["sum"] += grad * grad
        param -= clr * grad / (np.sqrt(state["sum"]) + group["eps"])
