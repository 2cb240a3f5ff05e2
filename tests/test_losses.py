"""Losses against PyTorch: values and gradients, every reduction, edge cases, errors."""
import numpy as np
import pytest
import torch
import torch.nn.functional as TF
from hypothesis import given
from hypothesis import strategies as st

from tinygrad_cnn import Tensor, gradcheck
from tinygrad_cnn.nn import functional as F
from torch_oracle import assert_close, pair

reductions = st.sampled_from(["mean", "sum", "none"])
dtypes = st.sampled_from([np.float32, np.float64])


def _logits(rng, n, c, extra, dtype):
    return rng.normal(size=(n, c, *extra)).astype(dtype)


def _backward_both(ours, theirs):
    seed = np.random.default_rng(1).normal(size=theirs.shape)
    ours.backward(Tensor(seed.astype(ours.dtype)))
    theirs.backward(torch.tensor(seed, dtype=theirs.dtype))


@given(n=st.integers(1, 5), c=st.integers(1, 6), extra=st.sampled_from([(), (3,), (2, 3)]),
       reduction=reductions, smoothing=st.sampled_from([0.0, 0.1, 0.7]),
       weighted=st.booleans(), ignore=st.booleans(), dtype=dtypes, seed=st.integers(0, 99))
def test_cross_entropy_class_targets(n, c, extra, reduction, smoothing, weighted, ignore,
                                     dtype, seed):
    rng = np.random.default_rng(seed)
    x, tx = pair(_logits(rng, n, c, extra, dtype))
    target = rng.integers(0, c, size=(n, *extra))
    ignore_index = int(target.flat[0]) if ignore and c > 1 else -100
    w = rng.uniform(0.5, 2, size=c).astype(dtype) if weighted else None
    # every target ignored with 'mean': both give a NaN loss and a zero gradient
    ours = F.cross_entropy(x, Tensor(target), None if w is None else Tensor(w),
                           ignore_index, reduction, smoothing)
    theirs = TF.cross_entropy(tx, torch.tensor(target), None if w is None else torch.tensor(w),
                              ignore_index=ignore_index, reduction=reduction,
                              label_smoothing=smoothing)
    assert_close(ours, theirs)
    _backward_both(ours, theirs)
    assert_close(x.grad, tx.grad)


@given(n=st.integers(1, 5), c=st.integers(1, 6), extra=st.sampled_from([(), (3,)]),
       reduction=reductions, smoothing=st.sampled_from([0.0, 0.2]), weighted=st.booleans(),
       dtype=dtypes, seed=st.integers(0, 99))
def test_cross_entropy_probability_targets(n, c, extra, reduction, smoothing, weighted, dtype,
                                           seed):
    rng = np.random.default_rng(seed)
    x, tx = pair(_logits(rng, n, c, extra, dtype))
    p = rng.dirichlet(np.ones(c), size=(n, *extra)).astype(dtype)
    p = np.moveaxis(p, -1, 1)
    t, tt = pair(p)
    w = rng.uniform(0.5, 2, size=c).astype(dtype) if weighted else None
    ours = F.cross_entropy(x, t, None if w is None else Tensor(w), reduction=reduction,
                           label_smoothing=smoothing)
    theirs = TF.cross_entropy(tx, tt, None if w is None else torch.tensor(w),
                              reduction=reduction, label_smoothing=smoothing)
    assert_close(ours, theirs)
    _backward_both(ours, theirs)
    assert_close(x.grad, tx.grad)
    assert_close(t.grad, tt.grad)


def test_cross_entropy_unbatched_and_stable():
    x, tx = pair(np.array([1000.0, -1000.0, 3.0]))
    ours, theirs = F.cross_entropy(x, Tensor(np.array(0))), TF.cross_entropy(tx, torch.tensor(0))
    assert_close(ours, theirs)
    ours.backward(), theirs.backward()
    assert_close(x.grad, tx.grad)


@given(n=st.integers(1, 5), c=st.integers(1, 5), reduction=reductions, dtype=dtypes,
       seed=st.integers(0, 99))
def test_nll_loss(n, c, reduction, dtype, seed):
    rng = np.random.default_rng(seed)
    x, tx = pair(rng.normal(size=(n, c)).astype(dtype))
    target = rng.integers(0, c, size=n)
    ours, theirs = F.nll_loss(x, Tensor(target), reduction=reduction), \
        TF.nll_loss(tx, torch.tensor(target), reduction=reduction)
    assert_close(ours, theirs)
    _backward_both(ours, theirs)
    assert_close(x.grad, tx.grad)


@given(shape=st.lists(st.integers(1, 4), min_size=0, max_size=3), reduction=reductions,
       dtype=dtypes, seed=st.integers(0, 99))
def test_mse_loss(shape, reduction, dtype, seed):
    rng = np.random.default_rng(seed)
    x, tx = pair(rng.normal(size=shape).astype(dtype))
    y, ty = pair(rng.normal(size=shape).astype(dtype))
    ours, theirs = F.mse_loss(x, y, reduction), TF.mse_loss(tx, ty, reduction=reduction)
    assert_close(ours, theirs)
    _backward_both(ours, theirs)
    assert_close(x.grad, tx.grad)
    assert_close(y.grad, ty.grad)


