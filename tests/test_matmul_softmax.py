"""matmul (1-D/2-D/batched/broadcast) and softmax/log_softmax against PyTorch."""
import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

import tinygrad_cnn as tc
from tinygrad_cnn import Tensor
from core_helpers import FLOATS, check_op, float_arrays, small_shapes


@st.composite
def matmul_operands(draw):
    """Two arrays numpy/torch can multiply: vectors, matrices, broadcast batches."""
    dtype = draw(FLOATS)
    m, k, n = (draw(st.integers(1, 4)) for _ in range(3))
    batch_a = draw(st.lists(st.integers(1, 3), max_size=2))
    batch_b = [draw(st.sampled_from([1, s])) for s in batch_a]
    if draw(st.booleans()):
        batch_a, batch_b = batch_b, batch_a
    batch_b = batch_b[draw(st.integers(0, len(batch_b))):]  # fewer batch dims broadcast too
    a_shape = (k,) if draw(st.booleans()) else tuple(batch_a) + (m, k)
    b_shape = (k,) if draw(st.booleans()) else tuple(batch_b) + (k, n)
    return [draw(float_arrays(dtype, a_shape)), draw(float_arrays(dtype, b_shape))]


@given(arrays=matmul_operands())
def test_matmul_matches_torch(arrays):
    check_op(lambda a, b: a @ b, lambda a, b: a @ b, arrays)
    check_op(lambda a, b: tc.matmul(a, b), torch.matmul, arrays)


@given(arrays=matmul_operands())
def test_matmul_gradient_only_where_needed(arrays):
    check_op(lambda a, b: a.matmul(b), torch.matmul, arrays, grad_mask=[True, False])
    check_op(lambda a, b: a.matmul(b), torch.matmul, arrays, grad_mask=[False, True])


@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
@given(data=st.data())
def test_softmax_matches_torch_over_any_dim(name, data):
    dtype = data.draw(FLOATS)
    a = data.draw(float_arrays(dtype, data.draw(small_shapes(min_dims=0)), -10, 10))
    n = max(a.ndim, 1)
    dim = data.draw(st.integers(-n, n - 1))
    check_op(lambda x: getattr(x, name)(dim), lambda x: getattr(x, name)(dim), [a])
    check_op(lambda x: getattr(tc, name)(x, dim), lambda x: getattr(torch, name)(x, dim), [a])


@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_softmax_is_stable_with_large_inputs(name, dtype):
    a = np.array([[1000.0, 0.0, -1000.0], [1000.0, 1000.0, 999.0]], dtype=dtype)
    check_op(lambda x: getattr(x, name)(1), lambda x: getattr(x, name)(1), [a])
    out = getattr(Tensor(a), name)(1).numpy()
    assert np.all(np.isfinite(out))
