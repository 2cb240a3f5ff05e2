"""`OneCycleLR`: the 1cycle policy (warm up to `max_lr`, anneal far below), per batch."""
from __future__ import annotations

import math
from typing import Any, Dict, List, Optional, Sequence, Union

from .scheduler_base import LRScheduler
from .optimizer import Optimizer

Floats = Union[float, Sequence[float]]


class OneCycleLR(LRScheduler):
    """torch.optim.lr_scheduler.OneCycleLR: the lr rises from `max_lr / div_factor` to
    `max_lr` over the first `pct_start` of `total_steps` steps, then anneals to
    `initial_lr / final_div_factor`; momentum (SGD's `momentum` or Adam's beta1) moves the
    opposite way when `cycle_momentum`. Call `step()` after every batch.

    >>> from tinygrad_cnn import zeros, optim
    >>> opt = optim.SGD([zeros(1, requires_grad=True)], lr=0.1, momentum=0.9)
    >>> s = optim.lr_scheduler.OneCycleLR(opt, max_lr=1.0, total_steps=10)
    >>> round(s.get_last_lr()[0], 3), opt.param_groups[0]["momentum"]
    (0.04, 0.95)
    """

    def __init__(self, optimizer: Optimizer, max_lr: Floats, total_steps: Optional[int] = None,
                 epochs: Optional[int] = None, steps_per_epoch: Optional[int] = None,
                 pct_start: float = 0.3, anneal_strategy: str = "cos",
                 cycle_momentum: bool = True, base_momentum: Floats = 0.85,
                 max_momentum: Floats = 0.95, div_factor: float = 25.0,
                 final_div_factor: float = 1e4, three_phase: bool = False,
                 last_epoch: int = -1) -> None:
        if not isinstance(optimizer, Optimizer):
            raise TypeError(f"{type(optimizer).__name__} is not an Optimizer")
        self.optimizer = optimizer
        self.total_steps = _total_steps(total_steps, epochs, steps_per_epoch)
        if not isinstance(pct_start, float) or not 0 <= pct_start <= 1:
            raise ValueError(f"Expected float between 0 and 1 pct_start, but got {pct_start}")
        if anneal_strategy not in ("cos", "linear"):
            raise ValueError("anneal_strategy must be one of 'cos' or 'linear', instead got "
                             f"{anneal_strategy}")
        self.anneal_strategy = anneal_strategy
        self._phases = _phases(self.total_steps, pct_start, three_phase)
        if last_epoch == -1:
            for group, top in zip(optimizer.param_groups, _per_group("max_lr", optimizer, max_lr)):
                group.update(initial_lr=top / div_factor, max_lr=top,
                             min_lr=top / div_factor / final_div_factor)
        self.cycle_momentum = cycle_momentum
        if cycle_momentum:
            self._init_momentum(base_momentum, max_momentum, last_epoch)
        super().__init__(optimizer, last_epoch)

    def _init_momentum(self, base: Floats, top: Floats, last_epoch: int) -> None:
        defaults = self.optimizer.defaults
        if "momentum" not in defaults and "betas" not in defaults:
            raise ValueError("optimizer must support momentum or beta1 with `cycle_momentum` "
                             "option enabled")
        self.use_beta1 = "betas" in defaults
        if last_epoch != -1:
            return
        groups = self.optimizer.param_groups
        for group, b, m in zip(groups, _per_group("base_momentum", self.optimizer, base),
                               _per_group("max_momentum", self.optimizer, top)):
            self._set_momentum(group, m)
            group.update(max_momentum=m, base_momentum=b)

    def _set_momentum(self, group: Dict[str, Any], value: float) -> None:
        if self.use_beta1:
            group["betas"] = (value, *group["betas"][1:])
        else:
            group["momentum"] = value

    def _anneal(self, start: float, end: float, pct: float) -> float:
        if self.anneal_strategy == "cos":
            return end + (start - end) / 2.0 * (math.cos(math.pi * pct) + 1)
        return (end - start) * pct + start

    def get_lr(self) -> List[float]:
        step = self.last_epoch
        if step > self.total_steps:
            raise ValueError(f"Tried to step {step} times. The specified number of total "
                             f"steps is {self.total_steps}")
        lrs = []
        for group in self.optimizer.param_groups:
            phase, start_step = self._phase_of(step)
            pct = (step - start_step) / (phase["end_step"] - start_step)
            lrs.append(self._anneal(group[phase["start_lr"]], group[phase["end_lr"]], pct))
            if self.cycle_momentum:
                self._set_momentum(group, self._anneal(group[phase["start_momentum"]],
                                                       group[phase["end_momentum"]], pct))
        return lrs

    def _phase_of(self, step: int) -> tuple:
        start = 0.0
        for i, phase in enumerate(self._phases):
            if step <= phase["end_step"] or i == len(self._phases) - 1:
                return phase, start
            start = phase["end_step"]
        raise AssertionError("unreachable: the last phase always matches")


def _total_steps(total_steps: Optional[int], epochs: Optional[int],
                 steps_per_epoch: Optional[int]) -> int:
    if total_steps is not None:
        if not isinstance(total_steps, int) or total_steps <= 0:
            raise ValueError(f"Expected positive integer total_steps, but got {total_steps}")
        return total_steps
    if epochs is None or steps_per_epoch is None:
        raise ValueError("You must define either total_steps OR (epochs AND steps_per_epoch)")
    for name, value in (("epochs", epochs), ("steps_per_epoch", steps_per_epoch)):
        if not isinstance(value, int) or value <= 0:
            raise ValueError(f"Expected positive integer {name}, but got {value}")
    return epochs * steps_per_epoch


def _phases(total: int, pct_start: float, three_phase: bool) -> List[Dict[str, Any]]:
    """PyTorch's phase table: where each phase ends and which group values it joins."""
    up = dict(end_step=float(pct_start * total) - 1, start_lr="initial_lr", end_lr="max_lr",
              start_momentum="max_momentum", end_momentum="base_momentum")
    if not three_phase:
        return [up, dict(end_step=total - 1, start_lr="max_lr", end_lr="min_lr",
                         start_momentum="base_momentum", end_momentum="max_momentum")]
    down = dict(end_step=float(2 * pct_start * total) - 2, start_lr="max_lr",
                end_lr="initial_lr", start_momentum="base_momentum",
                end_momentum="max_momentum")
    tail = dict(end_step=total - 1, start_lr="initial_lr", end_lr="min_lr",
                start_momentum="max_momentum", end_momentum="max_momentum")
    return [up, down, tail]


def _per_group(name: str, optimizer: Optimizer, value: Floats) -> List[float]:
    n = len(optimizer.param_groups)
    if isinstance(value, (list, tuple)):
        if len(value) != n:
            raise ValueError(f"expected {n} values for {name}, got {len(value)}")
        return list(value)
    return [value] * n
