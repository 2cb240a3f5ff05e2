"""Global switches of the autograd engine: gradient recording and anomaly detection."""
from __future__ import annotations

from contextlib import ContextDecorator


class _State:
    grad_enabled = True
    detect_anomaly = False


STATE = _State()


def is_grad_enabled() -> bool:
    """True when new operations are recorded into the autograd graph."""
    return STATE.grad_enabled


class set_grad_enabled(ContextDecorator):
    """Turn graph recording on or off, as a call, a context manager or a decorator.

    >>> with set_grad_enabled(False):
    ...     pass
    """

    def __init__(self, mode: bool) -> None:
        self.prev = STATE.grad_enabled
        self.mode = bool(mode)
        STATE.grad_enabled = self.mode

    def __enter__(self) -> "set_grad_enabled":
        STATE.grad_enabled = self.mode
        return self

    def __exit__(self, *exc) -> None:
        STATE.grad_enabled = self.prev


class no_grad(ContextDecorator):
    """Do not record operations (inference, weight updates).

    >>> from tinygrad_cnn import Tensor, no_grad
    >>> w = Tensor([1.0], requires_grad=True)
    >>> with no_grad():
    ...     y = w * 2
    >>> y.requires_grad
    False
    """

    _mode = False

    def __enter__(self) -> "no_grad":
        self.prev = STATE.grad_enabled
        STATE.grad_enabled = self._mode
        return self

    def __exit__(self, *exc) -> None:
        STATE.grad_enabled = self.prev


class enable_grad(no_grad):
    """Record operations again inside a `no_grad` block."""

    _mode = True


class detect_anomaly(ContextDecorator):
    """Raise as soon as a backward function produces NaN or Inf, naming the op.

    >>> with detect_anomaly():
    ...     pass
    """

    def __init__(self, mode: bool = True) -> None:
        self.mode = mode

    def __enter__(self) -> "detect_anomaly":
        self.prev = STATE.detect_anomaly
        STATE.detect_anomaly = self.mode
        return self

    def __exit__(self, *exc) -> None:
        STATE.detect_anomaly = self.prev


def set_detect_anomaly(mode: bool) -> None:
    """Switch anomaly detection on or off globally (see `detect_anomaly`)."""
    STATE.detect_anomaly = bool(mode)
