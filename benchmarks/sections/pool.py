"""2x2 max- and average-pooling, forward and forward+backward."""
from __future__ import annotations

from typing import List

import numpy as np

from ..config import Context
from ..numpy_baseline import (avg_pool_backward, avg_pool_forward, max_pool_backward,
                              max_pool_forward)
from ..report import Row, Target
from .ops import time_op, timing_row

POOLS = {"max_pool2d": (max_pool_forward, max_pool_backward),
         "avg_pool2d": (avg_pool_forward, avg_pool_backward)}


def run(ctx: Context) -> List[Row]:
    shape = ctx.mode.pool_shape
    rng = np.random.default_rng(0)
    x = rng.standard_normal(shape, dtype=np.float32)
    grad_out = rng.standard_normal((*shape[:2], shape[2] // 2, shape[3] // 2), dtype=np.float32)
    rows = []
    for name, (np_forward, np_backward) in POOLS.items():
        forward, both = time_op(ctx, lambda F, x, name=name: getattr(F, name)(x, 2),
                                np_forward, np_backward, (x,), grad_out)
        case = f"{name} 2x2 {shape}"
        targets = [Target("ours/torch", 0.5, "<= 0.5x torch")] if name == "max_pool2d" else []
        rows.append(timing_row("pool", case + " fwd", forward))
        rows.append(timing_row("pool", case + " fwd+bwd", both, targets=targets))
        ctx.pause()
    return rows
