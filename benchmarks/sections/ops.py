"""Shared timing of one op's forward and forward+backward on all three systems."""
from __future__ import annotations

from typing import Callable, Dict, Sequence, Tuple

import numpy as np

from .. import engines
from ..config import Context
from ..report import Row
from ..timing import Timing, compare

Calls = Tuple[Callable[[], object], Callable[[], object]]


def engine_calls(engine: engines.Engine, op: Callable, arrays: Sequence[np.ndarray],
                 grad_out: np.ndarray) -> Calls:
    """(forward, forward+backward) of `op(F, *tensors)`; forward runs without a graph."""
    tensors = [engine.tensor(a, requires_grad=True) for a in arrays]
    grad = engine.tensor(grad_out)

    def forward():
        with engine.lib.no_grad():
            return op(engine.F, *tensors)

    def forward_backward():
        for t in tensors:
            t.grad = None  # as zero_grad(set_to_none=True): no accumulation cost
        op(engine.F, *tensors).backward(grad)
    return forward, forward_backward


def numpy_calls(forward: Callable, backward: Callable, arrays: Sequence[np.ndarray],
                grad_out: np.ndarray) -> Calls:
    return (lambda: forward(*arrays),
            lambda: backward(grad_out, forward(*arrays)[1]))


def time_op(ctx: Context, op: Callable, np_forward: Callable, np_backward: Callable,
            arrays: Sequence[np.ndarray], grad_out: np.ndarray
            ) -> Tuple[Dict[str, Timing], Dict[str, Timing]]:
    """Timings of forward, then of forward+backward, for ours, torch and numpy."""
    calls = {name: engine_calls(engines.load(name), op, arrays, grad_out)
             for name in engines.SYSTEMS}
    calls["numpy"] = numpy_calls(np_forward, np_backward, arrays, grad_out)
    forward = compare(ctx, {name: c[0] for name, c in calls.items()})
    ctx.pause()
    both = compare(ctx, {name: c[1] for name, c in calls.items()})
    return forward, both


def timing_row(section: str, case: str, timings: Dict[str, Timing], notes: str = "",
               **kwargs) -> Row:
    """A row in milliseconds from per-system timings."""
    ms = {name: t.seconds * 1e3 for name, t in timings.items()}
    return Row(section, case, "ms", ours=ms.get("ours"), torch=ms.get("torch"),
               numpy=ms.get("numpy"), notes=notes, **kwargs)
