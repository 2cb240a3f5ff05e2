"""`save` / `load`: torch.save's habits in a format that cannot run code when opened.

A file is a zip archive of `.npy` arrays plus one JSON description of the object around
them (dicts keeping their key types and order, lists, tuples, numbers, strings, None).
Loading reads arrays with `allow_pickle=False` and never unpickles anything, so a file from
an untrusted source can at worst fail to load — with a clear error. Files written by
`torch.save` (which are pickles) are recognised and refused, saying how to bring them in.

Saving to a path writes a temporary file next to it and renames it over the target, so a
crash mid-save leaves the previous file intact. A Tensor used twice is stored once and
comes back as one object (as with torch.load).
"""
from __future__ import annotations

import io
import json
import os
import zipfile
from collections import OrderedDict
from pathlib import Path
from typing import IO, Any, Dict, List, Union

import numpy as np

from .atomic import write_atomically
from .devices import device, resolve
from .nn.parameter import Parameter
from .tensor import Tensor

FileLike = Union[str, os.PathLike, IO[bytes]]
_MAGIC, _MAGIC_TEXT = "tinygrad_cnn.format", b"tinygrad_cnn.save 1\n"
_STRUCTURE = "structure.json"


class _Writer:
    """Turns an object into JSON-ready data, collecting its arrays (each once)."""

    def __init__(self) -> None:
        self.arrays: List[np.ndarray] = []
        self.seen: Dict[int, int] = {}

    def array(self, a: np.ndarray, owner: Any) -> int:
        if id(owner) not in self.seen:
            if a.dtype.hasobject:
                raise TypeError("cannot save an array of Python objects (dtype=object)")
            self.seen[id(owner)] = len(self.arrays)
            self.arrays.append(a)
        return self.seen[id(owner)]

    def encode(self, obj: Any, where: str) -> Any:
        if isinstance(obj, Tensor):
            return {"$": "tensor", "array": self.array(np.asarray(obj), obj),
                    "requires_grad": obj.requires_grad, "parameter": isinstance(obj, Parameter)}
        if isinstance(obj, (np.ndarray, np.generic)):
            kind = "ndarray" if isinstance(obj, np.ndarray) else "numpy_scalar"
            return {"$": kind, "array": self.array(np.asarray(obj), obj)}
        if isinstance(obj, dict):
            return {"$": "ordereddict" if isinstance(obj, OrderedDict) else "dict",
                    "items": [[self.encode(k, f"{where} key {k!r}"),
                               self.encode(v, f"{where}[{k!r}]")] for k, v in obj.items()]}
        if isinstance(obj, (list, tuple)):
            items = [self.encode(v, f"{where}[{i}]") for i, v in enumerate(obj)]
            return items if isinstance(obj, list) else {"$": "tuple", "items": items}
        if isinstance(obj, device):
            return {"$": "device", "name": str(obj)}
        if obj is None or isinstance(obj, (bool, int, float, str)):
            return obj
        raise TypeError(f"tinygrad_cnn.save cannot store {type(obj).__name__} (at {where}): "
                        "only Tensors, numpy arrays, numbers, strings, None, devices and "
                        "dicts/lists/tuples of them are saved (never pickled objects)")


def save(obj: Any, f: FileLike, pickle_module: Any = None, pickle_protocol: Any = None,
         **_torch_only: Any) -> None:
    """Save tensors, state dicts (model or optimizer) or any nesting of dicts/lists/tuples
    of tensors, arrays, numbers and strings to a path or a binary file object.
    `pickle_module`/`pickle_protocol` are accepted for torch.save compatibility and unused.

    >>> import tempfile, tinygrad_cnn as tg
    >>> path = tempfile.mkdtemp() + "/w.pt"
    >>> tg.save({"w": tg.ones(2), "epoch": 3}, path)
    >>> tg.load(path)
    {'w': tensor([1., 1.]), 'epoch': 3}
    """
    writer = _Writer()
    structure = json.dumps(writer.encode(obj, "the saved object"))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as z:
        z.writestr(_MAGIC, _MAGIC_TEXT)
        z.writestr(_STRUCTURE, structure)
        for i, a in enumerate(writer.arrays):
            with z.open(f"arrays/{i}.npy", "w", force_zip64=True) as member:
                np.save(member, a, allow_pickle=False)
    if hasattr(f, "write"):
        f.write(buffer.getbuffer())
    else:
        write_atomically(f, buffer.getbuffer())


