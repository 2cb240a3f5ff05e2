"""Fresh-interpreter start: import, plus the first conv2d fwd+bwd (numba JIT or cache).

A start is timed from outside, from spawning the process to the moment its first conv
fwd+bwd is done (the probe reports that moment): what a user waits for. The interpreter's
exit comes after that and is shown on its own row. With numba loaded, exit costs ours
0.13-0.2 s: CPython's final garbage collections walk the ~120k objects of numba's typing
registries (measured: 0.20 s after loading them, 0.03 s once `gc.freeze()` had moved
them out of the collector's reach; a library must not freeze its user's heap, so we
don't).
"""
from __future__ import annotations

import statistics
import tempfile
import time
from typing import Dict, List

from ..config import Context
from ..report import Row, Target
from ..subproc import run_probe

SYSTEMS = ("ours", "torch")


def _start(ctx: Context, system: str, **env: str) -> dict:
    """One fresh process: the probe's result plus ready_s (spawn to first conv done) and
    wall_s (spawn to exit)."""
    spawned = time.time()
    wall, result = run_probe(ctx, "cold", system, **env)
    return dict(result, ready_s=result["done_at"] - spawned, wall_s=wall)


def _warm_starts(ctx: Context) -> Dict[str, List[dict]]:
    """Each system's starts with warm caches, `fresh_runs` of them.

    One untimed start first fills the numba and OS file caches. The systems then take
    turns, start by start: one fresh process is a single sample of a shared machine, and
    a burst of load then lands on both systems and moves the median by at most one
    sample (benchmarks/README.md)."""
    for system in SYSTEMS:
        run_probe(ctx, "cold", system)
    starts: Dict[str, List[dict]] = {system: [] for system in SYSTEMS}
    for _ in range(ctx.mode.fresh_runs):
        for system in SYSTEMS:
            ctx.pause()
            starts[system].append(_start(ctx, system))
    return starts


def _median_start(starts: List[dict]) -> dict:
    """The start with the median ready_s (the lower one of an even count)."""
    ready = statistics.median_low(s["ready_s"] for s in starts)
    return next(s for s in starts if s["ready_s"] == ready)


def _split(start: dict) -> str:
    return f"import {start['import_s']:.2f} s + first conv {start['first_call_s']:.2f} s"


def _spread(starts: List[dict], key: str) -> str:
    values = sorted(s[key] for s in starts)
    return f"median of {len(values)} starts, {values[0]:.2f}-{values[-1]:.2f} s"


def run(ctx: Context) -> List[Row]:
    starts = _warm_starts(ctx)
    ours, torch = (_median_start(starts[s]) for s in SYSTEMS)
    wall = {s: statistics.median_low(x["wall_s"] for x in starts[s]) for s in SYSTEMS}
    rows = [Row("coldstart", "process start to first conv fwd+bwd done, warm numba cache",
                "s", ours=ours["ready_s"], torch=torch["ready_s"],
                notes=f"ours {_spread(starts['ours'], 'ready_s')}; in the median start "
                      f"{_split(ours)}; torch {_split(torch)}",
                targets=[Target("ours", 1.0, "ours <= 1.0 s")]),
            Row("coldstart", "whole process, including interpreter exit", "s",
                ours=wall["ours"], torch=wall["torch"],
                notes=f"ours {_spread(starts['ours'], 'wall_s')}; exit is CPython's final "
                      "collections over numba's registries (see coldstart.py)"),
            Row("coldstart", "import only (in that process)", "s", ours=ours["import_s"],
                torch=torch["import_s"], notes="import tinygrad_cnn vs import torch")]
    if ctx.mode.cold_cache:
        with tempfile.TemporaryDirectory() as empty:
            cold = _start(ctx, "ours", NUMBA_CACHE_DIR=empty)
        rows.append(Row("coldstart", "process start to first conv done, cold numba cache",
                        "s", ours=cold["ready_s"], torch=torch["ready_s"],
                        notes=f"NUMBA_CACHE_DIR empty, so every kernel compiles; "
                              f"{_split(cold)}; whole process {cold['wall_s']:.2f} s; torch's "
                              "column is its warm start (it has no JIT cache to empty)"))
    return rows
