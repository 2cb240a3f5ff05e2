"""linear, dropout, batch_norm, pad, activations of nn.functional against PyTorch."""
import numpy as np
import pytest
import torch
import torch.nn.functional as TF
from hypothesis import given
from hypothesis import strategies as st

import tinygrad_cnn
from tinygrad_cnn import Tensor, gradcheck, no_grad
from tinygrad_cnn.nn import functional as F
from torch_oracle import assert_close, pair

dtypes = st.sampled_from([np.float32, np.float64])


def _seed_grad(t: torch.Tensor) -> np.ndarray:
    return np.random.default_rng(7).normal(size=t.shape).astype(
        t.detach().numpy().dtype)


@given(batch=st.lists(st.integers(1, 3), max_size=2), fin=st.integers(1, 6),
       fout=st.integers(1, 5), bias=st.booleans(), dtype=dtypes, seed=st.integers(0, 99))
def test_linear(batch, fin, fout, bias, dtype, seed):
    rng = np.random.default_rng(seed)
    x, tx = pair(rng.normal(size=(*batch, fin)).astype(dtype))
    w, tw = pair(rng.normal(size=(fout, fin)).astype(dtype))
    b, tb = pair(rng.normal(size=fout).astype(dtype)) if bias else (None, None)
    ours, theirs = F.linear(x, w, b), TF.linear(tx, tw, tb)
    assert_close(ours, theirs)
    g = _seed_grad(theirs)
    ours.backward(Tensor(g)), theirs.backward(torch.tensor(g))
    for o, t in [(x, tx), (w, tw)] + ([(b, tb)] if bias else []):
        assert_close(o.grad, t.grad)


def test_linear_feature_mismatch_names_shapes():
    with pytest.raises(RuntimeError, match=r"input of shape \(2, 5\) has 5 features but weight "
                                           r"of shape \(3, 4\) expects 4"):
        F.linear(Tensor(np.zeros((2, 5))), Tensor(np.zeros((3, 4))))


@given(n=st.integers(2, 5), c=st.integers(1, 4), spatial=st.sampled_from([(), (3,), (2, 3)]),
       affine=st.booleans(), dtype=dtypes, seed=st.integers(0, 99))
def test_batch_norm_training_matches_torch_and_updates_running_stats(n, c, spatial, affine,
                                                                     dtype, seed):
    rng = np.random.default_rng(seed)
    x, tx = pair(rng.normal(2, 3, size=(n, c, *spatial)).astype(dtype))
    w, tw = pair(rng.uniform(0.5, 2, size=c).astype(dtype))
    b, tb = pair(rng.normal(size=c).astype(dtype))
    rm, rv = Tensor(np.zeros(c, dtype)), Tensor(np.ones(c, dtype))
    trm, trv = torch.zeros(c, dtype=tx.dtype), torch.ones(c, dtype=tx.dtype)
    args = (w, b) if affine else (None, None)
    targs = (tw, tb) if affine else (None, None)
    ours = F.batch_norm(x, rm, rv, *args, training=True, momentum=0.3)
    theirs = TF.batch_norm(tx, trm, trv, *targs, training=True, momentum=0.3)
    rtol = 1e-4 if dtype == np.float64 else None  # eps=1e-5 makes var-near-0 stiff
    assert_close(ours, theirs, rtol=rtol)
    assert_close(rm, trm)
    assert_close(rv, trv)
    g = _seed_grad(theirs)
    ours.backward(Tensor(g)), theirs.backward(torch.tensor(g))
    assert_close(x.grad, tx.grad, rtol=1e-3 if dtype == np.float32 else None, atol=1e-4)
    if affine:
        assert_close(w.grad, tw.grad, rtol=1e-3 if dtype == np.float32 else None, atol=1e-4)
        assert_close(b.grad, tb.grad)


def test_batch_norm_eval_uses_running_stats():
    rng = np.random.default_rng(0)
    x, tx = pair(rng.normal(size=(4, 3, 2, 2)))
    w, tw = pair(rng.uniform(0.5, 2, size=3))
    mean, var = rng.normal(size=3), rng.uniform(0.5, 2, size=3)
    ours = F.batch_norm(x, Tensor(mean), Tensor(var), w, None, training=False)
    theirs = TF.batch_norm(tx, torch.tensor(mean), torch.tensor(var), tw, None, training=False)
    assert_close(ours, theirs)
    ours.sum().backward(), theirs.sum().backward()
    assert_close(x.grad, tx.grad)
    assert_close(w.grad, tw.grad)


