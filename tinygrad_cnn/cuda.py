"""`tinygrad_cnn.cuda`: the answers a CPU-only PyTorch build gives, so device-picking code runs.

There is no GPU backend: `is_available()` is False and `device_count()` is 0, so the usual
`device = "cuda" if torch.cuda.is_available() else "cpu"` picks the CPU. Seeding CUDA is a
no-op (as in PyTorch without a GPU); anything that needs a GPU raises a clear error.

>>> is_available(), device_count()
(False, 0)
"""
from __future__ import annotations

from typing import Any

_NO_CUDA = ("tinygrad_cnn has no CUDA backend: it runs on the CPU only "
            "(tinygrad_cnn.cuda.is_available() is False)")


def is_available() -> bool:
    """False: there is no CUDA device here."""
    return False


def device_count() -> int:
    """0: there is no CUDA device here."""
    return 0


def is_initialized() -> bool:
    """False: CUDA is never initialised."""
    return False


def manual_seed(seed: int) -> None:
    """Does nothing (there is no CUDA generator), as in PyTorch without a GPU.
    Seed the CPU with `tinygrad_cnn.manual_seed`."""


manual_seed_all = manual_seed


def empty_cache() -> None:
    """Does nothing: no CUDA memory is ever held."""


def current_device() -> int:
    """Raises: there is no current CUDA device.

    >>> current_device()
    Traceback (most recent call last):
    ...
    RuntimeError: tinygrad_cnn has no CUDA backend: it runs on the CPU only (tinygrad_cnn.cuda.is_available() is False)
    """
    raise RuntimeError(_NO_CUDA)


def get_device_name(device: Any = None) -> str:
    """Raises: there is no CUDA device to name."""
    raise RuntimeError(_NO_CUDA)


def synchronize(device: Any = None) -> None:
    """Raises, as PyTorch without CUDA does."""
    raise RuntimeError(_NO_CUDA)
