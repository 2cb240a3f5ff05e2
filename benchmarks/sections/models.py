"""Whole networks: training step, inference, per-layer fwd/bwd, a real-data epoch, first step.

Each (network, system) runs in its own fresh process (`benchmarks.model_probe`); the
systems take turns, round by round in rotating order, and each reported time is the
median over the rounds' medians. The networks are in `benchmarks/networks.py`; the MNIST
ones train on real images when the data directory has them (the CIFAR-shaped ones on
random data: there is no CIFAR data here).
"""
from __future__ import annotations

import math
import statistics
import tempfile
import time
from typing import Dict, List

from ..config import Context
from ..networks import INFERENCE_BATCH, NETWORKS
from ..report import Row, Target
from ..subproc import run_script

SYSTEMS = ("ours", "torch")
LAYER_ROWS = 3           # per network, the layers that take most of our step time


def _options(ctx: Context, parts, **extra) -> dict:
    quick = ctx.mode.name != "full"
    return dict(parts=list(parts), data_dir=str(ctx.data_dir), threads=ctx.threads,
                repeats=3 if ctx.mode.name == "smoke" else 8,
                min_seconds=0.0 if ctx.mode.name == "smoke" else 0.4 if quick else 1.5,
                **extra)


def _probe(ctx: Context, net: str, system: str, options: dict, **env: str) -> dict:
    spawned = time.time()
    result = run_script(ctx, ["benchmarks.model_probe", net, system], options, **env)
    if "done_at" in result:  # spawn to first step done, less the time reading data files
        result["ready_s"] = result["done_at"] - spawned - result["data_s"]
    return result


def _rounds(ctx: Context, net: str, parts, rounds: int, **extra) -> Dict[str, List[dict]]:
    """Each system's probe results, the systems taking turns in rotating order; the first
    round's processes also time the layers one by one (after the whole-step timings)."""
    results: Dict[str, List[dict]] = {s: [] for s in SYSTEMS}
    for r in range(rounds):
        more = ("layers",) if r == 0 and "step" in parts else ()
        for system in SYSTEMS[r % 2:] + SYSTEMS[:r % 2]:
            ctx.pause()
            results[system].append(_probe(ctx, net, system,
                                          _options(ctx, (*parts, *more), **extra)))
    return results


def _median(results: List[dict], key: str) -> float:
    return statistics.median(r[key] for r in results)


def _layer_rows(net: str, ours: list, torch: list, step_ms: float) -> List[Row]:
    """The layers that take most of our step, fwd+bwd, with each system's split."""
    pairs = [(o[0], o[1:], t[1:]) for o, t in zip(ours, torch)]
    pairs.sort(key=lambda p: -sum(p[1]))
    rows = []
    for name, (of, ob), (tf, tb) in pairs[:LAYER_ROWS]:
        rows.append(Row("model-layers", f"{net}: {name} fwd+bwd", "ms", ours=(of + ob) * 1e3,
                        torch=(tf + tb) * 1e3,
                        notes=f"fwd {of * 1e3:.2f} vs {tf * 1e3:.2f}, bwd {ob * 1e3:.2f} vs "
                              f"{tb * 1e3:.2f}; {100 * (of + ob) * 1e3 / step_ms:.0f}% of "
                              "our step"))
    return rows


def _slowest(ours: list, torch: list) -> str:
    """The layer costing us the most time over torch's."""
    name, of, ob, tf, tb = max(((o[0], *o[1:], *t[1:]) for o, t in zip(ours, torch)),
                               key=lambda r: (r[1] + r[2]) - (r[3] + r[4]))
    return (f"slowest vs torch: {name} (fwd {of * 1e3:.2f} vs {tf * 1e3:.2f} ms, "
            f"bwd {ob * 1e3:.2f} vs {tb * 1e3:.2f} ms)")


