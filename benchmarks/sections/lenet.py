"""One training step of the tutorial LeNet (Adam) on a synthetic batch."""
from __future__ import annotations

from functools import partial
from typing import List

import numpy as np

from .. import engines
from ..config import Context
from ..numpy_baseline import NumpyLeNet
from ..report import Row, Target
from ..timing import compare
from .ops import timing_row


def step_call(engine: engines.Engine, x: np.ndarray, y: np.ndarray):
    """A zero-argument train step on fixed tensors, with its own model and optimizer."""
    model = engine.lenet()
    optimizer = engine.optim.Adam(model.parameters(), lr=1e-3)
    return partial(engine.train_step, model, optimizer, engine.tensor(x), engine.tensor(y))


def run(ctx: Context) -> List[Row]:
    batch = ctx.mode.lenet_batch
    rng = np.random.default_rng(0)
    x = rng.standard_normal((batch, 1, 28, 28), dtype=np.float32)
    y = rng.integers(0, 10, batch)
    calls = {name: step_call(engines.load(name), x, y) for name in engines.SYSTEMS}
    calls["numpy"] = partial(NumpyLeNet().train_step, x, y)
    timings = compare(ctx, calls)
    rate = " ".join(f"{name} {batch / t.seconds:.0f}" for name, t in timings.items())
    return [timing_row("lenet", f"train step, batch {batch} (Adam)", timings,
                       notes=f"images/s {rate}",
                       targets=[Target("ours/torch", 1.5, "<= 1.5x torch"),
                                Target("ours/numpy", 1 / 3, ">= 3x faster than numpy")])]