def load(f: FileLike, map_location: Any = None, pickle_module: Any = None, *,
         weights_only: Any = None, mmap: Any = None, **_torch_only: Any) -> Any:
    """Read what `save` wrote, from a path or a binary file object. Tensors come back as
    Tensors (Parameters as Parameters), arrays as arrays. `map_location` may name the CPU
    (anything else is an error); `weights_only` is accepted: loading is always that safe.

    >>> import io, tinygrad_cnn as tg
    >>> buffer = io.BytesIO(); tg.save([tg.zeros(1), (1, "a")], buffer); _ = buffer.seek(0)
    >>> tg.load(buffer, map_location="cpu", weights_only=True)
    [tensor([0.]), (1, 'a')]
    """
    if map_location is not None and not callable(map_location) \
            and not isinstance(map_location, dict):
        resolve(map_location)
    name = str(f) if not hasattr(f, "read") else getattr(f, "name", "the file object")
    data = f.read() if hasattr(f, "read") else Path(f).read_bytes()
    with _open_archive(data, name) as z:
        try:
            structure = json.loads(z.read(_STRUCTURE).decode())
            arrays = _Reader(z, name)
            return arrays.decode(structure)
        except (KeyError, ValueError, TypeError, zipfile.BadZipFile) as e:
            raise ValueError(f"{name} is a damaged or forged tinygrad_cnn.save file: {e}") from None


def _open_archive(data: bytes, name: str) -> zipfile.ZipFile:
    """The zip archive, after checking it is ours (and not a torch.save pickle)."""
    torch_hint = (f"{name} was written by torch.save: it is a pickle, which tinygrad_cnn.load "
                  "never opens (unpickling can run arbitrary code). Load it with torch.load("
                  "path, weights_only=True) and pass the state dict to load_state_dict, "
                  "which accepts torch tensors.")
    if data[:1] == b"\x80":
        raise ValueError(torch_hint)
    try:
        z = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        raise ValueError(f"{name} is not a tinygrad_cnn.save file (not a zip archive)") from None
    names = z.namelist()
    if any(n.endswith("data.pkl") for n in names):
        raise ValueError(torch_hint)
    if _MAGIC not in names or z.read(_MAGIC) != _MAGIC_TEXT:
        raise ValueError(f"{name} is not a tinygrad_cnn.save file (no {_MAGIC} marker)")
    return z


class _Reader:
    """Rebuilds objects from the JSON description, reading each array when first needed."""

    def __init__(self, z: zipfile.ZipFile, name: str) -> None:
        self.z, self.name = z, name
        self.objects: Dict[tuple, Any] = {}

    def array(self, index: Any) -> np.ndarray:
        if not isinstance(index, int) or isinstance(index, bool):
            raise ValueError(f"array reference {index!r} is not an integer")
        with self.z.open(f"arrays/{index}.npy") as member:
            return np.load(io.BytesIO(member.read()), allow_pickle=False)

    def shared(self, kind: str, node: dict, make) -> Any:
        key = (kind, node["array"])
        if key not in self.objects:
            self.objects[key] = make(self.array(node["array"]))
        return self.objects[key]

    def decode(self, node: Any) -> Any:
        if isinstance(node, list):
            return [self.decode(v) for v in node]
        if not isinstance(node, dict):
            return node
        kind = node.get("$")
        if kind == "tensor":
            cls = Parameter if node.get("parameter") else Tensor
            return self.shared(kind, node, lambda a: cls(a, requires_grad=bool(
                node.get("requires_grad"))))
        if kind == "ndarray":
            return self.shared(kind, node, lambda a: a)
        if kind == "numpy_scalar":
            return self.array(node["array"])[()]
        if kind in ("dict", "ordereddict"):
            pairs = [(self._key(self.decode(k)), self.decode(v)) for k, v in node["items"]]
            return OrderedDict(pairs) if kind == "ordereddict" else dict(pairs)
        if kind == "tuple":
            return tuple(self.decode(v) for v in node["items"])
        if kind == "device":
            return device(node["name"])
        raise ValueError(f"unknown entry {kind!r}")

    @staticmethod
    def _key(key: Any) -> Any:
        if isinstance(key, list):  # a tuple key would decode as a tuple; a list is forged
            raise ValueError("a dict key is a list")
        return key