def _network_rows(ctx: Context, net: str) -> List[Row]:
    rounds = 1 if ctx.mode.name == "smoke" else 2 if ctx.mode.name == "quick" else 3
    info = NETWORKS[net]
    res = _rounds(ctx, net, ("step", "infer"), rounds)
    ours_l, torch_l = res["ours"][0]["layers"], res["torch"][0]["layers"]
    step = {s: _median(res[s], "step_s") * 1e3 for s in SYSTEMS}
    infer = {s: _median(res[s], "infer_s") * 1e3 for s in SYSTEMS}
    data = "real MNIST" if res["ours"][0]["real_data"] else "random data"
    rows = [Row("models", f"{net} train step, batch {info.batch}", "ms", ours=step["ours"],
                torch=step["torch"], notes=f"{info.description}; {data}; Adam; "
                f"{_slowest(ours_l, torch_l)}",
                targets=[Target("ours/torch", 1.0, "<= 1.0x torch")]),
            Row("models", f"{net} inference, batch {INFERENCE_BATCH}", "ms", ours=infer["ours"],
                torch=infer["torch"], notes="eval(), no_grad",
                targets=[Target("ours/torch", 1.0, "<= 1.0x torch")])]
    rows += _layer_rows(net, ours_l, torch_l, step["ours"])
    if net == "resnet8":
        bn = next((o, t) for o, t in zip(ours_l, torch_l) if o[0] == "stem bn")
        rows.append(Row("model-layers", "resnet8: batch norm (32,16,32,32) fwd+bwd alone", "ms",
                        ours=sum(bn[0][1:]) * 1e3, torch=sum(bn[1][1:]) * 1e3,
                        targets=[Target("ours/torch", 1.0, "<= 1.0x torch")]))
    if net == "lenet":
        rows += _first_step_rows(ctx, res)
    return rows


def _summary(rows: List[Row]) -> List[Row]:
    ratios = [r.ratio_torch for r in rows if r.section == "models" and " train step, batch" in r.case]
    geomean = math.exp(sum(map(math.log, ratios)) / len(ratios))
    return [Row("models", "train step geomean over networks", "", ratio_torch=geomean,
                targets=[Target("ours/torch", 0.9, "<= 0.9x torch")]),
            Row("models", "train step worst network", "", ratio_torch=max(ratios),
                targets=[Target("ours/torch", 1.25, "<= 1.25x torch")])]


def _epoch_row(ctx: Context) -> List[Row]:
    if ctx.mode.name == "smoke":
        return []
    steps = None if ctx.mode.name == "full" else 300
    res = _rounds(ctx, "lenet", ("epoch",), 1, epoch_steps=steps)
    if "epoch_s" not in res["ours"][0]:
        return [Row("models", "lenet MNIST epoch skipped", "s",
                    notes=f"no MNIST in {ctx.data_dir} (use --data-dir)")]
    o, t = res["ours"][0], res["torch"][0]
    how = ("full epoch" if o["epoch_steps_timed"] == o["epoch_steps_full"] else
           f"first step + {o['epoch_steps_timed'] - 1} steps extrapolated to "
           f"{o['epoch_steps_full']}")
    return [Row("models", "lenet real-MNIST epoch, plain loop, batch 64", "s",
                ours=o["epoch_s"], torch=t["epoch_s"],
                notes=f"tensor(x[idx]) batches, loss.item() each step; {how}; first step "
                      f"ours {o['epoch_first_step_s'] * 1e3:.0f} ms, torch "
                      f"{t['epoch_first_step_s'] * 1e3:.0f} ms",
                targets=[Target("ours/torch", 1.0, "<= 1.0x torch")])]


def _first_step_rows(ctx: Context, warm: Dict[str, List[dict]]) -> List[Row]:
    """LeNet's first training step in a fresh process (the step rounds' processes, warm
    numba cache), then one with a cold cache."""
    runs = len(warm["ours"])
    first = {s: statistics.median_low(r["first_step_s"] for r in warm[s]) for s in SYSTEMS}
    ready = {s: statistics.median_low(r["ready_s"] for r in warm[s]) for s in SYSTEMS}
    rows = [Row("models", "lenet first train step, warm numba cache", "ms",
                ours=first["ours"] * 1e3, torch=first["torch"] * 1e3,
                notes=f"in a fresh process after import and model build; median of {runs}",
                targets=[Target("ours", 150, "ours <= 150 ms")]),
            Row("models", "lenet process start to first step done, warm cache", "s",
                ours=ready["ours"], torch=ready["torch"],
                notes="import + build + first step (reading the data files excluded; "
                      "numba's start-up thread runs meanwhile)",
                targets=[Target("ours", 1.0, "ours <= 1.0 s")])]
    if ctx.mode.cold_cache:
        with tempfile.TemporaryDirectory() as empty:
            cold = _probe(ctx, "lenet", "ours", _options(ctx, ()), NUMBA_CACHE_DIR=empty)
        rows.append(Row("models", "lenet first train step, cold numba cache", "ms",
                        ours=cold["first_step_s"] * 1e3, torch=first["torch"] * 1e3,
                        notes=f"NUMBA_CACHE_DIR empty: every kernel compiles; process start "
                              f"to first step {cold['ready_s']:.1f} s; torch's column is its "
                              "warm start"))
    return rows


def run(ctx: Context) -> List[Row]:
    names = ["lenet"] if ctx.mode.name == "smoke" else list(NETWORKS)
    rows: List[Row] = []
    for net in names:
        rows += _network_rows(ctx, net)
    return rows + _summary(rows) + _epoch_row(ctx)
