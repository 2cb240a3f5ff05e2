"""Shape ops (reshape/view, flatten, transpose, permute, squeeze/unsqueeze, expand,
cat/stack, indexing, Pad) against PyTorch, forward and gradient."""
import numpy as np
import pytest
import torch
import torch.nn.functional as TF
from hypothesis import given
from hypothesis import strategies as st

import tinygrad_cnn as tc
from tinygrad_cnn import Tensor
from tinygrad_cnn.ops.shape import Pad
from core_helpers import FLOATS, check_op, float_arrays, small_shapes


@st.composite
def any_array(draw, min_dims=0, max_dims=4):
    dtype = draw(FLOATS)
    return draw(float_arrays(dtype, draw(small_shapes(min_dims=min_dims, max_dims=max_dims))))


@given(a=any_array(), data=st.data())
def test_reshape_and_view_with_minus_one_match_torch(a, data):
    shape = list(data.draw(st.permutations(a.shape)))  # same size, other order
    if shape and data.draw(st.booleans()):
        shape[data.draw(st.integers(0, len(shape) - 1))] = -1
    check_op(lambda x: x.reshape(shape), lambda x: x.reshape(shape), [a])
    check_op(lambda x: x.view(*shape), lambda x: x.view(tuple(shape)), [a])


@given(a=any_array(min_dims=0), data=st.data())
def test_flatten_matches_torch(a, data):
    n = max(a.ndim, 1)
    start = data.draw(st.integers(-n, n - 1))
    end = data.draw(st.integers(-n, n - 1))
    if start % n > end % n:
        start, end = end, start
    check_op(lambda x: x.flatten(start, end), lambda x: x.flatten(start, end), [a])


@given(a=any_array(min_dims=1), data=st.data())
def test_permute_transpose_T_match_torch(a, data):
    dims = data.draw(st.permutations(range(a.ndim)))
    d0 = data.draw(st.integers(-a.ndim, a.ndim - 1))
    d1 = data.draw(st.integers(-a.ndim, a.ndim - 1))
    check_op(lambda x: x.permute(*dims), lambda x: x.permute(*dims), [a])
    check_op(lambda x: x.transpose(d0, d1), lambda x: x.transpose(d0, d1), [a])
    if a.ndim == 2:
        check_op(lambda x: x.T, lambda x: x.T, [a])


@given(a=any_array(), data=st.data())
def test_squeeze_unsqueeze_match_torch(a, data):
    n = max(a.ndim, 1)
    d = data.draw(st.integers(-n, n - 1))
    u = data.draw(st.integers(-a.ndim - 1, a.ndim))
    check_op(lambda x: x.squeeze(), lambda x: x.squeeze(), [a])
    check_op(lambda x: x.squeeze(d), lambda x: x.squeeze(d), [a])
    check_op(lambda x: x.unsqueeze(u), lambda x: x.unsqueeze(u), [a])


@given(a=any_array(max_dims=3), data=st.data())
def test_expand_matches_torch(a, data):
    lead = data.draw(st.lists(st.integers(1, 3), max_size=2))
    target = lead + [data.draw(st.sampled_from([-1, 3])) if n == 1 else
                     data.draw(st.sampled_from([-1, n])) for n in a.shape]
    check_op(lambda x: x.expand(*target), lambda x: x.expand(target), [a])


@given(data=st.data())
def test_cat_and_stack_match_torch(data):
    dtype = data.draw(FLOATS)
    base = data.draw(small_shapes(min_dims=1, max_dims=3))
    dim = data.draw(st.integers(-len(base), len(base) - 1))
    arrays = []
    for _ in range(data.draw(st.integers(1, 3))):
        shape = list(base)
        shape[dim] = data.draw(st.integers(1, 3))
        arrays.append(data.draw(float_arrays(dtype, tuple(shape))))
    check_op(lambda *xs: tc.cat(xs, dim), lambda *xs: torch.cat(xs, dim), arrays)
    same = [arrays[0]] * 2 + [arrays[0] * 2]
    sdim = data.draw(st.integers(-len(base) - 1, len(base)))
    check_op(lambda *xs: tc.stack(xs, sdim), lambda *xs: torch.stack(xs, sdim), same)


