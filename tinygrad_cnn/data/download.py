"""Download a file once, safely: progress bar, checksum check, atomic write."""
from __future__ import annotations

import hashlib
import os  # noqa: F401  (the doctests use it)
import tempfile  # noqa: F401
import urllib.error
import urllib.request
from pathlib import Path
from typing import Callable, Optional, Sequence, Union

from tqdm import tqdm

from ..atomic import replacing
from ..errors import DownloadError

CHUNK = 1 << 16
Opener = Callable[..., object]  # urllib.request.urlopen's signature (url, timeout=...)


def file_hash(path: Union[str, Path], algorithm: str = "md5") -> str:
    """The hex digest of a file (`algorithm`: any hashlib name, e.g. "md5", "sha256").

    >>> f = os.path.join(tempfile.mkdtemp(), "abc.txt")
    >>> with open(f, "wb") as out: _ = out.write(b"abc")
    >>> file_hash(f)
    '900150983cd24fb0d6963f7d28e17f72'
    >>> file_hash(f, "sha256")[:16]
    'ba7816bf8f01cfea'
    """
    digest = hashlib.new(algorithm)
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


def download(urls: Union[str, Sequence[str]], dest: Union[str, Path], md5: Optional[str] = None,
             sha256: Optional[str] = None, progress: bool = True,
             opener: Opener = urllib.request.urlopen, timeout: float = 30.0) -> Path:
    """Fetch the first URL (or mirror) that works into `dest` and verify its checksum.

    The file is written to a temporary name beside `dest` and renamed only once complete
    and verified, so an interrupted or corrupt download never leaves a bad `dest`.
    Raises ValueError on a checksum mismatch and ConnectionError when no URL is reachable.

    Here `opener` stands in for the network (it is `urllib.request.urlopen` by default):

    >>> import io
    >>> class Response(io.BytesIO): headers = {"Content-Length": "3"}
    >>> fake_urlopen = lambda url, timeout: Response(b"abc")
    >>> dest = os.path.join(tempfile.mkdtemp(), "file.txt")
    >>> path = download(["https://host/file.txt"], dest, md5="900150983cd24fb0d6963f7d28e17f72",
    ...                 progress=False, opener=fake_urlopen)
    >>> path.read_bytes()
    b'abc'
    """
    urls = [urls] if isinstance(urls, str) else list(urls)
    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    failures = []
    for url in urls:
        try:
            with replacing(dest) as tmp:  # renamed over dest only once complete and verified
                _fetch(url, tmp, dest.name, opener, timeout, progress)
                _verify(tmp, url, md5, sha256)
        except (urllib.error.URLError, OSError) as err:
            failures.append(f"{url}: {getattr(err, 'reason', err)}")
            continue
        return dest
    raise DownloadError(dest, failures)


def _fetch(url: str, tmp: Path, name: str, opener: Opener, timeout: float,
           progress: bool) -> None:
    """Stream `url` into the file `tmp` (the bar says `name`)."""
    with open(tmp, "wb") as out, opener(url, timeout=timeout) as response:
        total = int(response.headers.get("Content-Length") or 0) or None
        with tqdm(total=total, unit="B", unit_scale=True, desc=name,
                  disable=not progress, leave=False) as bar:
            for chunk in iter(lambda: response.read(CHUNK), b""):
                out.write(chunk)
                bar.update(len(chunk))


def _verify(path: Path, url: str, md5: Optional[str], sha256: Optional[str]) -> None:
    for algorithm, expected in (("md5", md5), ("sha256", sha256)):
        if expected is None:
            continue
        actual = file_hash(path, algorithm)
        if actual != expected.lower():
            raise ValueError(f"checksum mismatch for {url}: {algorithm} {actual}, expected "
                             f"{expected}; the download is corrupt or the file has changed")
