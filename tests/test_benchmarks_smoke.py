"""The benchmark harness must keep working: run its smallest mode and check the output.

Also checks the numpy baseline engine against torch, since a wrong baseline would make
every ours/numpy ratio meaningless.
"""
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # benchmarks/ is not an installed package; plain `pytest` needs this

from benchmarks.numpy_baseline import (NumpyLeNet, avg_pool_backward, avg_pool_forward,
                                       conv_backward, conv_forward, max_pool_backward,
                                       max_pool_forward)  # noqa: E402

SECTIONS = {"machine", "conv", "pool", "lenet", "overhead", "coldstart", "memory", "models",
            "model-layers"}


@pytest.fixture(scope="module")
def smoke_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("bench")
    done = subprocess.run([sys.executable, "benchmarks/run.py", "--smoke", "--out", str(out)],
                          cwd=REPO, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout, json.loads((out / "latest.json").read_text()), (out / "latest.md")


def test_smoke_run_covers_every_section(smoke_run):
    stdout, result, markdown = smoke_run
    assert {row["section"] for row in result["rows"]} == SECTIONS  # mnist is off in smoke
    assert result["meta"]["numba_threads"] >= 1 and result["meta"]["torch_threads"] >= 1
    assert any(isa in result["meta"]["vector_isa"] for isa in ("AVX-512", "AVX2", "AVX", "SSE"))
    assert "ours/torch" in stdout and "| section |" in markdown.read_text()


def test_smoke_run_numbers_are_positive(smoke_run):
    _, result, _ = smoke_run
    for row in result["rows"]:
        measured = [row[k] for k in ("ours", "torch", "numpy") if row[k] is not None]
        ratios = [row[k] for k in ("ratio_torch", "ratio_numpy") if row[k] is not None]
        assert measured or ratios, row
        if row["section"] == "memory":  # a tiny op may fit in memory freed by the warm-up
            assert all(v >= 0 for v in measured), row
        else:
            assert all(v > 0 for v in measured + ratios), row
        assert row["ok"] in ("", "PASS", "FAIL", "?")


def test_smoke_run_reports_targets(smoke_run):
    _, result, _ = smoke_run
    cases = {row["case"]: row for row in result["rows"]}
    assert any(c.startswith("geomean fwd+bwd") for c in cases)
    assert any(row["targets"] for row in result["rows"] if row["section"] == "lenet")


def _close(ours: np.ndarray, theirs: torch.Tensor, tol: float = 1e-4) -> None:
    expected = theirs.detach().numpy()
    assert ours.dtype == np.float32 and ours.shape == expected.shape
    np.testing.assert_allclose(ours, expected, rtol=tol, atol=tol * np.abs(expected).max())


@pytest.mark.parametrize("shape", [(2, 3, 9, 9, 4, 3, 1, 1), (2, 2, 8, 7, 3, 3, 2, 0),
                                   (1, 2, 10, 10, 2, 5, 1, 2), (3, 1, 9, 9, 5, 3, 2, 1)])
def test_numpy_baseline_conv_matches_torch(shape):
    from benchmarks.engines import conv_arrays
    x, w, b, g = conv_arrays(shape)
    stride, pad = shape[6], shape[7]
    out, cache = conv_forward(x, w, b, stride, pad)
    dx, dw, db = conv_backward(g, cache)
    tx, tw, tb = (torch.from_numpy(a.copy()).requires_grad_() for a in (x, w, b))
    expected = torch.nn.functional.conv2d(tx, tw, tb, stride=stride, padding=pad)
    expected.backward(torch.from_numpy(g))
    for ours, theirs in ((out, expected), (dx, tx.grad), (dw, tw.grad), (db, tb.grad)):
        _close(ours, theirs)


@pytest.mark.parametrize("kind", ["max", "avg"])
@pytest.mark.parametrize("shape", [(2, 3, 8, 8), (2, 2, 11, 9)])
def test_numpy_baseline_pool_matches_torch(kind, shape):
    forward, backward = {"max": (max_pool_forward, max_pool_backward),
                         "avg": (avg_pool_forward, avg_pool_backward)}[kind]
    rng = np.random.default_rng(1)
    x = rng.standard_normal(shape, dtype=np.float32)
    out, cache = forward(x)
    g = rng.standard_normal(out.shape, dtype=np.float32)
    tx = torch.from_numpy(x.copy()).requires_grad_()
    expected = getattr(torch.nn.functional, f"{kind}_pool2d")(tx, 2)
    expected.backward(torch.from_numpy(g))
    _close(out, expected)
    _close(backward(g, cache), tx.grad)


def test_numpy_baseline_lenet_learns():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((16, 1, 28, 28), dtype=np.float32)
    y = rng.integers(0, 10, 16)
    net = NumpyLeNet(dropout=0.0, lr=3e-3)
    losses = [net.train_step(x, y) for _ in range(15)]
    assert losses[-1] < 0.5 * losses[0]
    assert all(p.dtype == np.float32 for p in net.params.values())


@pytest.mark.parametrize("name", ["lenet", "lenet-pad1", "keras-mnist", "keras-cifar", "resnet8"])
def test_model_benchmark_networks_are_twins(name):
    """The model benchmark compares like with like: with torch's weights copied in, our
    network computes torch's outputs (eval mode)."""
    import tinygrad_cnn
    from benchmarks.networks import NETWORKS, build
    theirs = build(name, torch.nn).eval()
    ours = build(name, tinygrad_cnn.nn).eval()
    ours.load_state_dict({k: tinygrad_cnn.tensor(v.numpy()) for k, v in
                          theirs.state_dict().items()})
    x = np.random.default_rng(0).standard_normal((2, *NETWORKS[name].input_shape),
                                                 dtype=np.float32)
    with tinygrad_cnn.no_grad():
        got = ours(tinygrad_cnn.from_numpy(x)).numpy()
    _close(got, theirs(torch.from_numpy(x)), tol=1e-3)
