"""The fused batch-norm kernels (kernels/batch_norm.py) against PyTorch: shapes with enough
values per channel to take them, training and eval, float32 and float64, large means."""
import numpy as np
import torch
import torch.nn.functional as TF
from hypothesis import given, settings
from hypothesis import strategies as st

from tinygrad_cnn import Tensor
from tinygrad_cnn.kernels import batch_norm as kernels
from tinygrad_cnn.nn import functional as F
from torch_oracle import assert_close, pair

spatial = st.sampled_from([(4, 4), (5, 7), (16,), (3, 3, 2)])


@settings(deadline=None, max_examples=30)
@given(n=st.integers(1, 4), c=st.integers(1, 5), spatial=spatial, training=st.booleans(),
       dtype=st.sampled_from([np.float32, np.float64]), offset=st.sampled_from([0.0, 1e3]),
       seed=st.integers(0, 99))
def test_fused_batch_norm_matches_torch(n, c, spatial, training, dtype, offset, seed):
    rng = np.random.default_rng(seed)
    x, tx = pair(rng.normal(offset, 3, size=(n, c, *spatial)).astype(dtype))
    assert kernels.applies(x.detach().numpy())
    w, tw = pair(rng.uniform(0.5, 2, size=c).astype(dtype))
    b, tb = pair(rng.normal(size=c).astype(dtype))
    mean, var = rng.normal(size=c).astype(dtype), rng.uniform(0.5, 2, size=c).astype(dtype)
    ours = F.batch_norm(x, Tensor(mean), Tensor(var), w, b, training=training)
    theirs = TF.batch_norm(tx, torch.tensor(mean), torch.tensor(var), tw, tb,
                           training=training)
    f32 = dtype == np.float32
    assert_close(ours, theirs, rtol=1e-4 if f32 else 1e-6, atol=1e-4 if f32 else 1e-9)
    g = rng.normal(size=(n, c, *spatial)).astype(dtype)
    ours.backward(Tensor(g)), theirs.backward(torch.tensor(g))
    for o, t in ((x, tx), (w, tw), (b, tb)):
        assert_close(o.grad, t.grad, rtol=1e-3 if f32 else 1e-6, atol=1e-3 if f32 else 1e-9)


@settings(deadline=None, max_examples=6)
@given(n=st.integers(3, 9), training=st.booleans(),
       dtype=st.sampled_from([np.float32, np.float64]), seed=st.integers(0, 99))
def test_large_batch_norm_runs_in_batch_parts_and_matches_torch(n, training, dtype, seed):
    """Arrays past runtime.SPLIT_MIN_BYTES run each pass in batch parts on the workers
    (three here, uneven): the per-part sums add up to torch's statistics and gradients."""
    import pytest
    from thread_fakes import ThreeThreads
    from tinygrad_cnn.kernels import runtime
    with pytest.MonkeyPatch.context() as patch:
        ThreeThreads().install(patch, runtime)
        patch.setattr(runtime, "SPLIT_MIN_BYTES", 1 << 12)
        assert len(runtime.pass_parts(n, 1 << 20)) == 3
        test_fused_batch_norm_matches_torch.hypothesis.inner_test(n, 5, (6, 7), training,
                                                                  dtype, 1e3, seed)


def test_small_channels_stay_in_numpy():
    """BatchNorm1d's (N, C) and tiny maps keep numpy's path (and still agree)."""
    assert not kernels.applies(np.zeros((8, 3), np.float32))
    assert not kernels.applies(np.zeros((8, 3, 2, 2), np.float32))
    assert not kernels.applies(np.zeros((8, 3, 4, 4), np.float16))


def test_nan_propagates_like_torch():
    x = np.ones((2, 2, 4, 4), np.float32)
    x[0, 1, 0, 0] = np.nan
    ours = F.batch_norm(Tensor(x), None, None, training=True).numpy()
    theirs = TF.batch_norm(torch.tensor(x), None, None, training=True).numpy()
    np.testing.assert_array_equal(np.isnan(ours), np.isnan(theirs))


def test_backward_reads_a_contiguous_gradient_without_copying(monkeypatch):
    """np.broadcast_to returns a read-only view even when nothing broadcasts, and the
    kernels' argument check would then copy the gradient twice per backward."""
    from tinygrad_cnn.kernels import runtime
    rng = np.random.default_rng(0)
    x, g = (rng.standard_normal((4, 3, 8, 8), dtype=np.float32) for _ in range(2))
    mean, var = kernels.statistics(x)
    inv_std, weight = 1 / np.sqrt(var + 1e-5), np.ones(3, np.float32)
    copied = []
    real = runtime.kernel_array
    monkeypatch.setattr(runtime, "kernel_array",
                        lambda a: copied.append(real(a) is not a) or real(a))
    gx, gw, gb = kernels.backward(g, x, mean, inv_std, weight, True)
    assert copied and not any(copied)
    np.testing.assert_allclose(gb, g.sum(axis=(0, 2, 3)), rtol=1e-5)
    broadcast = kernels.backward(np.float32(1), x, mean, inv_std, weight, False)[2]
    np.testing.assert_allclose(broadcast, np.full(3, 4 * 8 * 8, np.float32))
