"""Reductions (sum, mean, max/min, amax/amin, argmax, var/std) against PyTorch."""
import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

import tinygrad_cnn as tc
from tinygrad_cnn import Tensor
from core_helpers import FLOATS, check_op, float_arrays, small_shapes
from torch_oracle import assert_close, pair


@st.composite
def array_and_dims(draw, min_dims=1):
    """An array and a `dim` argument: None, an int or a tuple of distinct ints (+/-)."""
    dtype = draw(FLOATS)
    a = draw(float_arrays(dtype, draw(small_shapes(min_dims=min_dims))))
    axes = draw(st.lists(st.integers(0, max(a.ndim - 1, 0)), min_size=1, max_size=a.ndim,
                         unique=True)) if a.ndim else [0]
    signed = [d - a.ndim if draw(st.booleans()) and a.ndim else d for d in axes]
    dim = draw(st.sampled_from([None, signed[0], tuple(signed)]))
    return a, dim


@pytest.mark.parametrize("name", ["sum", "mean"])
@given(case=array_and_dims(min_dims=0), keepdim=st.booleans())
def test_sum_mean_match_torch(name, case, keepdim):
    a, dim = case
    if dim is None:
        check_op(lambda x: getattr(x, name)(), lambda x: getattr(x, name)(), [a])
    else:
        check_op(lambda x: getattr(x, name)(dim, keepdim=keepdim),
                 lambda x: getattr(x, name)(dim, keepdim=keepdim), [a])


@pytest.mark.parametrize("name", ["amax", "amin"])
@given(case=array_and_dims(), keepdim=st.booleans())
def test_amax_amin_match_torch(name, case, keepdim):
    a, dim = case
    a = np.round(a)  # many ties: the gradient is shared evenly, as in torch
    kwargs = {} if dim is None else {"dim": dim}
    check_op(lambda x: getattr(x, name)(keepdim=keepdim, **kwargs),
             lambda x: getattr(x, name)(keepdim=keepdim, **kwargs), [a])


@pytest.mark.parametrize("name", ["max", "min"])
@given(a=float_arrays(np.float64, (3, 4)))
def test_full_max_min_with_ties_share_gradient_like_torch(name, a):
    a = np.round(a)
    check_op(lambda x: getattr(x, name)(), lambda x: getattr(x, name)(), [a])


@pytest.mark.parametrize("name", ["max", "min"])
@given(data=st.data(), keepdim=st.booleans())
def test_max_min_with_dim_return_values_and_indices(name, data, keepdim):
    dtype = data.draw(FLOATS)
    a = data.draw(float_arrays(dtype, data.draw(small_shapes(min_dims=1))))
    dim = data.draw(st.integers(-a.ndim, a.ndim - 1))
    x, tx = pair(a)
    out, texp = getattr(x, name)(dim, keepdim), getattr(tx, name)(dim, keepdim)
    assert_close(out.values, texp.values)
    vals, idx = out  # a namedtuple, unpacks like torch's
    # without ties the index is unique; with ties it must point at an extreme value
    kept_idx = idx.numpy() if keepdim else np.expand_dims(idx.numpy(), dim)
    picked = np.take_along_axis(a, kept_idx, axis=dim)
    np.testing.assert_array_equal(picked.reshape(vals.shape), vals.detach().numpy())
    assert idx.dtype == np.int64 and not idx.requires_grad
    upstream = np.random.default_rng(1).standard_normal(vals.shape).astype(dtype)
    vals.backward(upstream)
    expect = np.zeros_like(a)
    np.put_along_axis(expect, kept_idx, upstream if keepdim else
                      np.expand_dims(upstream, dim), axis=dim)
    np.testing.assert_allclose(x.grad.numpy(), expect)


def test_max_with_dim_without_ties_matches_torch_gradient():
    a = np.random.default_rng(0).permutation(24).reshape(2, 3, 4).astype(np.float64)
    check_op(lambda x: x.max(1).values, lambda x: x.max(1).values, [a])
    check_op(lambda x: tc.min(x, -1, True)[0], lambda x: torch.min(x, -1, True)[0], [a])


@given(case=array_and_dims(), keepdim=st.booleans())
def test_argmax_argmin_match_torch(case, keepdim):
    a, dim = case
    dim = dim[0] if isinstance(dim, tuple) else dim
    x, tx = pair(a)
    for name in ("argmax", "argmin"):
        out = getattr(x, name)(dim, keepdim) if dim is not None else getattr(x, name)()
        exp = getattr(tx, name)(dim, keepdim) if dim is not None else getattr(tx, name)()
        assert out.dtype == np.int64 and not out.requires_grad
        np.testing.assert_array_equal(out.numpy(), exp.numpy())


@pytest.mark.parametrize("name", ["var", "std"])
@given(case=array_and_dims(), keepdim=st.booleans(), correction=st.sampled_from([0, 1]))
def test_var_std_match_torch(name, case, keepdim, correction):
    a, dim = case
    n = a.size if dim is None else np.prod([a.shape[d] for d in np.atleast_1d(dim)])
    if n - correction <= 0:
        a = np.concatenate([a, a + 1.0], axis=0)  # enough elements for the correction
    if name == "std":
        a = a + np.arange(a.size).reshape(a.shape) * 0.1  # std > 0 so the grad is finite
    check_op(lambda x: getattr(x, name)(dim, correction=correction, keepdim=keepdim),
             lambda x: getattr(x, name)(dim, correction=correction, keepdim=keepdim), [a])


def test_var_unbiased_flag_matches_torch():
    a = np.arange(12.0).reshape(3, 4) ** 1.5
    for unbiased in (True, False):
        check_op(lambda x: x.var(1, unbiased), lambda x: x.var(1, unbiased), [a])
        check_op(lambda x: x.std(unbiased=unbiased), lambda x: x.std(unbiased=unbiased), [a])


def test_sum_of_int_and_bool_is_int64():
    assert Tensor([1, 2, 3], dtype="int64").sum().dtype == np.int64
    assert Tensor([True, True]).sum().item() == 2


def test_free_function_reductions():
    x, tx = pair(np.arange(6.0).reshape(2, 3))
    assert_close(tc.sum(x, 1), torch.sum(tx, 1))
    assert_close(tc.mean(x, (0, 1), keepdim=True), torch.mean(tx, (0, 1), keepdim=True))
    assert_close(tc.max(x), torch.max(tx))


def test_max_of_0d_tensor_with_dim_matches_torch():
    x, tx = pair(np.array(2.5))
    out, exp = x.max(0), tx.max(0)
    assert out.indices.item() == exp.indices.item() == 0
    out.values.backward()
    exp.values.backward()
    assert_close(x.grad, tx.grad)
    check_op(lambda t: t.amin(), lambda t: t.amin(), [np.array(-1.0)])
