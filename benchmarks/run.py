"""Benchmark tinygrad_cnn against PyTorch CPU and a hand-written numpy engine.

    python -m benchmarks [--quick | --smoke] [--data-dir DIR] [--only conv,pool] [--out DIR]
    python benchmarks/run.py ...                      (same thing)

Every comparison is made within one run: each system is warmed up, timed on its own
(median of repeats, never interleaved with another system) and followed by a short pause
so spinning thread pools go quiet. All pools use the same thread count (--threads).
Prints a table and writes it to OUT/latest.md and OUT/latest.json.
"""
from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from datetime import datetime
from pathlib import Path
from typing import Any, Dict, List, Optional

if __package__ in (None, ""):  # run as a script: make the repository root importable
    sys.path[0] = str(Path(__file__).resolve().parents[1])  # not benchmarks/: no shadowing

from benchmarks import cpu, report, threads  # noqa: E402
from benchmarks.config import DEFAULT_DATA_DIR, MODES, Context  # noqa: E402
from benchmarks.sections import SECTIONS  # noqa: E402

DEFAULT_OUT = Path(__file__).resolve().parent / "results"


def parse_args(argv: Optional[List[str]]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    size = parser.add_mutually_exclusive_group()
    size.add_argument("--quick", action="store_true",
                      help="about 0.3 s of calls per system and case, MNIST epoch extrapolated "
                      "from 50 steps")
    size.add_argument("--smoke", action="store_true",
                      help="one tiny case per section, 1 repeat, no MNIST, no cold cache")
    parser.add_argument("--data-dir", type=Path, default=DEFAULT_DATA_DIR,
                        help=f"MNIST directory (default {DEFAULT_DATA_DIR})")
    parser.add_argument("--only", default="",
                        help=f"comma-separated sections out of {','.join(SECTIONS)}")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="where results go")
    parser.add_argument("--threads", type=int, default=2,
                        help="threads for numba, BLAS and torch alike (default 2)")
    return parser.parse_args(argv)


def selected_sections(only: str) -> List[str]:
    names = [n.strip() for n in only.split(",") if n.strip()] or list(SECTIONS)
    unknown = sorted(set(names) - set(SECTIONS))
    if unknown:
        raise SystemExit(f"unknown section(s) {unknown}; choose from {list(SECTIONS)}")
    return names


def environment(ctx: Context) -> Dict[str, Any]:
    import numba
    import numpy
    import torch
    return {"date": datetime.now().isoformat(timespec="seconds"), "mode": ctx.mode.name,
            **cpu.describe(), "python": platform.python_version(), "numpy": numpy.__version__,
            "numba": numba.__version__, "torch": torch.__version__,
            "cpus": os.cpu_count(), "threads_requested": ctx.threads,
            **threads.describe()}


def header_lines(meta: Dict[str, Any]) -> List[str]:
    return ["# tinygrad_cnn benchmarks", "",
            *(f"- {key}: {value}" for key, value in meta.items()), "",
            "Times are medians after warm-up; ratios are ours / other (lower is better)."]


def main(argv: Optional[List[str]] = None) -> int:
    args = parse_args(argv)
    mode = MODES["smoke" if args.smoke else "quick" if args.quick else "full"]
    names = selected_sections(args.only)
    threads.configure(args.threads)
    ctx = Context(mode, args.threads, args.data_dir)
    rows: List[report.Row] = []
    for name in names:
        start = time.perf_counter()
        print(f"[{name}] running ...", flush=True)
        rows += SECTIONS[name](ctx)
        print(f"[{name}] done in {time.perf_counter() - start:.1f} s", flush=True)
        ctx.pause()
    meta = environment(ctx)  # after the runs: numba picks its threading layer lazily
    header = header_lines(meta)
    print("\n".join(header) + "\n")
    print(report.text_table(rows))
    report.write(args.out, rows, header, meta)
    print(f"\nwritten to {args.out / 'latest.md'} and {args.out / 'latest.json'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
