"""`write_atomically`: how every file a user saves is written, so a crash never leaves half.

The bytes go to a temporary file in the target's directory, are flushed to disk, then the
file is renamed over the target (`os.replace` is atomic): readers see the old file or the
new one, never a torn one. The file gets the usual permissions (umask), not mkstemp's 0600.

>>> import tempfile, pathlib
>>> path = pathlib.Path(tempfile.mkdtemp()) / "out.bin"
>>> write_atomically(path, b"abc"); path.read_bytes()
b'abc'
"""
from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Union


def write_atomically(path: Union[str, os.PathLike], data: Union[bytes, memoryview]) -> None:
    """Replace `path`'s contents by `data` in one step (see the module docstring)."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=path.name + ".", suffix=".tmp", dir=path.parent)
    try:
        mask = os.umask(0)
        os.umask(mask)
        os.chmod(tmp, 0o666 & ~mask)
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise
