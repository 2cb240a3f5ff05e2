"""Thread policy of the kernels: every GEMM on one BLAS thread, large products split
across our own threads (kernels/runtime.py)."""
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from thread_fakes import ThreeThreads
from tinygrad_cnn.kernels import runtime


class _Blas:
    """Stands in for OpenBLAS's thread getter/setter and records the settings."""

    def __init__(self, count):
        self.count, self.history = count, []

    def get(self):
        return self.count

    def set(self, n):
        self.count = n
        self.history.append(n)


def test_gemm_runs_on_one_blas_thread_and_restores_the_setting(monkeypatch):
    blas = _Blas(2)
    monkeypatch.setattr(runtime, "_get", blas.get)
    monkeypatch.setattr(runtime, "_set", blas.set)
    seen = []
    real_matmul = np.matmul
    monkeypatch.setattr(np, "matmul", lambda *a, **k: (seen.append(blas.count),
                                                       real_matmul(*a, **k))[1])
    a, b = np.random.randn(3, 4), np.random.randn(4, 5)
    np.testing.assert_allclose(runtime.gemm(a, b), a @ b)
    assert seen == [1] and blas.history == [1, 2] and blas.count == 2


def test_gemm_accumulate_adds_into_strided_views_on_one_thread(monkeypatch):
    blas = _Blas(2)
    monkeypatch.setattr(runtime, "_get", blas.get)
    monkeypatch.setattr(runtime, "_set", blas.set)
    for dtype in (np.float32, np.float64):
        base = np.random.randn(4, 20).astype(dtype)
        a, b = np.random.randn(4, 3).astype(dtype), base[:3, 2:17]  # a row-offset view
        out_base = np.random.randn(6, 30).astype(dtype)
        out = out_base[1:5, 5:20]
        expected = out + a @ b
        runtime.gemm_accumulate(a, b, out)
        np.testing.assert_allclose(out, expected, rtol=1e-5)
        runtime.gemm_accumulate(a.T.copy().T, b, out)  # a transposed layout
        np.testing.assert_allclose(out, expected + a @ b, rtol=1e-5)
    assert blas.count == 2


@given(m=st.integers(1, 9), k=st.integers(1, 6), n=st.integers(1, 6),
       dtype=st.sampled_from([np.float32, np.float64]))
def test_large_products_split_by_rows_equal_numpy(m, k, n, dtype):
    a, b = np.random.randn(m, k).astype(dtype), np.random.randn(k, n).astype(dtype)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(runtime, "SPLIT_MIN_FLOPS", 0)
        ThreeThreads().install(mp, runtime)
        out = runtime.matmul(a, b)
    assert out.dtype == dtype  # atol: float32 sums that cancel to ~0 have no relative accuracy
    np.testing.assert_allclose(out, a @ b, rtol=1e-5, atol=1e-5)


def test_batched_and_vector_products_fall_back_to_one_gemm(monkeypatch):
    monkeypatch.setattr(runtime, "SPLIT_MIN_FLOPS", 0)
    ThreeThreads().install(monkeypatch, runtime)
    a, b, v = np.random.randn(2, 4, 3), np.random.randn(3, 5), np.random.randn(3)
    np.testing.assert_allclose(runtime.matmul(a, b), a @ b)
    np.testing.assert_allclose(runtime.matmul(b.T, v), b.T @ v)


def test_parts_run_on_worker_threads_and_a_concurrent_call_runs_serially(monkeypatch):
    """Part 0 runs on the caller's thread, the others on workers; while one call holds the
    workers, a call from another thread still gets every part done, on its own thread."""
    import threading
    ThreeThreads().install(monkeypatch, runtime)
    caller = threading.get_ident()
    inner = []

    def part(i, n0, n1):
        if i == 1:  # runs while the outer call holds the workers
            inner.append(runtime.run_parts(lambda j, a, b: (threading.get_ident(), b - a),
                                               [(0, 1), (1, 3)]))
        return threading.get_ident(), n1 - n0

    outer = runtime.run_parts(part, [(0, 1), (1, 3), (3, 6)])
    assert [size for _, size in outer] == [1, 2, 3]
    assert outer[0][0] == caller and outer[1][0] != caller and outer[2][0] != caller
    (first, second), = inner
    assert first[0] == second[0] == outer[1][0] and (first[1], second[1]) == (1, 2)


def test_a_forked_child_starts_its_own_workers(monkeypatch):
    """Threads do not survive fork: workers inherited from another process id are not
    used (a hand-off to them would wait forever)."""
    ThreeThreads().install(monkeypatch, runtime)
    runtime.run_parts(lambda i, a, b: None, [(0, 1), (1, 2)])
    inherited = list(runtime._workers)
    monkeypatch.setattr(runtime, "_workers_pid", -1)  # as if after a fork
    assert runtime.run_parts(lambda i, a, b: b - a, [(0, 1), (1, 4)]) == [1, 3]
    assert not set(map(id, runtime._workers)) & set(map(id, inherited))


def test_a_spin_ends_on_its_value_on_stop_or_after_its_budget():
    import threading
    from tinygrad_cnn.kernels.spin import spin_until
    flags = np.zeros(3, np.int64)
    assert not spin_until(flags, 1, 1, spins=1000)  # nobody posts: gives up
    flags[0] = 1
    assert spin_until(flags, 1, 1, spins=10 ** 12)  # the stop flag ends it at once
    flags[0] = 0
    poster = threading.Timer(0.01, lambda: flags.__setitem__(1, 5))
    poster.start()
    assert spin_until(flags, 1, 5, spins=10 ** 12)  # sees another thread's store
    poster.join()


def test_many_back_to_back_hand_offs_each_run_every_part_once(monkeypatch):
    """The workers spin between jobs and block only after a while: quick successive
    calls and calls after a pause both hand every part over exactly once."""
    import time
    ThreeThreads().install(monkeypatch, runtime)
    for pause in [0.0] * 200 + [0.01, 0.0, 0.02]:
        time.sleep(pause)
        assert runtime.run_parts(lambda i, a, b: (i, b - a),
                                 [(0, 1), (1, 3), (3, 6)]) == [(0, 1), (1, 2), (2, 3)]


@pytest.mark.slow
def test_exiting_right_after_a_split_conv_is_clean():
    """A worker still spinning in compiled code when the interpreter exits must not
    crash the process (the exit hook stops every spin first)."""
    import subprocess
    import sys
    code = ("import numpy as np; from tinygrad_cnn import Tensor; "
            "from tinygrad_cnn.nn import functional as F; "
            "x = Tensor(np.ones((8, 16, 32, 32), np.float32), requires_grad=True); "
            "F.conv2d(x, Tensor(np.ones((32, 16, 3, 3), np.float32))).sum().backward()")
    for _ in range(3):
        done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
        assert done.returncode == 0 and not done.stderr, done.stderr
