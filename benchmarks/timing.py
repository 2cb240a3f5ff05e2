"""Median-of-repeats timing with warm-up, and page faults per call."""
from __future__ import annotations

import gc
import resource
import statistics
import time
from dataclasses import dataclass
from typing import Callable, Dict, List

from .config import Context


MAX_REPEATS = 100


@dataclass
class Timing:
    seconds: float               # median over the timed repeats
    faults: float                # minor page faults per call (fresh memory is expensive)
    samples: List[float]


def _minor_faults() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_minflt


def measure(fn: Callable[[], object], repeats: int, warmup: int,
            min_seconds: float = 0.0) -> Timing:
    """Call `fn` `warmup` times untimed (JIT, caches, thread pools), then time it at least
    `repeats` times and, for fast calls, until about `min_seconds` have been spent (up to
    MAX_REPEATS): a median of many short calls resists scheduler noise on a busy machine."""
    start = time.perf_counter()
    for _ in range(warmup):
        fn()
    per_call = (time.perf_counter() - start) / max(warmup, 1)
    repeats = max(repeats, min(MAX_REPEATS, int(min_seconds / max(per_call, 1e-9))))
    gc.collect()  # start from a clean heap so a collection of the warm-up garbage isn't timed
    samples, faults0 = [], _minor_faults()
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    faults = (_minor_faults() - faults0) / repeats
    return Timing(statistics.median(samples), faults, samples)


def compare(ctx: Context, calls: Dict[str, Callable[[], object]]) -> Dict[str, Timing]:
    """Time each system's call in turn, never interleaved, pausing between systems."""
    timings = {}
    for i, (system, fn) in enumerate(calls.items()):
        if i:
            ctx.pause()
        timings[system] = measure(fn, ctx.mode.repeats, ctx.mode.warmup,
                                  ctx.mode.min_seconds)
    return timings
