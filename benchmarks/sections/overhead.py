"""Per-op framework overhead: 100 chained tiny ops (add, relu) forward+backward."""
from __future__ import annotations

from typing import List

import numpy as np

from .. import engines
from ..config import Context
from ..report import Row, Target
from ..timing import compare

OPS = 100


def chain_call(engine: engines.Engine):
    """Forward+backward through OPS/2 (add, relu) pairs on 1-element tensors."""
    x = engine.tensor(np.ones(1, np.float32), requires_grad=True)
    c = engine.tensor(np.full(1, 0.5, np.float32))
    grad = engine.tensor(np.ones(1, np.float32))

    def run() -> None:
        x.grad = None
        y = x
        for _ in range(OPS // 2):
            y = (y + c).relu()
        y.backward(grad)
    return run


def run(ctx: Context) -> List[Row]:
    timings = compare(ctx, {name: chain_call(engines.load(name)) for name in engines.SYSTEMS})
    us = {name: t.seconds / OPS * 1e6 for name, t in timings.items()}
    return [Row("overhead", f"{OPS} chained add/relu, fwd+bwd, per op", "us",
                ours=us["ours"], torch=us["torch"],
                targets=[Target("ours/torch", 2.0, "<= 2x torch")])]
