"""numba is loaded off the importing thread: `import tinygrad_cnn` leaves it to the warm-up
thread (kernels/warmup.py), which never compiles, and kernels become numba dispatchers on
first use (kernels/jit.py) with the same results as `numba.njit`."""
import json
import os
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import numba
import numpy as np

from tinygrad_cnn.kernels import jit

REPO = Path(__file__).resolve().parents[1]

# records which thread first imports each numba module (an import already under way in
# another thread does not reach the finder, but the warm-up starts after the package import)
_SPY = """
import sys, threading
imported_by = {}
class Spy:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in ("numba", "llvmlite"):
            imported_by.setdefault(name, threading.current_thread().name)
sys.meta_path.insert(0, Spy())
"""

_JOIN_WARMUP = """
from tinygrad_cnn.kernels import warmup
for thread in threading.enumerate():
    if thread.name == warmup.THREAD_NAME:
        thread.join()
"""


def _run(code: str, **env: str) -> dict:
    """Run `code` in a fresh interpreter at the repository root; its stdout is JSON."""
    done = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], cwd=REPO,
                          capture_output=True, text=True, env={**os.environ, **env},
                          timeout=120)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_the_package_import_leaves_numba_to_the_warmup_thread():
    result = _run(_SPY + """
import json
import tinygrad_cnn
from tinygrad_cnn import Tensor, nn, optim
from tinygrad_cnn.nn import functional as F
on_main = sorted(n for n, t in imported_by.items() if t == "MainThread")
""" + _JOIN_WARMUP + """
from numba.core.base import builtin_registry
from numba.core.registry import cpu_target
print(json.dumps({"on_main": on_main, "numba_thread": imported_by.get("numba"),
                  "refreshed": builtin_registry in cpu_target.target_context._registries}))
""")
    assert result["on_main"] == []
    assert result["numba_thread"] == "tinygrad_cnn-warmup"
    assert result["refreshed"]  # the start-up the first kernel call would otherwise pay


_KERNEL_STATE = """
import json, sys
from tinygrad_cnn.kernels import activation
from tinygrad_cnn.kernels.jit import LazyKernel
values = [v for name, m in list(sys.modules.items()) if name.startswith("tinygrad_cnn.")
          for v in vars(m).values() if hasattr(v, "py_func")]  # lazy kernels, dispatchers
built = [v.dispatcher if isinstance(v, LazyKernel) else v for v in values]
print(json.dumps({"kernels": len(values), "compiled": sum(
    bool(d.signatures) for d in built if d is not None and d is not activation._relu_kernel
    and d is not activation._relu_backward_kernel),
    "relu": [len(k.signatures) for k in (activation._relu_kernel,
                                         activation._relu_backward_kernel)]}))
"""


def test_the_warmup_compiles_nothing_with_an_empty_cache(tmp_path):
    result = _run("import threading\nimport tinygrad_cnn\n" + _JOIN_WARMUP + _KERNEL_STATE,
                  NUMBA_CACHE_DIR=str(tmp_path))
    assert result["kernels"] >= 20
    assert result["compiled"] == 0 and result["relu"] == [0, 0]
    assert [p for p in tmp_path.rglob("*") if p.is_file()] == []  # no .nbi index, no .nbc


def test_the_warmup_loads_the_relu_kernels_numba_has_cached(tmp_path):
    _run("""
import numpy as np
from tinygrad_cnn.kernels import activation
x = np.linspace(-1, 1, 1 << 14, dtype=np.float32)
activation.relu_backward(x, activation.relu_forward(x))  # compiles both into the cache
print("{}")
""", NUMBA_CACHE_DIR=str(tmp_path))
    result = _run("import threading\nimport tinygrad_cnn\n" + _JOIN_WARMUP + _KERNEL_STATE,
                  NUMBA_CACHE_DIR=str(tmp_path))
    assert result["relu"] == [1, 1] and result["compiled"] == 0


_KERNELS = """
def _scale(x):
    return 3.0 * x

def _scale_all(a, out):
    for i in range(a.size):
        out[i] = _scale(a[i]) + 1.0
"""


def _fresh_kernels() -> dict:
    """A new module namespace holding two unbuilt lazy kernels, one calling the other."""
    namespace: dict = {"__name__": "lazy_kernels_under_test"}
    exec(_KERNELS, namespace)
    for name in ("_scale", "_scale_all"):
        namespace[name] = jit.njit(cache=False)(namespace[name])
    return namespace


def test_a_lazy_kernel_matches_numba_and_exposes_the_dispatcher():
    kernels = _fresh_kernels()
    scale = kernels["_scale"]
    py_func = scale.py_func
    assert isinstance(scale, jit.LazyKernel) and scale.dispatcher is None
    assert scale.signatures == []  # reading an attribute builds the dispatcher, compiles nothing
    assert kernels["_scale"] is scale.dispatcher  # the module global is numba's own now
    assert scale(2.5) == numba.njit(py_func)(2.5) == 7.5
    assert [str(s) for s in scale.signatures] == ["(float64,)"]
    assert scale.py_func is py_func and scale.__name__ == "_scale"


def test_load_cached_never_compiles():
    scale = _fresh_kernels()["_scale"]  # cache=False: numba's cache never holds it
    assert not jit.load_cached(scale, 2.5)
    assert scale.signatures == []
    scale(2.5)
    assert jit.load_cached(scale, 1.0)  # the float64 specialisation is there now


def test_a_kernel_calling_a_lazy_kernel_in_nopython_code_works_from_cold():
    kernels = _fresh_kernels()
    caller, callee = kernels["_scale_all"], kernels["_scale"]
    a = np.arange(5, dtype=np.float32)
    out = np.empty_like(a)
    caller(a, out)  # neither built before: the callee must be a dispatcher when typed
    np.testing.assert_array_equal(out, 3 * a + 1)
    assert kernels["_scale"] is callee.dispatcher and kernels["_scale_all"] is caller.dispatcher
    caller(a * 2, out)  # the proxy still forwards once its global is the dispatcher
    np.testing.assert_array_equal(out, 6 * a + 1)


def test_racing_first_calls_build_one_dispatcher(monkeypatch):
    built, numba_njit = [], numba.njit

    def counting_njit(**options):
        built.append(options)
        return numba_njit(**options)

    monkeypatch.setattr(numba, "njit", counting_njit)
    kernels = _fresh_kernels()
    caller = kernels["_scale_all"]
    start = threading.Barrier(4)
    results = [None] * 4

    def first_call(i: int) -> None:
        out = np.empty(3)
        start.wait()
        caller(np.full(3, float(i)), out)
        results[i] = out.tolist()

    threads = [threading.Thread(target=first_call, args=(i,)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == [[3.0 * i + 1] * 3 for i in range(4)]
    assert len(built) == 2  # one dispatcher per kernel (caller and callee), not per thread


def test_the_warmup_pauses_the_garbage_collector_and_restores_it(monkeypatch):
    """numba's import makes ~10^5 long-lived objects: the warm-up loads it with the cyclic
    collector off, then puts the collector back as it found it."""
    import gc
    from tinygrad_cnn.kernels import warmup
    seen = []
    monkeypatch.setattr(warmup, "_load", lambda: seen.append(gc.isenabled()))
    was_on = gc.isenabled()
    try:
        for state in (True, False):
            (gc.enable if state else gc.disable)()
            warmup.start().join()
            assert gc.isenabled() is state
    finally:
        (gc.enable if was_on else gc.disable)()
    assert seen == [False, False]
