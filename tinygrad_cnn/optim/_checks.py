"""Argument checks with PyTorch's messages ("Invalid learning rate: -1"); a value that is
not a number at all (lr="0.1", None) is a TypeError naming it."""
from __future__ import annotations

from typing import Any, Optional

from ..checks import real


def check(value: Any, what: str, low: float = 0.0, high: Optional[float] = None,
          high_open: bool = False) -> None:
    """Raise ValueError(f"Invalid {what}: {value}") unless low <= value <= high
    (< high if `high_open`); TypeError unless it is a finite real number.

    >>> check(-1, "learning rate")
    Traceback (most recent call last):
    ValueError: Invalid learning rate: -1
    """
    number = real(value, what)
    above = high is None or (number < high if high_open else number <= high)
    if not (number >= low and above):
        raise ValueError(f"Invalid {what}: {value}")


def check_common(lr: Any, eps: Any, weight_decay: Any) -> None:
    """The checks almost every optimizer makes."""
    check(lr, "learning rate")
    check(eps, "epsilon value")
    check(weight_decay, "weight_decay value")


def check_betas(betas: Any) -> None:
    """Two betas, each in [0, 1)."""
    if not isinstance(betas, (tuple, list)) or len(betas) != 2:
        raise TypeError(f"betas must be a pair of numbers in [0, 1), got {betas!r}")
    for i, beta in enumerate(betas):
        check(beta, f"beta parameter at index {i}", high=1.0, high_open=True)
