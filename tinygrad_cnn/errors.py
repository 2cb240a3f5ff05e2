"""Errors the user fixes (a missing or corrupt file, a bad setting), as opposed to bugs.

They subclass the built-in type a Python caller would catch (ValueError, FileNotFoundError,
RuntimeError) and also `UserError`, which the command line prints as one line without a
traceback.

>>> issubclass(DataFileError, ValueError) and issubclass(DataFileError, UserError)
True
"""
from __future__ import annotations

from pathlib import Path
from typing import Sequence, Union


class UserError(Exception):
    """Base of the errors that mean "fix your input or setup", not "a bug"."""


class DataFileError(UserError, ValueError):
    """A data or checkpoint file that cannot be what it claims to be (truncated, corrupt,
    or declaring more data than the file can hold)."""


class MissingDataError(UserError, FileNotFoundError):
    """A dataset's file `name` (with or without .gz) is not in `root`.

    >>> print(MissingDataError("MNIST", "train-images-idx3-ubyte", "/data"))
    MNIST file train-images-idx3-ubyte(.gz) not found in /data; pass download=True or put ...
    """

    def __init__(self, dataset: str, name: str, root: Union[str, Path]) -> None:
        self.dataset, self.name, self.root = dataset, name, Path(root)
        super().__init__(f"{dataset} file {name}(.gz) not found in {root}; pass "
                         "download=True or put the original IDX files there")


class DownloadError(UserError, ConnectionError):
    """No mirror of a file could be reached; `dest` is where it should have gone,
    `failures` says why each URL failed."""

    def __init__(self, dest: Union[str, Path], failures: Sequence[str]) -> None:
        self.dest, self.failures = Path(dest), list(failures)
        super().__init__(f"could not download {self.dest.name} (are you offline?). Tried:\n  "
                         + "\n  ".join(self.failures)
                         + f"\nYou can download it by hand into {self.dest.parent}")


class ConfigError(UserError, ValueError):
    """Arguments that make no sense (an output file without a format) or contradict the
    saved run they should continue."""
