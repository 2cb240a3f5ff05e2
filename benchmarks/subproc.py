"""Run a `benchmarks.probes` probe in a fresh interpreter and time it from outside."""
from __future__ import annotations

import json
import subprocess
import sys
import time
from typing import Any, Dict, List, Tuple

from .config import REPO_ROOT, Context
from .threads import subprocess_env


def run_probe(ctx: Context, probe: str, system: str, options: Dict[str, Any] = None,
              **env: str) -> Tuple[float, Dict[str, Any]]:
    """(wall seconds of the whole subprocess, the probe's JSON result)."""
    start = time.perf_counter()
    result = run_script(ctx, ["benchmarks.probes", probe, system], options, **env)
    return time.perf_counter() - start, result


def run_script(ctx: Context, module_args: List[str], options: Dict[str, Any] = None,
               **env: str) -> Dict[str, Any]:
    """The JSON result a `python -m MODULE ARGS [JSON-OPTIONS]` run prints last."""
    cmd = [sys.executable, "-m", *module_args]
    if options:
        cmd.append(json.dumps(options))
    done = subprocess.run(cmd, cwd=REPO_ROOT, env=subprocess_env(ctx.threads, **env),
                          capture_output=True, text=True, timeout=600)
    if done.returncode:
        raise RuntimeError(f"{' '.join(module_args)} failed:\n{done.stderr[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])
