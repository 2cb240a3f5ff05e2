"""Measurements that need a fresh interpreter: cold start and peak memory.

Run by the harness as `python -m benchmarks.probes PROBE SYSTEM [JSON-OPTIONS]`; prints one
JSON object. Only the standard library is imported at module level, so a cold-start
probe pays for exactly what it measures.
"""
from __future__ import annotations

import json
import re
import sys
import time


def _status_kb(field: str) -> int:
    """A /proc/self/status field in kB (Linux); falls back to ru_maxrss for the peak."""
    try:
        with open("/proc/self/status") as f:
            return int(re.search(rf"{field}:\s+(\d+)", f.read()).group(1))
    except (OSError, AttributeError):
        import resource
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def _reset_peak() -> bool:
    """Reset VmHWM to the current RSS (Linux >= 4.0), so the next peak is the op's alone."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


def _import(system: str):
    if system == "ours":
        import tinygrad_cnn as lib
        from tinygrad_cnn.nn import functional
        return lib, functional
    import torch as lib
    return lib, lib.nn.functional


def import_only(system: str, options: dict) -> dict:
    start = time.perf_counter()
    _import(system)
    return {"import_s": time.perf_counter() - start}


def cold_start(system: str, options: dict) -> dict:
    """Import the library, then one small conv2d forward+backward (JIT or cache load)."""
    start = time.perf_counter()
    lib, F = _import(system)
    imported = time.perf_counter()
    import numpy as np
    rng = np.random.default_rng(0)
    x = lib.from_numpy(rng.standard_normal((8, 3, 16, 16), dtype=np.float32))
    w = lib.from_numpy(rng.standard_normal((8, 3, 3, 3), dtype=np.float32))
    b = lib.from_numpy(rng.standard_normal(8, dtype=np.float32))
    for t in (x, w, b):
        t.requires_grad_()
    F.conv2d(x, w, b, padding=1).sum().backward()
    # done_at: wall clock (comparable across processes) when the first result is ready
    return {"import_s": imported - start, "first_call_s": time.perf_counter() - imported,
            "done_at": time.time()}


def peak_memory(system: str, options: dict) -> dict:
    """Peak RSS growth (MB) of one conv fwd+bwd or one LeNet train step, after warm-up."""
    from benchmarks import engines, threads
    threads.configure(options["threads"], with_torch=system == "torch")
    engine = engines.load(system)
    run_small, run_big = _memory_workload(engine, options)
    run_small()  # compile / load kernels, start thread pools, create optimizer state
    exact = _reset_peak()
    before = _status_kb("VmRSS" if exact else "VmHWM")
    run_big()
    after = _status_kb("VmHWM")
    return {"delta_mb": (after - before) / 1024, "method": "clear_refs" if exact else "hwm"}


def _memory_workload(engine, options: dict):
    """(warm-up, measured) closures; inputs are created before the peak is reset."""
    import numpy as np
    if options["case"] == "conv":
        shape = tuple(options["shape"])
        small = _conv_call(engine, (1, shape[1], 8, 8, *shape[4:]))
        return small, _conv_call(engine, shape)
    model = engine.lenet()
    optimizer = engine.optim.Adam(model.parameters(), lr=1e-3)
    rng = np.random.default_rng(0)

    def step_on(batch: int):
        x = engine.tensor(rng.standard_normal((batch, 1, 28, 28), dtype=np.float32))
        y = engine.tensor(rng.integers(0, 10, batch))
        return lambda: engine.train_step(model, optimizer, x, y)
    return step_on(2), step_on(options["batch"])


def _conv_call(engine, shape):
    from benchmarks.engines import conv_arrays
    x, w, b, g = conv_arrays(shape)
    x, w, b = (engine.tensor(a, True) for a in (x, w, b))
    g = engine.tensor(g)
    stride, pad = shape[6], shape[7]
    return lambda: engine.F.conv2d(x, w, b, stride=stride, padding=pad).backward(g)


PROBES = {"import": import_only, "cold": cold_start, "memory": peak_memory}

if __name__ == "__main__":
    probe, system = sys.argv[1], sys.argv[2]
    opts = json.loads(sys.argv[3]) if len(sys.argv) > 3 else {}
    print(json.dumps(PROBES[probe](system, opts)))
