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
    repeats: int
    warmup: int
    pause: float                 # seconds of quiet between systems, so spinning pools idle
    conv_shapes: Tuple[ConvShape, ...]
    pool_shape: Tuple[int, int, int, int]
    lenet_batch: int
    mnist_steps: Optional[int]
    cold_cache: bool             # also time a start with an empty numba cache (slow)
    fresh_runs: int              # cold-start probe runs; the last counts (earlier fill caches)
    memory_conv_shape: ConvShape
    gemm_size: int


MODES = {
    "full": Mode("full", 10, 2, 0.5, CONV_SHAPES, (64, 32, 28, 28), 64, None, True, 2,
                 MEMORY_CONV_SHAPE, 1024),
    "quick": Mode("quick", 3, 1, 0.2, CONV_SHAPES, (64, 32, 28, 28), 64, 50, True, 2,
                  MEMORY_CONV_SHAPE, 1024),
    "smoke": Mode("smoke", 1, 1, 0.0, ((10, 1, 9, 9, 5, 3, 1, 1),), (4, 2, 8, 8), 8, 0,
                  False, 1, (2, 4, 8, 8, 4, 3, 1, 1), 128),
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
