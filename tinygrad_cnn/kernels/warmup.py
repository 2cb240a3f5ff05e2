"""numba's one-time start-up, begun in the background at import.

The first numba kernel a process calls costs ~0.6 s whichever it is (numba fills its typing
and target registries); every further cached kernel then loads in ~10 ms
(benchmarks/TUNING.md). A thread started at import pays that start-up while the user
loads data and builds a model, so the first training step does not wait for it. The
thread is not a daemon: an interpreter exiting during a numba load could crash, so exit
waits for it instead.
"""
from __future__ import annotations

import threading

import numpy as np


def _warm() -> None:
    try:
        from .activation import _relu_backward_kernel, _relu_kernel
        a = np.zeros(1, np.float32)
        _relu_backward_kernel(a, a, a)  # the float32 specialisations every ReLU net loads
        _relu_kernel(a, a)
    except Exception:  # noqa: BLE001 - a failed warm-up only means the first call pays
        pass


def start() -> threading.Thread:
    """Begin numba's start-up in a background thread; returns the thread."""
    thread = threading.Thread(target=_warm, name="tinygrad_cnn-warmup")
    thread.start()
    return thread
