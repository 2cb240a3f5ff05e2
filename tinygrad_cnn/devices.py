"""`device`: where a tensor lives, with torch.device's spelling — and the CPU is the only one.

Scripts written for PyTorch name devices everywhere (`torch.device("cuda" if ... else
"cpu")`, `.to(device)`, `device=` keywords). A `device` object for any of PyTorch's device
types can be *made* (as in a CPU-only PyTorch build), but putting data on anything but the
CPU is a clear error, never a silent CPU fallback. `resolve` and `parse_to_args` are what
tensors, modules and constructors call to validate their device arguments.

>>> device("cpu"), device("cuda:1").index, device("cpu") == device("cpu", None)
(device(type='cpu'), 1, True)
"""
from __future__ import annotations

from typing import Any, NamedTuple, Optional, Union

import numpy as np

#: PyTorch's device types: naming one is fine, allocating on any but 'cpu' is an error
DEVICE_TYPES = ("cpu", "cuda", "ipu", "xpu", "mkldnn", "opengl", "opencl", "ideep", "hip",
                "ve", "fpga", "maia", "xla", "lazy", "vulkan", "mps", "meta", "hpu", "mtia",
                "privateuseone")


class device:  # noqa: N801 - torch.device's name
    """A device type and optional index, compared and printed as torch.device.

    >>> d = device("cpu"); d, str(d), d.type, d.index
    (device(type='cpu'), 'cpu', 'cpu', None)
    >>> device("cuda", 0)
    device(type='cuda', index=0)
    """

    __slots__ = ("_type", "_index")

    def __init__(self, type: Union[str, "device"], index: Optional[int] = None) -> None:
        if isinstance(type, device):
            if index is not None:
                raise ValueError(f"device(): an index was given twice ({type!r} and {index})")
            type, index = type.type, type.index
        elif isinstance(type, (int, np.integer)) and not isinstance(type, bool):
            raise RuntimeError("Cannot access accelerator device when none is available.")
        elif not isinstance(type, str):
            raise TypeError(f"device() expects a string such as 'cpu', got {_typename(type)}")
        else:
            type, index = _parse(type, index)
        self._type, self._index = type, index

    @property
    def type(self) -> str:
        """The device type, e.g. 'cpu'."""
        return self._type

    @property
    def index(self) -> Optional[int]:
        """The device index, or None when none was given."""
        return self._index

    def __repr__(self) -> str:
        index = "" if self._index is None else f", index={self._index}"
        return f"device(type='{self._type}'{index})"

    def __str__(self) -> str:
        return self._type if self._index is None else f"{self._type}:{self._index}"

    def __eq__(self, other: Any) -> bool:
        # as torch: a device never equals a string (device('cpu') == 'cpu' is False)
        if not isinstance(other, device):
            return NotImplemented
        return (self._type, self._index) == (other._type, other._index)

    def __hash__(self) -> int:
        return hash((self._type, self._index))

    def __reduce__(self):
        return (device, (self._type, self._index))


def _typename(value: Any) -> str:
    return type(value).__name__


def _parse(text: str, index: Optional[int]) -> tuple:
    """Split 'cuda:1' into ('cuda', 1), checking the type and index as torch does."""
    kind, sep, number = text.partition(":")
    if kind not in DEVICE_TYPES:
        raise RuntimeError(f"Expected one of {', '.join(DEVICE_TYPES)} device type at start "
                           f"of device string: {text}")
    if sep:
        if not number.isdigit():
            raise RuntimeError(f"Invalid device string: '{text}'")
        if index is not None:
            raise RuntimeError(f"type (string) must not include an index because index was "
                               f"passed explicitly: {text}")
        index = int(number)
    if index is not None and (not isinstance(index, (int, np.integer)) or index < 0):
        raise RuntimeError(f"Device index must be a non-negative integer, got {index!r}")
    return kind, None if index is None else int(index)


CPU = device("cpu")


def resolve(arg: Union[str, device, int, None]) -> device:
    """Validate a `device=` argument: the CPU device it names, or a clear error for others.

    >>> resolve("cpu"), resolve(None), resolve(device("cpu", 0))
    (device(type='cpu'), device(type='cpu'), device(type='cpu', index=0))
    >>> resolve("cuda")
    Traceback (most recent call last):
    ...
    RuntimeError: cannot use device 'cuda': tinygrad_cnn runs on the CPU only (tinygrad_cnn.cuda.is_available() is False). Use 'cpu', e.g. device = 'cuda' if torch.cuda.is_available() else 'cpu'.
    """
    if arg is None:
        return CPU
    d = arg if isinstance(arg, device) else device(arg)
    if d.type != "cpu":
        raise RuntimeError(f"cannot use device '{d}': tinygrad_cnn runs on the CPU only "
                           "(tinygrad_cnn.cuda.is_available() is False). Use 'cpu', e.g. "
                           "device = 'cuda' if torch.cuda.is_available() else 'cpu'.")
    return d


class ToArgs(NamedTuple):
    """What a `.to(...)` call asks for: a device and/or dtype (None = keep)."""

    device: Optional[device]
    dtype: Optional[np.dtype]
    non_blocking: bool
    copy: bool


def parse_to_args(*args: Any, **kwargs: Any) -> ToArgs:
    """Read `.to(device)`, `.to(dtype)`, `.to(device, dtype)`, `.to(other_tensor)` and the
    keywords `device=`, `dtype=`, `non_blocking=`, `copy=` as torch.Tensor.to does.

    >>> parse_to_args("cpu", "float64")[:2]
    (device(type='cpu'), dtype('float64'))
    >>> parse_to_args(dtype=np.int64, copy=True)
    ToArgs(device=None, dtype=dtype('int64'), non_blocking=False, copy=True)
    """
    unknown = set(kwargs) - {"device", "dtype", "non_blocking", "copy", "memory_format"}
    if unknown:
        raise TypeError(f"to() got an unexpected keyword argument '{sorted(unknown)[0]}'")
    dev, dtype = kwargs.get("device"), kwargs.get("dtype")
    positional = list(args)
    if positional and _is_tensor_like(positional[0]):
        other = positional.pop(0)
        dev, dtype = other.device, other.dtype
    elif positional and _names_device(positional[0]):
        dev = positional.pop(0)
    if positional and not isinstance(positional[0], bool):
        dtype = positional.pop(0)
    flags = [kwargs.get("non_blocking", False), kwargs.get("copy", False)]
    for i, flag in enumerate(positional[:2]):
        flags[i] = flag
    if len(positional) > 2:
        raise TypeError(f"to() takes at most 4 positional arguments ({len(args)} given)")
    return ToArgs(None if dev is None else resolve(dev), _dtype(dtype), bool(flags[0]),
                  bool(flags[1]))


def _is_tensor_like(value: Any) -> bool:
    # numpy's scalar *types* (np.float64) also carry these attributes, as descriptors
    return (not isinstance(value, type) and hasattr(value, "dtype") and hasattr(value, "device")
            and hasattr(value, "shape"))


def _names_device(value: Any) -> bool:
    if isinstance(value, device) or (isinstance(value, int) and not isinstance(value, bool)):
        return True
    return isinstance(value, str) and value.partition(":")[0] in DEVICE_TYPES


def _dtype(value: Any) -> Optional[np.dtype]:
    if value is None:
        return None
    try:
        return np.dtype(value)
    except TypeError:
        raise TypeError(f"to() expects a device, a dtype or a tensor, got {value!r}") from None