@given(shape=st.lists(st.integers(1, 4), min_size=1, max_size=3), reduction=reductions,
       weighted=st.booleans(), dtype=dtypes, seed=st.integers(0, 99))
def test_binary_cross_entropy(shape, reduction, weighted, dtype, seed):
    rng = np.random.default_rng(seed)
    x, tx = pair(rng.uniform(0.01, 0.99, size=shape).astype(dtype))
    y, ty = pair(rng.uniform(0, 1, size=shape).astype(dtype))
    w = rng.uniform(0.5, 2, size=shape).astype(dtype) if weighted else None
    ours = F.binary_cross_entropy(x, y, None if w is None else Tensor(w), reduction)
    theirs = TF.binary_cross_entropy(tx, ty, None if w is None else torch.tensor(w),
                                     reduction=reduction)
    assert_close(ours, theirs)
    _backward_both(ours, theirs)
    assert_close(x.grad, tx.grad)
    assert_close(y.grad, ty.grad)


def test_binary_cross_entropy_saturated_inputs_match_torch():
    x, tx = pair(np.array([0.0, 1.0, 0.5]))
    y, ty = pair(np.array([1.0, 0.0, 1.0]))
    ours, theirs = F.binary_cross_entropy(x, y), TF.binary_cross_entropy(tx, ty)
    assert_close(ours, theirs)  # log clamped at -100
    ours.backward(), theirs.backward()
    assert_close(x.grad, tx.grad)


@given(shape=st.lists(st.integers(1, 4), min_size=1, max_size=3), reduction=reductions,
       pos=st.booleans(), dtype=dtypes, seed=st.integers(0, 99))
def test_bce_with_logits(shape, reduction, pos, dtype, seed):
    rng = np.random.default_rng(seed)
    logits = rng.normal(scale=5, size=shape).astype(dtype)
    logits.flat[0] = 0.0  # the kink a composed abs/relu formula gets wrong
    x, tx = pair(logits)
    y, ty = pair(rng.uniform(0, 1, size=shape).astype(dtype))
    pw = rng.uniform(0.5, 3, size=shape[-1:]).astype(dtype) if pos else None
    ours = F.binary_cross_entropy_with_logits(x, y, reduction=reduction,
                                              pos_weight=None if pw is None else Tensor(pw))
    theirs = TF.binary_cross_entropy_with_logits(
        tx, ty, reduction=reduction, pos_weight=None if pw is None else torch.tensor(pw))
    assert_close(ours, theirs)
    _backward_both(ours, theirs)
    assert_close(x.grad, tx.grad)
    assert_close(y.grad, ty.grad)


def test_losses_pass_finite_difference_gradcheck():
    rng = np.random.default_rng(0)
    x = Tensor(rng.normal(size=(3, 4)), requires_grad=True)
    t = Tensor(np.array([0, 3, 1]))
    assert gradcheck(lambda a: F.cross_entropy(a, t, label_smoothing=0.2), (x,))
    p = Tensor(rng.uniform(0.1, 0.9, size=(3, 4)), requires_grad=True)
    y = Tensor(rng.uniform(0, 1, size=(3, 4)))
    assert gradcheck(lambda a: F.binary_cross_entropy(a, y), (p,))
    assert gradcheck(lambda a: F.binary_cross_entropy_with_logits(a, y), (x,))


def test_labels_out_of_range_are_named():
    x = Tensor(np.zeros((2, 10), np.float32))
    with pytest.raises(IndexError, match=r"Target 12 is out of bounds.*10 classes"):
        F.cross_entropy(x, Tensor([1, 12], dtype="int64"))
    with pytest.raises(IndexError, match=r"Target -3 is out of bounds"):
        F.nll_loss(x, Tensor([-3, 0], dtype="int64"))


def test_float_labels_where_ints_expected():
    x = Tensor(np.zeros((2, 10), np.float32))
    with pytest.raises(TypeError, match=r"integer dtype.*float32"):
        F.nll_loss(x, Tensor([1.0, 2.0]))
    with pytest.raises(ValueError, match=r"class-probability target must have the input's "
                                         r"shape \(2, 10\), got \(2,\)"):
        F.cross_entropy(x, Tensor([1.0, 2.0]))


def test_target_shape_and_reduction_errors():
    x = Tensor(np.zeros((2, 3), np.float32))
    with pytest.raises(ValueError, match=r"expected target of shape \(2,\).*got target of "
                                         r"shape \(3,\)"):
        F.cross_entropy(x, Tensor([0, 1, 2], dtype="int64"))
    with pytest.raises(ValueError, match="'avg' is not a valid value for reduction"):
        F.mse_loss(x, x, reduction="avg")
    with pytest.raises(ValueError, match=r"input elements must be in \[0, 1\]"):
        F.binary_cross_entropy(Tensor([1.5]), Tensor([1.0]))
    with pytest.warns(UserWarning, match="target size"):
        F.mse_loss(x, Tensor(np.zeros(3, np.float32)))


def test_float32_stays_float32():
    x = Tensor(np.zeros((2, 3), np.float32), requires_grad=True)
    loss = F.cross_entropy(x, Tensor([0, 2], dtype="int64"))
    loss.backward()
    assert loss.dtype == np.float32 and x.grad.dtype == np.float32
