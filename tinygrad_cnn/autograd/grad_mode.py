"""Global switches of the autograd engine: gradient recording and anomaly detection."""
from __future__ import annotations

from contextlib import ContextDecorator


class _State:
    grad_enabled = True
    detect_anomaly = False


STATE = _State()


def is_grad_enabled() -> bool:
    """True when new operations are recorded into the autograd graph.

    >>> from tinygrad_cnn import no_grad
    >>> is_grad_enabled()
    True
    >>> with no_grad():
    ...     is_grad_enabled()
    False
    """
    return STATE.grad_enabled


class _SwitchMode(ContextDecorator):
    """Set a flag of STATE on enter and restore it on exit. Previous values go on a stack
    so that one instance used as a decorator stays right under recursion."""

    _flag = "grad_enabled"
    _mode = False

    def __enter__(self):
        self.__dict__.setdefault("_prev", []).append(getattr(STATE, self._flag))
        setattr(STATE, self._flag, self._mode)
        return self

    def __exit__(self, *exc) -> None:
        setattr(STATE, self._flag, self._prev.pop())


class set_grad_enabled(_SwitchMode):
    """Turn graph recording on or off, as a call, a context manager or a decorator.

    >>> with set_grad_enabled(False):
    ...     pass
    """

    def __init__(self, mode: bool) -> None:
        # as a plain call it switches at once; as a context, exit restores this value
        self._prev = [STATE.grad_enabled]
        self._mode = bool(mode)
        STATE.grad_enabled = self._mode

    def __enter__(self) -> "set_grad_enabled":
        STATE.grad_enabled = self._mode
        return self


class no_grad(_SwitchMode):
    """Do not record operations (inference, weight updates). Works as a context manager
    and as a decorator, with or without parentheses.

    >>> from tinygrad_cnn import Tensor, no_grad
    >>> w = Tensor([1.0], requires_grad=True)
    >>> with no_grad():
    ...     y = w * 2
    >>> y.requires_grad
    False
    """

    _mode = False

    def __new__(cls, func=None):
        if func is None:
            return super().__new__(cls)
        return cls()(func)  # used as `@no_grad` without parentheses


class enable_grad(no_grad):
    """Record operations again inside a `no_grad` block (context manager or decorator).

    >>> from tinygrad_cnn import Tensor
    >>> w = Tensor([1.0], requires_grad=True)
    >>> with no_grad():
    ...     with enable_grad():
    ...         y = w * 2
    >>> y.requires_grad
    True
    """

    _mode = True


class detect_anomaly(_SwitchMode):
    """Raise as soon as a backward function produces NaN or Inf, naming the op.

    >>> with detect_anomaly():
    ...     pass
    """

    _flag = "detect_anomaly"

    def __init__(self, mode: bool = True) -> None:
        self._mode = bool(mode)


def set_detect_anomaly(mode: bool) -> None:
    """Switch anomaly detection on or off globally (see `detect_anomaly`).

    >>> from tinygrad_cnn import Tensor
    >>> set_detect_anomaly(True)  # d sqrt(x)/dx is inf at x = 0:
    >>> x = Tensor([0.0, 4.0], requires_grad=True)
    >>> x.sqrt().sum().backward()  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    RuntimeError: Function 'SqrtBackward' returned nan or inf values in its 0th output ...
    >>> set_detect_anomaly(False)
    """
    STATE.detect_anomaly = bool(mode)
