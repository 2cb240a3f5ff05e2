"""Peak RSS growth of one conv fwd+bwd and one LeNet step, each in a fresh interpreter."""
from __future__ import annotations

from typing import List

from ..config import Context
from ..engines import SYSTEMS
from ..report import Row, Target
from ..subproc import run_probe
from .conv import label


def _peaks(ctx: Context, options: dict) -> dict:
    results = {}
    for i, system in enumerate(SYSTEMS):
        if i:
            ctx.pause()
        results[system] = run_probe(ctx, "memory", system, dict(options, threads=ctx.threads))[1]
    return results


def _row(case: str, results: dict, **kwargs) -> Row:
    method = results["ours"]["method"]
    how = ("VmHWM reset via /proc/self/clear_refs" if method == "clear_refs"
           else "VmHWM delta after warm-up (may under-count: no clear_refs)")
    return Row("memory", case, "MB", ours=results["ours"]["delta_mb"],
               torch=results["torch"]["delta_mb"], notes=f"peak RSS growth; {how}", **kwargs)


def run(ctx: Context) -> List[Row]:
    shape = ctx.mode.memory_conv_shape
    conv = _peaks(ctx, {"case": "conv", "shape": list(shape)})
    ctx.pause()
    lenet = _peaks(ctx, {"case": "lenet", "batch": ctx.mode.lenet_batch})
    return [_row(f"conv fwd+bwd {label(shape)}", conv,
                 targets=[Target("ours/torch", 2.0, "<= 2x torch")]),
            _row(f"LeNet train step, batch {ctx.mode.lenet_batch}", lenet)]
