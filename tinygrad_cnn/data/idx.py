"""The IDX file format of MNIST: a big-endian header, then the raw array.

Header: two zero bytes, a type code (0x08 = uint8, ...), the number of dimensions, then
one big-endian int32 per dimension. MNIST's magic numbers 2051 (images) and 2049
(labels) are that header read as one int32: 0x0803 and 0x0801.
"""
from __future__ import annotations

import gzip
import math
import zlib
from pathlib import Path
from typing import Optional, Union

import numpy as np

from ..errors import DataFileError

IMAGES_MAGIC, LABELS_MAGIC = 2051, 2049
MAX_GZIP_EXPANSION = 100
_TYPES = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}
_CODES = {np.dtype(v).newbyteorder("="): k for k, v in _TYPES.items()}


def read_idx(path: Union[str, Path], expected_magic: Optional[int] = None) -> np.ndarray:
    """Read an IDX file, gzipped (`.gz`) or raw, with its header checked.

    >>> import tempfile, os; f = os.path.join(tempfile.mkdtemp(), "x-idx1-ubyte.gz")
    >>> write_idx(f, np.array([5, 0, 4], np.uint8)); read_idx(f, LABELS_MAGIC).tolist()
    [5, 0, 4]
    """
    path = Path(path)
    try:
        raw = _read_gzip(path) if path.suffix == ".gz" else path.read_bytes()
    except (EOFError, zlib.error, gzip.BadGzipFile) as err:
        raise DataFileError(f"{path}: cannot read it as a gzip IDX file ({err}); delete it "
                            "and download it again") from err
    return parse_idx(raw, str(path), expected_magic)


def _read_gzip(path: Path) -> bytes:
    """The decompressed bytes, refusing to inflate past MAX_GZIP_EXPANSION x the file's size
    (real IDX files compress about 5x; a small file that expands without end is a bomb)."""
    limit = MAX_GZIP_EXPANSION * path.stat().st_size + (1 << 20)
    with gzip.open(path, "rb") as f:
        raw = f.read(limit + 1)
    if len(raw) > limit:
        raise DataFileError(f"{path}: decompresses to more than {limit} bytes, over "
                            f"{MAX_GZIP_EXPANSION}x its size; not an IDX file (delete it)")
    return raw


def parse_idx(raw: bytes, name: str = "<bytes>",
              expected_magic: Optional[int] = None) -> np.ndarray:
    """Decode IDX bytes; `name` appears in every error so the bad file is obvious.

    >>> parse_idx(bytes([0, 0, 0x08, 1, 0, 0, 0, 2, 7, 9]), expected_magic=LABELS_MAGIC).tolist()
    [7, 9]
    """
    if len(raw) < 4:
        raise DataFileError(f"{name}: truncated IDX file: {len(raw)} bytes, shorter than the "
                         "4-byte magic number")
    magic = int.from_bytes(raw[:4], "big")
    if expected_magic is not None and magic != expected_magic:
        raise DataFileError(f"{name}: bad magic number {magic} (expected {expected_magic}); "
                         "is this the right file?")
    if raw[0] != 0 or raw[1] != 0 or raw[2] not in _TYPES:
        raise DataFileError(f"{name}: bad magic number {magic}: not an IDX file")
    ndim, dtype = raw[3], np.dtype(_TYPES[raw[2]])
    header = 4 + 4 * ndim
    if len(raw) < header:
        raise DataFileError(f"{name}: truncated IDX header: {ndim} dimensions need {header} "
                         f"bytes, the file has {len(raw)}")
    shape = tuple(int.from_bytes(raw[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim))
    expected = math.prod(shape) * dtype.itemsize  # Python ints: no int64 wrap-around
    found = len(raw) - header
    if found != expected:
        problem = "truncated" if found < expected else "too long"
        raise DataFileError(f"{name}: {problem}: header says shape {shape} ({expected} bytes of "
                         f"data) but the file has {found} bytes after the header")
    data = np.frombuffer(raw, dtype, offset=header).reshape(shape)
    return data.astype(dtype.newbyteorder("="))  # native byte order, and writable


def write_idx(path: Union[str, Path], array: np.ndarray) -> None:
    """Write `array` as an IDX file (gzipped if `path` ends in .gz).

    >>> import tempfile, os; f = os.path.join(tempfile.mkdtemp(), "x-idx3-ubyte")
    >>> write_idx(f, np.zeros((2, 3, 3), np.uint8)); os.path.getsize(f)   # 16-byte header
    34
    >>> read_idx(f, IMAGES_MAGIC).shape
    (2, 3, 3)
    """
    array = np.asarray(array)
    native = array.dtype.newbyteorder("=")
    if native not in _CODES:
        raise TypeError(f"IDX cannot store dtype {array.dtype}; use one of "
                        + ", ".join(str(np.dtype(t)) for t in _TYPES.values()))
    header = bytes([0, 0, _CODES[native], array.ndim])
    header += b"".join(int(d).to_bytes(4, "big") for d in array.shape)
    raw = header + array.astype(np.dtype(_TYPES[_CODES[native]])).tobytes()
    path = Path(path)
    path.write_bytes(gzip.compress(raw) if path.suffix == ".gz" else raw)
