"""How every file a user saves is written, so a crash never leaves half a file.

The bytes go to a temporary file in the target's directory, are flushed to disk, then the
file is renamed over the target (`os.replace` is atomic): readers see the old file or the
new one, never a torn one. The file gets the usual permissions (umask), not mkstemp's 0600.
A write killed mid-way (SIGKILL, power cut) leaves its temporary file behind, named
`<name>.<pid>.<8 chars>.tmp`; the next successful write of the same target removes those
whose process is gone.

>>> import tempfile, pathlib
>>> path = pathlib.Path(tempfile.mkdtemp()) / "out.bin"
>>> write_atomically(path, b"abc").read_bytes()
b'abc'
"""
from __future__ import annotations

import contextlib
import os
import re
import tempfile
from pathlib import Path
from typing import Iterator, List, Union

PathLike = Union[str, os.PathLike]


@contextlib.contextmanager
def replacing(path: PathLike, keep_suffix: bool = False) -> Iterator[Path]:
    """A temporary path beside `path` to write to; when the block ends without an error it
    is flushed and renamed over `path`, otherwise deleted. `keep_suffix` ends the temporary
    name with `path`'s suffix, for writers that pick the format from it (matplotlib, PIL).

    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "plot.png"
    >>> with replacing(path, keep_suffix=True) as tmp:
    ...     _ = tmp.write_bytes(b"png"); tmp.suffix
    '.png'
    >>> path.read_bytes(), sorted(p.name for p in path.parent.iterdir())
    (b'png', ['plot.png'])
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=f"{path.name}.{os.getpid()}.", dir=path.parent,
                                suffix=".tmp" + (path.suffix if keep_suffix else ""))
    os.close(fd)
    tmp = Path(name)
    try:
        os.chmod(tmp, 0o666 & ~_umask())
        yield tmp
        with open(tmp, "rb+") as written:
            os.fsync(written.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    remove_stale_temp_files(path)


def write_atomically(path: PathLike, data: Union[bytes, memoryview]) -> Path:
    """Replace `path`'s contents by `data` in one step (see the module docstring)."""
    with replacing(path) as tmp:
        tmp.write_bytes(data)
    return Path(path)


def remove_stale_temp_files(path: PathLike) -> List[Path]:
    """Delete the temporary files that writes of `path` killed mid-way left behind: only
    names `replacing` makes, `<name>.<pid>.<8 chars>.tmp[suffix]`, whose writing process is
    gone. Returns what was removed.

    >>> import tempfile
    >>> d = Path(tempfile.mkdtemp()); (d / "c.npz.999999999.abcd1234.tmp").write_bytes(b"x")
    1
    >>> [p.name for p in remove_stale_temp_files(d / "c.npz")]
    ['c.npz.999999999.abcd1234.tmp']
    """
    path = Path(path)
    pattern = re.compile(re.escape(path.name) + r"\.(\d+)\.[a-z0-9_]{8}\.tmp"
                         + f"({re.escape(path.suffix)})?")
    removed = []
    for candidate in path.parent.iterdir():
        match = pattern.fullmatch(candidate.name)
        if match and not _process_alive(int(match.group(1))):
            try:
                candidate.unlink()
            except FileNotFoundError:  # another write cleaned it up first
                continue
            removed.append(candidate)
    return removed


def _process_alive(pid: int) -> bool:
    if pid == os.getpid():
        return True  # ours: a write in progress in another thread
    try:
        os.kill(pid, 0)  # signal 0: only asks whether the process exists
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError, OSError):
        return True  # exists (another user's) or cannot tell: leave it
    return True


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