def test_batch_norm_gradcheck_and_errors():
    rng = np.random.default_rng(1)
    x = Tensor(rng.normal(size=(3, 2, 2)), requires_grad=True)
    w = Tensor(rng.uniform(0.5, 2, size=2), requires_grad=True)
    assert gradcheck(lambda a, b: F.batch_norm(a, None, None, b, training=True), (x, w),
                     atol=1e-4)
    with pytest.raises(RuntimeError, match=r"running_mean has shape \(3,\) but the input "
                                           r"\(3, 2, 2\) has 2 channels"):
        F.batch_norm(x, Tensor(np.zeros(3)), Tensor(np.ones(3)))
    with pytest.raises(ValueError, match="more than 1 value per channel"):
        F.batch_norm(Tensor(np.zeros((1, 2))), None, None, training=True)


def test_batch_norm_under_no_grad_still_updates_running_stats():
    x = Tensor(np.arange(8, dtype=np.float32).reshape(4, 2))
    rm, rv = Tensor(np.zeros(2, np.float32)), Tensor(np.ones(2, np.float32))
    with no_grad():
        F.batch_norm(x, rm, rv, training=True, momentum=1.0)
    np.testing.assert_allclose(rm._data, x._data.mean(0))
    np.testing.assert_allclose(rv._data, x._data.var(0, ddof=1))


def test_dropout_statistics_scaling_and_gradient():
    tinygrad_cnn.manual_seed(3)
    x = Tensor(np.ones((200, 100), np.float32), requires_grad=True)
    y = F.dropout(x, p=0.3)
    kept = y._data != 0
    assert abs(kept.mean() - 0.7) < 0.01
    np.testing.assert_allclose(y._data[kept], 1 / 0.7, rtol=1e-6)
    y.sum().backward()
    np.testing.assert_array_equal(x.grad._data, y._data)  # gradient uses the same mask
    assert y.dtype == np.float32


def test_dropout_modes_and_errors():
    x = Tensor(np.ones(5, np.float32))
    assert F.dropout(x, 0.5, training=False) is x
    assert (F.dropout(x, p=1.0)._data == 0).all()
    tinygrad_cnn.manual_seed(0)
    a = F.dropout(x)._data
    tinygrad_cnn.manual_seed(0)
    np.testing.assert_array_equal(a, F.dropout(x)._data)
    with pytest.raises(ValueError, match="between 0 and 1, but got 1.5"):
        F.dropout(x, p=1.5)


@given(shape=st.lists(st.integers(1, 4), min_size=1, max_size=4),
       pads=st.lists(st.integers(0, 2), min_size=2, max_size=4), value=st.floats(-2, 2),
       seed=st.integers(0, 99))
def test_pad(shape, pads, value, seed):
    pads = pads[: 2 * (min(len(pads), 2 * len(shape)) // 2)]
    x, tx = pair(np.random.default_rng(seed).normal(size=shape))
    ours, theirs = F.pad(x, pads, value=value), TF.pad(tx, pads, value=value)
    assert_close(ours, theirs)
    ours.sum().backward(), theirs.sum().backward()
    assert_close(x.grad, tx.grad)


def test_pad_errors():
    with pytest.raises(ValueError, match=r"even length"):
        F.pad(Tensor([1.0]), (1, 2, 3))
    with pytest.raises(NotImplementedError, match="reflect"):
        F.pad(Tensor([1.0]), (1, 1), mode="reflect")


@pytest.mark.parametrize("name,kwargs", [("relu", {}), ("leaky_relu", {"negative_slope": 0.2}),
                                         ("sigmoid", {}), ("tanh", {}),
                                         ("softmax", {"dim": 1}), ("log_softmax", {"dim": 0})])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_activations(name, kwargs, dtype):
    data = np.random.default_rng(0).normal(scale=4, size=(4, 5)).astype(dtype)
    data[0, 0] = 0.0
    x, tx = pair(data)
    ours, theirs = getattr(F, name)(x, **kwargs), getattr(TF, name)(tx, **kwargs)
    assert_close(ours, theirs)
    g = _seed_grad(theirs)
    ours.backward(Tensor(g)), theirs.backward(torch.tensor(g))
    assert_close(x.grad, tx.grad)
    assert ours.dtype == dtype


def test_softmax_without_dim_warns_like_torch():
    with pytest.warns(UserWarning, match="Implicit dimension"):
        y = F.softmax(Tensor(np.zeros((2, 3))))
    np.testing.assert_allclose(y._data, 1 / 3)
