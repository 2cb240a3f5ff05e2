"""Fresh-interpreter start: import, plus the first conv2d fwd+bwd (numba JIT or cache)."""
from __future__ import annotations

import tempfile
from typing import List

from ..config import Context
from ..report import Row, Target
from ..subproc import run_probe


def _last_of_runs(ctx: Context, system: str, **env: str):
    """Run the probe `fresh_runs` times and keep the last: earlier runs fill the numba and
    OS file caches, so the last is a start with warm caches."""
    for i in range(ctx.mode.fresh_runs):
        if i:
            ctx.pause()
        result = run_probe(ctx, "cold", system, **env)
    return result


def _split(result: dict) -> str:
    return f"import {result['import_s']:.2f} s + first conv {result['first_call_s']:.2f} s"


def run(ctx: Context) -> List[Row]:
    ours_wall, ours = _last_of_runs(ctx, "ours")
    ctx.pause()
    torch_wall, torch = _last_of_runs(ctx, "torch")
    rows = [Row("coldstart", "process: import + conv fwd+bwd, warm numba cache", "s",
                ours=ours_wall, torch=torch_wall,
                notes=f"subprocess wall time; ours {_split(ours)}; torch {_split(torch)}",
                targets=[Target("ours", 1.0, "ours <= 1.0 s")]),
            Row("coldstart", "import only (in that process)", "s", ours=ours["import_s"],
                torch=torch["import_s"], notes="import tinygrad_cnn vs import torch")]
    if ctx.mode.cold_cache:
        with tempfile.TemporaryDirectory() as empty:
            cold_wall, cold = run_probe(ctx, "cold", "ours", NUMBA_CACHE_DIR=empty)
        rows.append(Row("coldstart", "process: import + conv fwd+bwd, cold numba cache", "s",
                        ours=cold_wall, torch=torch_wall,
                        notes=f"NUMBA_CACHE_DIR empty, so every kernel compiles; {_split(cold)}"))
    return rows
