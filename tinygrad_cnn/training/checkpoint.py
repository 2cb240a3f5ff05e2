"""Checkpoints: nested dicts of arrays and plain values in one `.npz` file, written atomically.

Arrays are stored as npz members under their dotted path; everything else (numbers,
strings, lists, the random generator's state) as one JSON member. Loading never unpickles
(`allow_pickle=False`), so opening a checkpoint cannot run code.

The write goes to a temporary file in the same directory, is flushed to disk, then renamed
over the target: a crash mid-save leaves the previous checkpoint intact, and the next
successful save removes the temporary files such crashes left behind.

Reading is bounded by the file's size: members that declare more data than the file can
hold (a zip bomb, a forged 800 GB header) are refused before anything is allocated.
"""
from __future__ import annotations

import io
import json
import math
import zipfile
from pathlib import Path
from typing import Any, Dict, Union

import numpy as np

from ..atomic import remove_stale_temp_files, write_atomically  # noqa: F401  (re-exported)
from ..errors import DataFileError

_META = "__meta__.json"
_ARRAY = "__array__"
# members are stored uncompressed, so their sizes add up to about the file's; this leaves
# room for a checkpoint re-packed with compression, not for a zip bomb
MAX_EXPANSION = 8


def _segment(key: Any, index: int) -> str:
    """A readable, collision-free path segment: the key itself when it is a plain name."""
    plain = isinstance(key, str) and "/" not in key and not key.startswith("#")
    return key if plain else f"#{index}"


def _split(obj: Any, path: str, arrays: Dict[str, np.ndarray]) -> Any:
    """Replace arrays by {'__array__': key} markers, collecting them in `arrays`."""
    if isinstance(obj, np.ndarray):
        arrays[path] = obj
        return {_ARRAY: path}
    if hasattr(obj, "_data") and isinstance(getattr(obj, "_data"), np.ndarray):  # a Tensor
        return _split(obj._data, path, arrays)
    if isinstance(obj, dict):
        return {"__dict__": [[_split(k, f"{path}/key{i}", arrays),
                              _split(v, f"{path}/{_segment(k, i)}", arrays)]
                             for i, (k, v) in enumerate(obj.items())]}
    if isinstance(obj, (list, tuple)):
        return {"__list__" if isinstance(obj, list) else "__tuple__":
                [_split(v, f"{path}/{i}", arrays) for i, v in enumerate(obj)]}
    if isinstance(obj, np.generic):
        return obj.item()
    if obj is None or isinstance(obj, (bool, int, float, str)):
        return obj
    raise TypeError(f"cannot store {type(obj).__name__} at {path!r} in a checkpoint")


def _join(obj: Any, arrays) -> Any:
    if isinstance(obj, dict):
        if _ARRAY in obj:
            return np.array(arrays[obj[_ARRAY]])
        if "__dict__" in obj:
            return {_join(k, arrays): _join(v, arrays) for k, v in obj["__dict__"]}
        if "__list__" in obj:
            return [_join(v, arrays) for v in obj["__list__"]]
        if "__tuple__" in obj:
            return tuple(_join(v, arrays) for v in obj["__tuple__"])
    return obj


def save_checkpoint(path: Union[str, Path], state: Dict[str, Any]) -> Path:
    """Atomically write `state` (nested dicts/lists of arrays, Tensors and plain values).

    >>> import tempfile, numpy as np
    >>> p = save_checkpoint(tempfile.mkdtemp() + "/c.npz", {"w": np.ones(2), "epoch": 3})
    >>> load_checkpoint(p)["epoch"]
    3
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    arrays: Dict[str, np.ndarray] = {}
    meta = json.dumps(_split(state, "s", arrays))
    buffer = io.BytesIO()
    np.savez(buffer, **{_META: np.frombuffer(meta.encode(), np.uint8)}, **arrays)
    write_atomically(path, buffer.getbuffer())
    return path


def load_checkpoint(path: Union[str, Path]) -> Dict[str, Any]:
    """Read a checkpoint written by `save_checkpoint` (arrays come back as numpy arrays).

    >>> import tempfile; from tinygrad_cnn import ones
    >>> p = save_checkpoint(tempfile.mkdtemp() + "/c.npz", {"model": {"w": ones(2)}, "lr": 0.1})
    >>> state = load_checkpoint(p); state["model"]["w"].tolist(), state["lr"]
    ([1.0, 1.0], 0.1)
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no checkpoint at {path}")
    try:
        _check_member_sizes(path)
        with np.load(path, allow_pickle=False) as f:
            arrays = {k: f[k] for k in f.files}
    except (ValueError, OSError, EOFError, zipfile.BadZipFile) as e:
        if isinstance(e, DataFileError):
            raise
        raise DataFileError(f"{path} is not a readable tinygrad_cnn checkpoint: {e}") from None
    if _META not in arrays:
        raise DataFileError(f"{path} is not a tinygrad_cnn checkpoint (no {_META} member)")
    try:
        return _join(json.loads(arrays.pop(_META).tobytes().decode()), arrays)
    except (ValueError, KeyError, TypeError) as e:  # UnicodeDecodeError, JSONDecodeError, ...
        raise DataFileError(f"{path} is not a tinygrad_cnn checkpoint: its {_META} member "
                            f"is not the index save_checkpoint writes ({type(e).__name__}: "
                            f"{e})") from None


def _check_member_sizes(path: Path) -> None:
    """Refuse, before allocating anything, members that claim more bytes than the file can
    hold: save_checkpoint stores arrays uncompressed, so a member (or all of them) larger
    than MAX_EXPANSION x the file is a zip bomb or a forged header, not a checkpoint."""
    limit = MAX_EXPANSION * path.stat().st_size + (1 << 20)
    total = 0
    with zipfile.ZipFile(path) as archive:
        for info in archive.infolist():
            total += info.file_size
            declared = _npy_bytes(archive, info) if info.filename.endswith(".npy") else 0
            if max(total, declared) > limit:
                raise DataFileError(
                    f"{path} is not a tinygrad_cnn checkpoint: member {info.filename!r} "
                    f"declares {max(declared, info.file_size)} bytes, more than a "
                    f"{path.stat().st_size}-byte file can hold (limit {limit})")


def _npy_bytes(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> int:
    """The data size an .npy member's header declares (shape x itemsize, without overflow)."""
    with archive.open(info) as f:
        fmt = np.lib.format
        version = fmt.read_magic(f)
        read_header = fmt.read_array_header_1_0 if version == (1, 0) \
            else fmt.read_array_header_2_0
        shape, _, dtype = read_header(f)
    return math.prod(shape) * dtype.itemsize
