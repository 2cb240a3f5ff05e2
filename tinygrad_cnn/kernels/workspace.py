"""Reusable scratch and output buffers: fresh memory is expensive, recycled memory is not.

Every new 4 KiB page costs a page fault, so a freshly allocated large array costs
milliseconds before a single useful store; glibc hands large blocks back to the OS on
free, so a training loop would pay that again every step (benchmarks/TUNING.md).

`take(shape, dtype)` returns an array from a pool keyed by (shape, dtype). A pooled array
is handed out again only when *nothing else references it*: every numpy view, tensor,
saved-for-backward attribute or gradient in flight holds a reference to the base array,
so `sys.getrefcount` tells exactly whether it is still in use. That makes aliasing
impossible by construction: two conv layers in one graph, or a graph kept alive with
retain_graph=True, simply hold different buffers; a buffer saved for backward comes back
to the pool when the engine frees the node (`Function.free`).

Small arrays skip the pool (malloc recycles them without page faults and the bookkeeping
would cost more than it saves). Idle buffers are dropped least-recently-used first when
the pool holds more than `LIMIT_BYTES`; `clear()` drops all idle buffers.
"""
from __future__ import annotations

import sys
import threading
from collections import OrderedDict
from typing import Dict, List, Tuple

import numpy as np

#: below this many bytes `take` is plain np.empty (fits glibc's recycled heap)
MIN_BYTES = 1 << 16
#: idle buffers beyond this total are evicted (least recently used shape first)
LIMIT_BYTES = 1 << 30
#: at most this many buffers per (shape, dtype); more in use at once are not pooled
PER_KEY = 8

_pool: "OrderedDict[Tuple, List[np.ndarray]]" = OrderedDict()
_bytes = 0
_lock = threading.Lock()


def _free_refcount() -> int:
    """getrefcount of a pooled array nobody else holds: the list slot + the call arg."""
    slot = [np.empty(1)]
    return sys.getrefcount(slot[0])


_FREE = _free_refcount()


def take(shape: Tuple[int, ...], dtype) -> np.ndarray:
    """An uninitialised C-contiguous array, recycled from the pool when possible."""
    dtype = np.dtype(dtype)
    size = dtype.itemsize
    for n in shape:
        size *= n
    if size < MIN_BYTES:
        return np.empty(shape, dtype)
    key = (shape, dtype)
    with _lock:  # two threads must not both see the same buffer as free
        buffers = _pool.get(key)
        if buffers is None:
            buffers = _pool[key] = []
        else:
            _pool.move_to_end(key)
            for i in range(len(buffers)):
                if sys.getrefcount(buffers[i]) == _FREE:
                    return buffers[i]
        array = np.empty(shape, dtype)
        if len(buffers) < PER_KEY:
            global _bytes
            buffers.append(array)
            _bytes += size
            if _bytes > LIMIT_BYTES:
                _evict(keep=key)
        return array


def holds(array: np.ndarray) -> int:
    """1 if the pool lists `array` (one reference to it is the pool's), else 0."""
    buffers = _pool.get((array.shape, array.dtype))
    return int(buffers is not None and any(b is array for b in buffers))


def zeros(shape: Tuple[int, ...], dtype) -> np.ndarray:
    """`take` filled with zeros (recycled memory is already mapped: no page faults)."""
    array = take(shape, dtype)
    array.fill(0)
    return array


def _evict(keep: Tuple) -> None:
    global _bytes
    for key in list(_pool):
        if _bytes <= LIMIT_BYTES:
            return
        if key == keep:
            continue
        buffers = _pool[key]
        for i in range(len(buffers) - 1, -1, -1):
            if sys.getrefcount(buffers[i]) == _FREE:
                _bytes -= buffers.pop(i).nbytes
        if not buffers:
            del _pool[key]


def clear() -> None:
    """Drop every idle buffer (buffers still in use stay valid: they are just unpooled)."""
    global _bytes
    with _lock:
        _pool.clear()
        _bytes = 0


def stats() -> Dict[str, int]:
    """Pooled buffers and bytes (in use or idle)."""
    return {"buffers": sum(len(b) for b in _pool.values()), "bytes": _bytes}
