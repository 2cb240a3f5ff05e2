"""Pin every thread pool (numba, BLAS, torch) to the same size, and describe them."""
from __future__ import annotations

import os
from typing import Any, Dict

_ENV_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMBA_NUM_THREADS")
_limits: Any = None  # keeps the threadpoolctl limit alive for the whole run


def subprocess_env(threads: int, **extra: str) -> Dict[str, str]:
    """Environment for a probe subprocess: same thread counts, repo importable."""
    from .config import REPO_ROOT
    env = dict(os.environ, **{var: str(threads) for var in _ENV_VARS}, **extra)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO_ROOT), env.get("PYTHONPATH")]))
    return env


def configure(threads: int, with_torch: bool = True) -> None:
    """Use `threads` threads in numba, every BLAS/OpenMP pool and (optionally) torch."""
    global _limits
    import numba
    numba.set_num_threads(min(threads, numba.config.NUMBA_NUM_THREADS))
    try:
        from threadpoolctl import threadpool_limits
        _limits = threadpool_limits(threads)
    except ImportError:  # env vars set by the caller (or defaults) then decide BLAS threads
        pass
    if with_torch:
        import torch
        torch.set_num_threads(threads)


def describe() -> Dict[str, Any]:
    """Thread settings actually in effect (call after a parallel kernel has run)."""
    import numba
    import torch
    info: Dict[str, Any] = {"numba_threads": numba.get_num_threads(),
                            "torch_threads": torch.get_num_threads(),
                            "torch_interop_threads": torch.get_num_interop_threads()}
    try:
        info["numba_threading_layer"] = numba.threading_layer()
    except ValueError:  # no parallel numba function has run yet
        info["numba_threading_layer"] = f"not yet chosen ({numba.config.THREADING_LAYER})"
    try:
        from threadpoolctl import threadpool_info
        info["native_pools"] = [f"{p['internal_api']}:{p['num_threads']} "
                                f"({os.path.basename(p['filepath'])})"
                                for p in threadpool_info()]
    except ImportError:
        info["native_pools"] = "threadpoolctl not installed (pip install threadpoolctl)"
    return info
