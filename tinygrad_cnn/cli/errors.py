"""What the command line says about an error the user can fix: one line naming the flag
and what to do, instead of a traceback. Anything else is a bug and keeps its traceback.

>>> from tinygrad_cnn.errors import MissingDataError
>>> print(describe(MissingDataError("MNIST", "t10k-images-idx3-ubyte", "/data")))
MNIST file t10k-images-idx3-ubyte(.gz) not found in /data: add --download to fetch it, ...
>>> describe(KeyError("a bug")) is None
True
"""
from __future__ import annotations

import sys
from typing import Any, Optional

from ..errors import ConfigError, DataFileError, DownloadError, MissingDataError, UserError

GRAPHVIZ_HINT = ("Graphviz's `dot` program is not installed (it renders the pictures): "
                 "install Graphviz, e.g. `apt-get install graphviz` (Debian/Ubuntu), "
                 "`brew install graphviz` (macOS) or `conda install graphviz`, then run "
                 "this again")


def describe(error: BaseException, args: Any = None) -> Optional[str]:
    """The one-line message for `error` if it is the user's to fix, else None."""
    if isinstance(error, MissingDataError):
        return (f"{error.dataset} file {error.name}(.gz) not found in {error.root}: add "
                "--download to fetch it, or point --data-dir at a directory with the "
                "original IDX files")
    if isinstance(error, DownloadError):
        reason = error.failures[0] if error.failures else "no URL"
        return (f"could not download {error.dest.name} ({reason}): retry --download when "
                f"online, or put the IDX files into {error.dest.parent} or a directory given "
                "with --data-dir")
    if _is_missing_graphviz(error):
        return GRAPHVIZ_HINT
    checkpoint = getattr(args, "checkpoint", None)
    if checkpoint and str(checkpoint) in str(error):  # evaluate --checkpoint
        if isinstance(error, FileNotFoundError):
            return (f"--checkpoint {checkpoint}: no such file; `tinygrad-cnn train --out DIR` "
                    "writes DIR/checkpoint.npz")
        return f"--checkpoint: {_one_line(error)}"
    if getattr(args, "resume", False) and isinstance(error, (ConfigError, DataFileError)) \
            and "checkpoint" in str(error):  # train --resume of a mismatched or bad file
        return (f"--resume: {_one_line(error)}; train without --resume, or give another "
                "--out")
    if isinstance(error, (UserError, OSError)):
        return _one_line(error)
    return None


def _one_line(error: BaseException) -> str:
    """str(error) with its lines joined, so the message stays one line."""
    return "; ".join(line.strip() for line in str(error).splitlines() if line.strip()) \
        or type(error).__name__


def _is_missing_graphviz(error: BaseException) -> bool:
    graphviz = sys.modules.get("graphviz")  # loaded only if something drew a picture
    return graphviz is not None and isinstance(error, graphviz.ExecutableNotFound)
