"""Argument checks with PyTorch's messages ("Invalid learning rate: -1")."""
from __future__ import annotations

from typing import Sequence


def check(ok: bool, what: str, value: object) -> None:
    """Raise ValueError(f"Invalid {what}: {value}") unless `ok`."""
    if not ok:
        raise ValueError(f"Invalid {what}: {value}")


def check_common(lr: float, eps: float, weight_decay: float) -> None:
    """The checks almost every optimizer makes."""
    check(lr >= 0.0, "learning rate", lr)
    check(eps >= 0.0, "epsilon value", eps)
    check(weight_decay >= 0.0, "weight_decay value", weight_decay)


def check_betas(betas: Sequence[float]) -> None:
    """Each beta must lie in [0, 1)."""
    for i, beta in enumerate(betas):
        check(0.0 <= beta < 1.0, f"beta parameter at index {i}", beta)
