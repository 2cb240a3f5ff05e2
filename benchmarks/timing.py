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
    # a clean heap first, so no full collection lands in the timing; not between warm-up
    # and timing: the collection's pass over every object evicted the caches, and the
    # first timed call after it ran ~7% slow ((8,64,56,56) conv: 48.2 vs 45.2 ms)
    gc.collect()
    start = time.perf_counter()
    for _ in range(warmup):
        fn()
    per_call = (time.perf_counter() - start) / max(warmup, 1)
    repeats = max(repeats, min(MAX_REPEATS, int(min_seconds / max(per_call, 1e-9))))
    samples, faults0 = [], _minor_faults()
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    faults = (_minor_faults() - faults0) / repeats
    return Timing(statistics.median(samples), faults, samples)


def compare(ctx: Context, calls: Dict[str, Callable[[], object]]) -> Dict[str, Timing]:
    """Time each system's call in turn, never interleaved call by call, pausing between
    systems; over `ctx.mode.rounds` rounds in rotating order, each round timing a share
    of the repeats. The median pools every round's samples: on a shared machine a burst
    of load then lands on all systems alike instead of on whichever ran during it."""
    rounds = ctx.mode.rounds
    names = list(calls)
    parts: Dict[str, List[Timing]] = {name: [] for name in names}
    for r in range(rounds):
        for i, name in enumerate(names[r % len(names):] + names[:r % len(names)]):
            if r or i:
                ctx.pause()
            parts[name].append(measure(calls[name], -(-ctx.mode.repeats // rounds),
                                       ctx.mode.warmup, ctx.mode.min_seconds / rounds))
    return {name: _pooled(timings) for name, timings in parts.items()}


def _pooled(timings: List[Timing]) -> Timing:
    samples = [s for t in timings for s in t.samples]
    faults = sum(t.faults * len(t.samples) for t in timings) / len(samples)
    return Timing(statistics.median(samples), faults, samples)
