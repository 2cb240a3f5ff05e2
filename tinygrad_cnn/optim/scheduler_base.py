"""The schedulers' base class: `step()` writes each group's closed-form `lr`. Its own
module so that every scheduler module (lr_scheduler, one_cycle, plateau) imports it from
below instead of from each other."""
from __future__ import annotations

from typing import Any, Dict, List

from .optimizer import Optimizer


class LRScheduler:
    """Base: `step()` advances `last_epoch` and writes `_lr_at(base_lr, last_epoch)` into
    every group. Construction performs the first step (epoch 0), as in PyTorch.

    >>> from tinygrad_cnn import zeros, optim
    >>> opt = optim.SGD([zeros(1, requires_grad=True)], lr=1.0)
    >>> sched = optim.lr_scheduler.StepLR(opt, step_size=2, gamma=0.5)
    >>> [sched.get_last_lr()[0] for _ in range(5) if sched.step() is None]
    [1.0, 0.5, 0.5, 0.25, 0.25]
    """

    def __init__(self, optimizer: Optimizer, last_epoch: int = -1) -> None:
        if not isinstance(optimizer, Optimizer):
            raise TypeError(f"{type(optimizer).__name__} is not an Optimizer")
        self.optimizer = optimizer
        for i, group in enumerate(optimizer.param_groups):
            if last_epoch == -1:
                group.setdefault("initial_lr", group["lr"])
            elif "initial_lr" not in group:
                raise KeyError(f"param 'initial_lr' is not specified in param_groups[{i}] "
                               "when resuming an optimizer")
        self.base_lrs: List[float] = [g["initial_lr"] for g in optimizer.param_groups]
        self.last_epoch = last_epoch
        self.step()

    def _lr_at(self, base_lr: float, epoch: int) -> float:
        """The learning rate of a group that started at `base_lr`, after `epoch` steps."""
        raise NotImplementedError(f"{type(self).__name__} does not define _lr_at")

    def get_lr(self) -> List[float]:
        """The learning rates for the current `last_epoch`."""
        return [self._lr_at(base, self.last_epoch) for base in self.base_lrs]

    def step(self) -> None:
        """Advance one epoch (or one batch, if called per batch) and update the groups."""
        self.last_epoch += 1
        for group, lr in zip(self.optimizer.param_groups, self.get_lr()):
            group["lr"] = lr
        self._last_lr = [group["lr"] for group in self.optimizer.param_groups]

    def get_last_lr(self) -> List[float]:
        """The learning rates the last `step()` set, one per group."""
        return list(self._last_lr)

    def state_dict(self) -> Dict[str, Any]:
        """Everything but the optimizer (which saves itself)."""
        return {k: (list(v) if isinstance(v, list) else v)
                for k, v in self.__dict__.items() if k != "optimizer"}

    def load_state_dict(self, state_dict: Dict[str, Any]) -> None:
        """Restore a dict from `state_dict`; `step()` then continues from it."""
        self.__dict__.update({k: (list(v) if isinstance(v, list) else v)
                              for k, v in state_dict.items()})