def test_cat_promotes_mixed_dtypes_like_torch():
    out = tc.cat([Tensor([1, 2], dtype="int64"), Tensor([0.5])])
    assert out.dtype == np.float32 and out.tolist() == [1.0, 2.0, 0.5]


BASIC_INDICES = [
    (1,), (-1,), (slice(None),), (slice(1, None),), (slice(None, None, 2),),
    (slice(None, None, -1),), (Ellipsis, 0), (None, 1), (0, slice(1, 3)),
    (slice(None), None, 1), (Ellipsis,),
]


@pytest.mark.parametrize("index", BASIC_INDICES, ids=repr)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_basic_indexing_matches_torch(index, dtype):
    a = np.arange(24, dtype=dtype).reshape(4, 3, 2)
    if any(isinstance(i, slice) and i.step == -1 for i in index):
        # torch has no negative steps; compare with flip instead
        check_op(lambda x: x[index], lambda x: x.flip(0), [a])
    else:
        check_op(lambda x: x[index], lambda x: x[index], [a])


@given(data=st.data())
def test_integer_array_indexing_with_repeats_accumulates_gradient(data):
    dtype = data.draw(FLOATS)
    a = data.draw(float_arrays(dtype, (5, 3)))
    rows = data.draw(st.lists(st.integers(-5, 4), min_size=1, max_size=8))
    check_op(lambda x: x[rows], lambda x: x[rows], [a])
    check_op(lambda x: x[Tensor(rows, dtype="int64")], lambda x: x[torch.tensor(rows)], [a])
    cols = [r % 3 for r in rows]
    check_op(lambda x: x[rows, cols], lambda x: x[rows, cols], [a])
    check_op(lambda x: x[:, cols[:2]], lambda x: x[:, cols[:2]], [a])


def test_repeated_index_gradient_counts_each_use():
    x = Tensor([1.0, 2.0, 3.0], requires_grad=True)
    x[[0, 0, 2, 0]].sum().backward()
    assert x.grad.tolist() == [3.0, 0.0, 1.0]


@given(data=st.data())
def test_boolean_mask_indexing_matches_torch(data):
    dtype = data.draw(FLOATS)
    a = data.draw(float_arrays(dtype, (4, 3)))
    mask = a > 0
    check_op(lambda x: x[Tensor(mask)], lambda x: x[torch.tensor(mask)], [a])
    check_op(lambda x: x[x > 0], lambda x: x[x > 0], [a])
    row_mask = list(mask[:, 0])
    check_op(lambda x: x[row_mask], lambda x: x[torch.tensor(row_mask)], [a])


@given(data=st.data())
def test_pad_function_matches_torch_constant_pad(data):
    dtype = data.draw(FLOATS)
    a = data.draw(float_arrays(dtype, data.draw(small_shapes(min_dims=1, max_dims=4))))
    n_padded = data.draw(st.integers(1, a.ndim))
    pad = tuple(data.draw(st.lists(st.integers(0, 2), min_size=2 * n_padded,
                                   max_size=2 * n_padded)))
    value = data.draw(st.sampled_from([0.0, 1.5, -2.0]))
    check_op(lambda x: Pad.apply(x, pad=pad, value=value),
             lambda x: TF.pad(x, pad, value=value), [a])


def test_clone_detach_contiguous():
    x = Tensor([1.0, 2.0], requires_grad=True)
    c = x.clone()
    assert c._data is not x._data and c.requires_grad
    d = x.detach()
    assert np.shares_memory(d._data, x._data) and not d.requires_grad and d.is_leaf
    (c * 3).sum().backward()
    assert x.grad.tolist() == [3.0, 3.0]
