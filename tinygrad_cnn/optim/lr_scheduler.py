"""Learning-rate schedulers: set each group's `lr` from its initial value and the epoch.

Each scheduler gives the closed form `lr(base_lr, epoch)` of the corresponding PyTorch
scheduler, so its sequence matches torch.optim.lr_scheduler's. Being closed forms they
are not chainable: a scheduler overwrites an `lr` changed by hand at its next step.
"""
from __future__ import annotations

import math
from bisect import bisect_right
from typing import Any, Callable, Dict, Iterable, List, Sequence, Union

from .optimizer import Optimizer
from .one_cycle import OneCycleLR  # noqa: F401  (re-exported: torch has them here)
from .plateau import ReduceLROnPlateau  # noqa: F401
from .scheduler_base import LRScheduler


class StepLR(LRScheduler):
    """Multiply the lr by `gamma` every `step_size` steps: `lr_0 * gamma ** (t // step_size)`.

    >>> from tinygrad_cnn import zeros, optim
    >>> opt = optim.SGD([zeros(1, requires_grad=True)], lr=1.0)
    >>> optim.lr_scheduler.StepLR(opt, step_size=10).get_last_lr()
    [1.0]
    """

    def __init__(self, optimizer: Optimizer, step_size: int, gamma: float = 0.1,
                 last_epoch: int = -1) -> None:
        if not isinstance(step_size, int) or step_size < 1:
            raise ValueError(f"step_size must be a positive integer, got {step_size!r}")
        self.step_size, self.gamma = step_size, gamma
        super().__init__(optimizer, last_epoch)

    def _lr_at(self, base_lr: float, epoch: int) -> float:
        return base_lr * self.gamma ** (epoch // self.step_size)


class ExponentialLR(LRScheduler):
    """Multiply the lr by `gamma` every step: `lr_0 * gamma ** t`.

    >>> from tinygrad_cnn import zeros, optim
    >>> opt = optim.SGD([zeros(1, requires_grad=True)], lr=1.0)
    >>> s = optim.lr_scheduler.ExponentialLR(opt, gamma=0.5); s.step(); s.get_last_lr()
    [0.5]
    """

    def __init__(self, optimizer: Optimizer, gamma: float, last_epoch: int = -1) -> None:
        self.gamma = gamma
        super().__init__(optimizer, last_epoch)

    def _lr_at(self, base_lr: float, epoch: int) -> float:
        return base_lr * self.gamma ** epoch


class CosineAnnealingLR(LRScheduler):
    """Half a cosine from `lr_0` down to `eta_min` over `T_max` steps (SGDR without
    restarts): `eta_min + (lr_0 - eta_min) * (1 + cos(pi * t / T_max)) / 2`. Past `T_max`
    it keeps following the cosine back up, as PyTorch's does.

    >>> from tinygrad_cnn import zeros, optim
    >>> opt = optim.SGD([zeros(1, requires_grad=True)], lr=1.0)
    >>> s = optim.lr_scheduler.CosineAnnealingLR(opt, T_max=2); s.step(); s.get_last_lr()
    [0.5]
    """

    def __init__(self, optimizer: Optimizer, T_max: int, eta_min: float = 0.0,
                 last_epoch: int = -1) -> None:
        if T_max <= 0:
            raise ValueError(f"T_max must be positive, got {T_max!r}")
        self.T_max, self.eta_min = T_max, eta_min
        super().__init__(optimizer, last_epoch)

    def _lr_at(self, base_lr: float, epoch: int) -> float:
        cosine = (1 + math.cos(math.pi * epoch / self.T_max)) / 2
        return self.eta_min + (base_lr - self.eta_min) * cosine


class InverseTimeLR(LRScheduler):
    """Time-based decay `lr_0 / (1 + decay * t)`, t counting `step()` calls.

    This is the schedule of the legacy Keras optimizers' `decay` argument
    (`SGD(lr=0.1, decay=1e-4)` in Keras 2), which Keras applies at every optimizer
    update: to reproduce it, call `step()` after every batch, not every epoch.

    >>> from tinygrad_cnn import zeros, optim
    >>> opt = optim.SGD([zeros(1, requires_grad=True)], lr=1.0)
    >>> s = optim.lr_scheduler.InverseTimeLR(opt, decay=0.5); s.step(); s.step()
    >>> s.get_last_lr()
    [0.5]
    """

    def __init__(self, optimizer: Optimizer, decay: float, last_epoch: int = -1) -> None:
        if decay < 0:
            raise ValueError(f"Invalid decay value: {decay} (must be >= 0)")
        self.decay = decay
        super().__init__(optimizer, last_epoch)

    def _lr_at(self, base_lr: float, epoch: int) -> float:
        return base_lr / (1 + self.decay * epoch)


class MultiStepLR(LRScheduler):
    """Multiply the lr by `gamma` at each milestone: `lr_0 * gamma ** (milestones <= t)`
    (a milestone listed twice counts twice, as in PyTorch).

    >>> from tinygrad_cnn import zeros, optim
    >>> opt = optim.SGD([zeros(1, requires_grad=True)], lr=1.0)
    >>> s = optim.lr_scheduler.MultiStepLR(opt, milestones=[1, 3], gamma=0.5)
    >>> [s.get_last_lr()[0] for _ in range(4) if s.step() is None]
    [0.5, 0.5, 0.25, 0.25]
    """

    def __init__(self, optimizer: Optimizer, milestones: Iterable[int], gamma: float = 0.1,
                 last_epoch: int = -1) -> None:
        self.milestones = sorted(milestones)
        if any(not isinstance(m, int) for m in self.milestones):
            raise TypeError(f"milestones must be integers, got {self.milestones!r}")
        self.gamma = gamma
        super().__init__(optimizer, last_epoch)

    def _lr_at(self, base_lr: float, epoch: int) -> float:
        return base_lr * self.gamma ** bisect_right(self.milestones, epoch)


LrLambda = Callable[[int], float]


class LambdaLR(LRScheduler):
    """`lr_0 * lr_lambda(t)`, with one function for all groups or one per group.
    `state_dict()` leaves plain functions out (as PyTorch does: they cannot be saved).

    >>> from tinygrad_cnn import zeros, optim
    >>> opt = optim.SGD([zeros(1, requires_grad=True)], lr=1.0)
    >>> s = optim.lr_scheduler.LambdaLR(opt, lambda t: 1 / (t + 1)); s.step(); s.get_last_lr()
    [0.5]
    """

    def __init__(self, optimizer: Optimizer, lr_lambda: Union[LrLambda, Sequence[LrLambda]],
                 last_epoch: int = -1) -> None:
        n = len(optimizer.param_groups)
        lambdas = list(lr_lambda) if isinstance(lr_lambda, (list, tuple)) else [lr_lambda] * n
        if len(lambdas) != n:
            raise ValueError(f"Expected {n} lr_lambdas, but got {len(lambdas)}")
        self.lr_lambdas = lambdas
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> List[float]:
        return [base * f(self.last_epoch) for f, base in zip(self.lr_lambdas, self.base_lrs)]

    def state_dict(self) -> Dict[str, Any]:
        state = {k: v for k, v in super().state_dict().items() if k != "lr_lambdas"}
        state["lr_lambdas"] = [None] * len(self.lr_lambdas)
        return state

    def load_state_dict(self, state_dict: Dict[str, Any]) -> None:
        lambdas = self.lr_lambdas
        super().load_state_dict(state_dict)
        self.lr_lambdas = lambdas


