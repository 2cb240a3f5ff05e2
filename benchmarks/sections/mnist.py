"""One MNIST training epoch (60k images, batch 64, Adam) for ours and torch.

Ours runs the library's own loop (`training.train_epoch` over a `DataLoader`); torch runs
the equivalent hand-written loop with vectorised batching (no per-sample collate, which
would make torch look slower than it needs to be). Both track loss and accuracy per step.
"""
from __future__ import annotations

import math
import time
from typing import List, Optional

import numpy as np

from .. import engines
from ..config import MNIST_TRAIN_SIZE, Context
from ..report import Row, Target

BATCH = 64


def _ours_epoch(x: np.ndarray, y: np.ndarray, steps: int) -> None:
    from tinygrad_cnn.data import DataLoader, TensorDataset
    from tinygrad_cnn.training.loop import train_epoch
    engine = engines.load("ours")
    model = engine.lenet()
    optimizer = engine.optim.Adam(model.parameters(), lr=1e-3)
    loader = DataLoader(TensorDataset(x, y), batch_size=BATCH, shuffle=True, seed=0)
    train_epoch(model, optimizer, loader, max_batches=steps)


def _torch_epoch(x: np.ndarray, y: np.ndarray, steps: int) -> None:
    engine = engines.load("torch")
    model = engine.lenet()
    optimizer = engine.optim.Adam(model.parameters(), lr=1e-3)
    xs, ys = engine.tensor(x), engine.tensor(y)
    order = engine.lib.randperm(len(xs))
    model.train()
    loss_sum, correct = 0.0, 0
    for i in range(steps):
        idx = order[i * BATCH:(i + 1) * BATCH]
        xb, yb = xs[idx], ys[idx]
        optimizer.zero_grad()
        logits = model(xb)
        loss = engine.F.cross_entropy(logits, yb)
        loss.backward()
        optimizer.step()
        loss_sum += loss.item() * len(yb)
        correct += int((logits.argmax(1) == yb).sum())


def _timed_epoch(ctx: Context, epoch, x, y, steps: int) -> float:
    """Seconds for `steps` steps after a few untimed warm-up steps."""
    epoch(x, y, max(ctx.mode.warmup, 1))
    start = time.perf_counter()
    epoch(x, y, steps)
    return time.perf_counter() - start


def _load(ctx: Context) -> Optional[tuple]:
    if not ctx.data_dir.is_dir():
        return None
    from tinygrad_cnn.training.datasets import load_split
    (x, y), _ = load_split("mnist", str(ctx.data_dir))
    return x, y


def run(ctx: Context) -> List[Row]:
    if ctx.mode.mnist_steps == 0:
        return []
    data = _load(ctx)
    if data is None:
        print(f"note: MNIST epoch skipped: no data in {ctx.data_dir} (use --data-dir)")
        return [Row("mnist", "epoch skipped", "s", notes=f"no MNIST in {ctx.data_dir}")]
    full = math.ceil(MNIST_TRAIN_SIZE / BATCH)
    steps = min(ctx.mode.mnist_steps or full, full)
    seconds = {}
    for i, (name, epoch) in enumerate((("ours", _ours_epoch), ("torch", _torch_epoch))):
        if i:
            ctx.pause()
        seconds[name] = _timed_epoch(ctx, epoch, *data, steps) * full / steps
    how = "full epoch" if steps == full else f"extrapolated from {steps} of {full} steps"
    return [Row("mnist", f"epoch 60k, batch {BATCH}", "s", ours=seconds["ours"],
                torch=seconds["torch"], notes=how,
                targets=[Target("ours/torch", 1.5, "<= 1.5x torch")])]
