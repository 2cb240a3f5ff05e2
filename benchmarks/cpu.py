"""The CPU in the table header: its model and the vector ISA our numba kernels compile for.

numba compiles for the host CPU unless NUMBA_CPU_NAME / NUMBA_CPU_FEATURES say otherwise;
with `NUMBA_CPU_NAME=znver3 NUMBA_CPU_FEATURES=<host features minus avx512*>` an AVX-512
machine runs our kernels as an AVX2-only Zen 3 would compile them (PyTorch keeps its own
runtime dispatch), which is how the AVX2 numbers of benchmarks/TUNING.md were taken.
"""
from __future__ import annotations

import os
import platform
from typing import Dict


def _model_name() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _host_flags() -> set:
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("flags"):
                    return set(line.split(":", 1)[1].split())
    except OSError:
        pass
    return set()


def numba_isa() -> str:
    """The widest vector ISA numba's target enables: 'AVX-512', 'AVX2', 'AVX' or 'SSE'."""
    import llvmlite.binding as llvm
    from numba.core import config
    features = config.CPU_FEATURES or ",".join(
        ("+" if on else "-") + name for name, on in llvm.get_host_cpu_features().items())
    enabled = {f[1:] for f in features.split(",") if f.startswith("+")}
    for isa, flag in (("AVX-512", "avx512f"), ("AVX2", "avx2"), ("AVX", "avx")):
        if flag in enabled:
            return isa
    return "SSE"


def describe() -> Dict[str, str]:
    import llvmlite.binding as llvm
    from numba.core import config
    flags = _host_flags()
    host_isa = "AVX-512" if "avx512f" in flags else "AVX2" if "avx2" in flags else "older"
    target = config.CPU_NAME or llvm.get_host_cpu_name()
    emulated = " (emulated via NUMBA_CPU_NAME/FEATURES)" if "NUMBA_CPU_NAME" in os.environ else ""
    return {"cpu": f"{_model_name()} (host ISA {host_isa}, LLVM {llvm.get_host_cpu_name()})",
            "vector_isa": f"our kernels: {numba_isa()}, LLVM target {target}{emulated}"}
