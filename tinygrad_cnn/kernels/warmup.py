"""numba's one-time start-up, begun in the background at import.

The first numba kernel a process calls costs ~0.4-0.6 s whichever it is: importing numba
(~0.2 s) and filling its typing and target registries (~0.35 s, `refresh()` on the CPU
target's context); every further cached kernel then loads in ~5 ms (benchmarks/TUNING.md).
A thread started at the end of `import tinygrad_cnn` pays that start-up while the user
loads data and builds a model, so the first training step does not wait for it. It then
loads the float32 ReLU kernels every ReLU net calls, but only from numba's disk cache
(`jit.load_cached`): with an empty cache, compiling them here (~0.3 s of GIL-holding work)
would slow the main thread's own first kernels. The refresh holds numba's compiler lock,
as a kernel's first call does around the same refresh, so the two never refresh at once.
Any failure (e.g. a numba release that moved these internals) is swallowed: it only means
the first kernel call pays the start-up itself. The thread is not a daemon: an
interpreter exiting during a numba load could crash, so exit waits for it instead.
"""
from __future__ import annotations

import gc
import threading
from contextlib import contextmanager
from typing import Iterator

import numpy as np

#: the warm-up thread's name (tests find it by name)
THREAD_NAME = "tinygrad_cnn-warmup"


@contextmanager
def _collector_paused() -> Iterator[None]:
    """The cyclic garbage collector off while numba loads: its import and registries
    create ~10^5 long-lived objects, and the two full collections they trigger find
    nothing and cost ~0.1 s (benchmarks/TUNING.md). Left as it was if someone turned it
    off already."""
    was_on = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_on:
            gc.enable()


def _warm() -> None:
    with _collector_paused():
        _load()


def _load() -> None:
    try:
        from numba.core.compiler_lock import global_compiler_lock
        from numba.core.registry import cpu_target

        from . import activation
        from .jit import load_cached
        with global_compiler_lock:
            cpu_target.target_context.refresh()  # also refreshes the typing context
        a = np.zeros(1, np.float32)
        load_cached(activation._relu_kernel, a, a)
        load_cached(activation._relu_backward_kernel, a, a, a)
    except Exception:  # noqa: BLE001 - a failed warm-up only means the first call pays
        pass


def start() -> threading.Thread:
    """Begin numba's start-up in a background thread; returns the thread."""
    thread = threading.Thread(target=_warm, name=THREAD_NAME)
    thread.start()
    return thread
