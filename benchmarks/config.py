"""Run presets (smoke / quick / full) and the context every section receives."""
from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Optional, Tuple

# (N, Cin, H, W, Cout, k, stride, pad)
ConvShape = Tuple[int, int, int, int, int, int, int, int]
CONV_SHAPES: Tuple[ConvShape, ...] = (
    (64, 1, 28, 28, 32, 3, 1, 1), (64, 32, 14, 14, 64, 3, 1, 1), (10, 1, 9, 9, 5, 3, 1, 1),
    (32, 3, 32, 32, 16, 3, 1, 0), (8, 64, 56, 56, 64, 3, 1, 1), (32, 16, 32, 32, 32, 3, 2, 1),
    (16, 8, 20, 20, 8, 5, 1, 2))
MEMORY_CONV_SHAPE: ConvShape = (8, 64, 56, 56, 64, 3, 1, 1)
REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DATA_DIR = REPO_ROOT.parent / "shared" / "data" / "mnist"
MNIST_TRAIN_SIZE = 60_000


@dataclass(frozen=True)
class Mode:
    """How hard to measure. `mnist_steps`: None = the full epoch, 0 = skip the epoch."""
    name: str
    repeats: int                 # at least this many timed calls...
    warmup: int
    min_seconds: float           # ...and more for fast calls, to fill about this long
    pause: float                 # seconds of quiet between systems, so spinning pools idle
    rounds: int                  # systems take turns this many times (see timing.compare)
    conv_shapes: Tuple[ConvShape, ...]
    pool_shape: Tuple[int, int, int, int]
    lenet_batch: int
    mnist_steps: Optional[int]
    cold_cache: bool             # also time a start with an empty numba cache (slow)
    fresh_runs: int              # timed cold-start probe runs (median), after one that fills caches
    memory_conv_shape: ConvShape
    gemm_size: int


_DEFAULTS = dict(conv_shapes=CONV_SHAPES, pool_shape=(64, 32, 28, 28), lenet_batch=64,
                 cold_cache=True, fresh_runs=5, memory_conv_shape=MEMORY_CONV_SHAPE,
                 gemm_size=1024)
MODES = {
    "full": Mode("full", repeats=12, warmup=3, min_seconds=1.0, pause=0.5, rounds=6,
                 mnist_steps=None,
                 **_DEFAULTS),
    "quick": Mode("quick", repeats=12, warmup=3, min_seconds=0.3, pause=0.2, rounds=6,
                  mnist_steps=50,
                  **_DEFAULTS),
    "smoke": Mode("smoke", **dict(  # one tiny case per section, no MNIST, no cold cache
        _DEFAULTS, repeats=1, warmup=1, min_seconds=0.0, pause=0.0, rounds=1, mnist_steps=0,
        conv_shapes=((10, 1, 9, 9, 5, 3, 1, 1),), pool_shape=(4, 2, 8, 8), lenet_batch=8,
        cold_cache=False, fresh_runs=1, memory_conv_shape=(2, 4, 8, 8, 4, 3, 1, 1),
        gemm_size=128)),
}


@dataclass
class Context:
    """Everything a section needs: the preset, thread count and where the data lives."""
    mode: Mode
    threads: int
    data_dir: Path

    def pause(self) -> None:
        """Let the previous system's worker threads stop spinning before the next one runs."""
        if self.mode.pause:
            time.sleep(self.mode.pause)
