"""`tinygrad_cnn.accelerator`: torch.accelerator's probing API, answering "none".

PyTorch's official examples pick their device with
`torch.accelerator.current_accelerator() if torch.accelerator.is_available() else "cpu"`;
here no accelerator exists, so that code picks the CPU.

>>> is_available(), current_accelerator(), device_count()
(False, None, 0)
"""
from __future__ import annotations

from typing import Any, Optional

from .devices import device

_NONE = "Cannot access accelerator device when none is available."


def is_available() -> bool:
    """False: tinygrad_cnn computes on the CPU only, which is not an accelerator."""
    return False


def current_accelerator(check_available: bool = False) -> Optional[device]:
    """None: there is no accelerator (with or without `check_available`)."""
    return None


def device_count() -> int:
    """0: there is no accelerator device."""
    return 0


def current_device_index() -> int:
    """Raises, as torch.accelerator does when none is available.

    >>> current_device_index()
    Traceback (most recent call last):
    ...
    RuntimeError: Cannot access accelerator device when none is available.
    """
    raise RuntimeError(_NONE)


def synchronize(device: Any = None) -> None:
    """Raises, as torch.accelerator does when none is available."""
    raise RuntimeError(_NONE)
