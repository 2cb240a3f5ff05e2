"""conv2d forward and forward+backward on the issue's seven shapes, with GFLOP/s."""
from __future__ import annotations

import math
from typing import Dict, List

from ..config import Context, ConvShape
from ..engines import conv_arrays
from ..numpy_baseline import conv_backward, conv_forward
from ..report import Row, Target
from ..timing import Timing
from .machine import gemm_gflops
from .ops import time_op, timing_row


def forward_flops(shape: ConvShape) -> int:
    """2 * N * Cout * OH * OW * Cin * k * k (one multiply-add = 2 flops)."""
    n, cin, h, w, cout, k, stride, pad = shape
    oh, ow = (h + 2 * pad - k) // stride + 1, (w + 2 * pad - k) // stride + 1
    return 2 * n * cout * oh * ow * cin * k * k


def label(shape: ConvShape) -> str:
    n, cin, h, w, cout, k, stride, pad = shape
    return f"({n},{cin},{h},{w})->{cout} k{k} s{stride} p{pad}"


def _notes(timings: Dict[str, Timing], flops: int, peak: float) -> str:
    rates = {name: flops / t.seconds / 1e9 for name, t in timings.items()}
    rate_text = " ".join(f"{name} {r:.1f}" for name, r in rates.items())
    faults = " ".join(f"{name} {t.faults:.0f}" for name, t in timings.items()
                      if name != "numpy")
    return (f"GFLOP/s {rate_text} (ours {100 * rates['ours'] / peak:.0f}% of GEMM peak); "
            f"page faults/call {faults}")


def _geomean(values: List[float]) -> float:
    return math.exp(sum(math.log(v) for v in values) / len(values))


def _summary(rows: List[Row], kind: str, targets: bool) -> List[Row]:
    """Geometric mean and worst shape of ours/torch over the rows of one kind."""
    picked = [r for r in rows if r.case.endswith(" " + kind) and r.ratio_torch]
    if not picked:
        return []
    worst = max(picked, key=lambda r: r.ratio_torch)
    mean = Row("conv", f"geomean {kind} ({len(picked)} shapes)", "ratio",
               ratio_torch=_geomean([r.ratio_torch for r in picked]),
               ratio_numpy=_geomean([r.ratio_numpy for r in picked if r.ratio_numpy]))
    worst_row = Row("conv", f"worst {kind}", "ratio", ratio_torch=worst.ratio_torch,
                    notes=worst.case)
    if targets:
        mean.targets = [Target("ours/torch", 1.25, "<= 1.25x torch")]
        worst_row.targets = [Target("ours/torch", 2.0, "<= 2.0x torch")]
    return [mean, worst_row]


def run(ctx: Context) -> List[Row]:
    peak = gemm_gflops(ctx.mode.gemm_size, ctx.mode.repeats)
    rows = []
    for shape in ctx.mode.conv_shapes:
        x, w, b, grad_out = conv_arrays(shape)
        stride, pad = shape[6], shape[7]
        forward, both = time_op(
            ctx, lambda F, x, w, b: F.conv2d(x, w, b, stride=stride, padding=pad),
            lambda x, w, b: conv_forward(x, w, b, stride, pad), conv_backward,
            (x, w, b), grad_out)
        flops = forward_flops(shape)
        rows.append(timing_row("conv", label(shape) + " fwd", forward,
                               _notes(forward, flops, peak)))
        rows.append(timing_row("conv", label(shape) + " fwd+bwd", both,
                               _notes(both, 3 * flops, peak)))  # backward = 2x forward
        ctx.pause()
    return rows + _summary(rows, "fwd", False) + _summary(rows, "fwd+bwd", True)
