"""Run a `benchmarks.probes` probe in a fresh interpreter and time it from outside."""
from __future__ import annotations

import json
import subprocess
import sys
import time
from typing import Any, Dict, Tuple

from .config import REPO_ROOT, Context
from .threads import subprocess_env


def run_probe(ctx: Context, probe: str, system: str, options: Dict[str, Any] = None,
              **env: str) -> Tuple[float, Dict[str, Any]]:
    """(wall seconds of the whole subprocess, the probe's JSON result)."""
    cmd = [sys.executable, "-m", "benchmarks.probes", probe, system]
    if options:
        cmd.append(json.dumps(options))
    start = time.perf_counter()
    done = subprocess.run(cmd, cwd=REPO_ROOT, env=subprocess_env(ctx.threads, **env),
                          capture_output=True, text=True, timeout=600)
    wall = time.perf_counter() - start
    if done.returncode:
        raise RuntimeError(f"probe {probe} {system} failed:\n{done.stderr[-2000:]}")
    return wall, json.loads(done.stdout.strip().splitlines()[-1])
