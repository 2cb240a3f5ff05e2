"""The float32 GEMM peak of this machine, the yardstick for conv GFLOP/s."""
from __future__ import annotations

from functools import lru_cache
from typing import List

import numpy as np

from ..config import Context
from ..report import Row
from ..timing import measure


@lru_cache(maxsize=None)
def gemm_gflops(n: int, repeats: int, system: str = "numpy") -> float:
    """GFLOP/s of an n x n float32 matmul (numpy's BLAS is what ours runs on)."""
    rng = np.random.default_rng(0)
    a, b = (rng.standard_normal((n, n), dtype=np.float32) for _ in range(2))
    if system == "torch":
        import torch
        a, b = torch.from_numpy(a), torch.from_numpy(b)
    seconds = measure(lambda: a @ b, max(repeats, 3), 1).seconds
    return 2 * n ** 3 / seconds / 1e9


def run(ctx: Context) -> List[Row]:
    n = ctx.mode.gemm_size
    numpy_peak = gemm_gflops(n, ctx.mode.repeats)
    ctx.pause()
    torch_peak = gemm_gflops(n, ctx.mode.repeats, "torch")
    return [Row("machine", f"float32 GEMM {n}x{n}", "GFLOP/s", ours=numpy_peak,
                torch=torch_peak, numpy=numpy_peak, compare=False,
                notes="higher is better; ours and numpy both run numpy's BLAS")]
