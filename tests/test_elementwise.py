"""Elementwise ops (binary with broadcasting, unary, activations) against PyTorch."""
import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import tinygrad_cnn as tc
from tinygrad_cnn import Tensor, where
from tinygrad_cnn.kernels.activation import KERNEL_MIN_SIZE
from tinygrad_cnn.ops.activation import LeakyReLU
from core_helpers import FLOATS, check_op, float_arrays, small_shapes
from torch_oracle import assert_close, pair

BROADCAST_PAIRS = hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=4,
                                                    min_side=1, max_side=4)


@st.composite
def broadcast_arrays(draw, lo=-3.0, hi=3.0):
    """Two arrays of one float dtype whose shapes broadcast together (incl. 0-d, size-1)."""
    dtype = draw(FLOATS)
    shapes = draw(BROADCAST_PAIRS).input_shapes
    return [draw(float_arrays(dtype, s, lo, hi)) for s in shapes]


@st.composite
def one_array(draw, lo=-3.0, hi=3.0):
    dtype = draw(FLOATS)
    return draw(float_arrays(dtype, draw(small_shapes()), lo, hi))


BINARY = {
    "add": (lambda a, b: a + b),
    "sub": (lambda a, b: a - b),
    "mul": (lambda a, b: a * b),
    "maximum": (lambda a, b: a.maximum(b) if isinstance(a, Tensor) else torch.maximum(a, b)),
    "minimum": (lambda a, b: a.minimum(b) if isinstance(a, Tensor) else torch.minimum(a, b)),
}


@pytest.mark.parametrize("name", sorted(BINARY))
@given(arrays=broadcast_arrays())
def test_binary_broadcasting_matches_torch(name, arrays):
    check_op(BINARY[name], BINARY[name], arrays)


@given(arrays=broadcast_arrays())
def test_div_matches_torch(arrays):
    a, b = arrays
    b = np.where(np.abs(b) < 0.5, 1.5, b).astype(b.dtype)  # keep away from 0
    check_op(lambda x, y: x / y, lambda x, y: x / y, [a, b])


@given(arrays=broadcast_arrays(lo=0.5, hi=2.0))
def test_pow_tensor_exponent_matches_torch(arrays):
    check_op(lambda x, y: x ** y, lambda x, y: x ** y, arrays)


@pytest.mark.parametrize("exponent", [0, 1, 2, 3, -1, 0.5, 2.5])
@given(a=one_array(lo=0.5, hi=2.0))
def test_pow_scalar_exponent_matches_torch(exponent, a):
    check_op(lambda x: x ** exponent, lambda x: x ** exponent, [a])


def test_pow_exponent_zero_has_zero_gradient_at_zero():
    ours, theirs = pair(np.array([0.0, 2.0]))
    (ours ** 0).sum().backward()
    (theirs ** 0).sum().backward()
    assert_close(ours.grad, theirs.grad)
    assert np.all(np.isfinite(ours.grad.numpy()))


@given(arrays=broadcast_arrays())
def test_reflected_operators_with_scalars_match_torch(arrays):
    a = arrays[0]
    check_op(lambda x: 2 - x + 3 * x - 1.5 / (x * x + 1) + 2 ** x,
             lambda x: 2 - x + 3 * x - 1.5 / (x * x + 1) + 2 ** x, [a])


def test_numpy_array_on_the_left_defers_to_tensor():
    arr = np.array([1.0, 2.0], dtype=np.float32)
    t = Tensor([3.0, 4.0], requires_grad=True)
    for out, expect in [(arr + t, [4, 6]), (arr - t, [-2, -2]), (arr * t, [3, 8]),
                        (arr / t, [1 / 3, 0.5])]:
        assert isinstance(out, Tensor) and out.requires_grad
        np.testing.assert_allclose(out.detach().numpy(), expect, rtol=1e-6)
    m = np.eye(2, dtype=np.float32) @ t
    assert isinstance(m, Tensor)
    m.sum().backward()
    np.testing.assert_allclose(t.grad.numpy(), [1, 1])


UNARY = {
    "neg": (lambda x: -x, lambda x: -x, -3, 3),
    "exp": (lambda x: x.exp(), torch.exp, -3, 3),
    "log": (lambda x: x.log(), torch.log, 0.1, 5),
    "sqrt": (lambda x: x.sqrt(), torch.sqrt, 0.1, 5),
    "abs": (lambda x: x.abs(), torch.abs, -3, 3),
    "relu": (lambda x: x.relu(), torch.relu, -3, 3),
    "sigmoid": (lambda x: x.sigmoid(), torch.sigmoid, -10, 10),
    "tanh": (lambda x: x.tanh(), torch.tanh, -5, 5),
    "free_exp": (lambda x: tc.exp(x), torch.exp, -3, 3),
    "leaky_relu": (lambda x: LeakyReLU.apply(x, negative_slope=0.2),
                   lambda x: torch.nn.functional.leaky_relu(x, 0.2), -3, 3),
}


@pytest.mark.parametrize("name", sorted(UNARY))
@given(data=st.data())
def test_unary_matches_torch(name, data):
    ours, theirs, lo, hi = UNARY[name]
    a = data.draw(one_array(lo, hi))
    check_op(ours, theirs, [a])


def test_abs_relu_gradient_at_zero_matches_torch():
    for ours_fn, torch_fn in [(Tensor.abs, torch.abs), (Tensor.relu, torch.relu)]:
        check_op(ours_fn, torch_fn, [np.array([0.0, -1.0, 1.0])])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("transposed", [False, True])
def test_relu_kernel_sized_arrays_match_torch_with_nan_inf_and_zero(dtype, transposed):
    """Arrays of >= KERNEL_MIN_SIZE elements take the numba loops (forward and gradient),
    a non-contiguous or small one numpy's: all as torch (NaN propagated forward, and its
    gradient passed backward)."""
    a = np.random.default_rng(0).standard_normal((70, 90)).astype(dtype)
    a.flat[:6] = [np.nan, -np.inf, np.inf, 0.0, -0.0, -1.0]
    assert a.size >= KERNEL_MIN_SIZE
    check_op(lambda x: (x.T if transposed else x).relu(),
             lambda x: (x.T if transposed else x).relu(), [a])
    check_op(Tensor.relu, torch.relu, [a[0, :6].copy()])  # numpy's path for small arrays


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_relu_of_a_large_array_runs_in_parts_and_matches_torch(monkeypatch, dtype):
    """Past runtime.SPLIT_MIN_BYTES the ReLU loops run over ranges on the workers (three
    here, uneven, NaN and infs at the seams): forward and gradient as torch's."""
    from thread_fakes import ThreeThreads
    from tinygrad_cnn.kernels import runtime
    ThreeThreads().install(monkeypatch, runtime)
    monkeypatch.setattr(runtime, "SPLIT_MIN_BYTES", 1 << 12)
    a = np.random.default_rng(1).standard_normal((71, 93)).astype(dtype)
    for seam in (a.size // 3, 2 * a.size // 3):
        a.flat[seam - 2:seam + 2] = [np.nan, -np.inf, np.inf, -0.0]
    assert len(runtime.pass_parts(a.size, a.nbytes)) == 3
    check_op(Tensor.relu, torch.relu, [a])


def test_sigmoid_is_stable_for_large_inputs():
    check_op(Tensor.sigmoid, torch.sigmoid, [np.array([-1000.0, 1000.0, 0.0], np.float32)])


@pytest.mark.parametrize("bounds", [(-0.5, None), (None, 0.5), (-0.5, 0.5), (0.5, 0.5)])
@given(a=one_array())
def test_clamp_matches_torch(bounds, a):
    lo, hi = bounds
    check_op(lambda x: x.clamp(lo, hi), lambda x: x.clamp(lo, hi), [a])
    check_op(lambda x: x.clip(min=lo, max=hi), lambda x: x.clip(min=lo, max=hi), [a])


def test_clamp_gradient_at_the_bounds_matches_torch():
    check_op(lambda x: x.clamp(-1, 1), lambda x: x.clamp(-1, 1), [np.array([-1.0, 1.0, 2.0])])


@pytest.mark.parametrize("name", ["maximum", "minimum"])
def test_maximum_minimum_ties_split_gradient_like_torch(name):
    a = np.array([1.0, 2.0, 3.0])
    b = np.array([1.0, 0.0, 3.0])
    check_op(BINARY[name], BINARY[name], [a, b])
    ours_a, _ = pair(a)
    BINARY[name](ours_a, Tensor(b)).sum().backward()
    assert ours_a.grad.numpy()[0] == 0.5


@given(arrays=broadcast_arrays(), data=st.data())
def test_where_matches_torch(arrays, data):
    a, b = arrays
    shape = np.broadcast_shapes(a.shape, b.shape)
    cond = data.draw(hnp.arrays(np.bool_, shape))
    check_op(lambda x, y: where(Tensor(cond), x, y),
             lambda x, y: torch.where(torch.tensor(cond), x, y), [a, b])


def test_where_with_scalar_and_tensor_method():
    x, tx = pair(np.array([1.0, -2.0, 3.0]))
    out = x.where(x > 0, 0.0)
    expect = tx.where(tx > 0, 0.0)
    assert_close(out, expect)
    out.sum().backward(); expect.sum().backward()
    assert_close(x.grad, tx.grad)


def test_comparisons_give_bool_tensors_without_grad():
    x = Tensor([1.0, 2.0, 3.0], requires_grad=True)
    for out, expect in [(x < 2, [1, 0, 0]), (x <= 2, [1, 1, 0]), (x > 2, [0, 0, 1]),
                        (x >= 2, [0, 1, 1]), (x == 2, [0, 1, 0]), (x != 2, [1, 0, 1]),
                        (x > Tensor([0.0, 5.0, 1.0]), [1, 0, 1])]:
        assert out.dtype == np.bool_ and not out.requires_grad
        assert out.tolist() == [bool(v) for v in expect]


def test_integer_and_mixed_dtype_promotion_matches_torch():
    cases = [
        (lambda m: m.tensor([1, 2]) + 1.5),
        (lambda m: m.tensor([1, 2]) / m.tensor([2, 4])),
        (lambda m: m.tensor([1, 2]) * 2),
        (lambda m: m.tensor([1.0, 2.0]) + m.tensor([1.0], dtype=m.float64)),
        (lambda m: m.tensor([1.0, 2.0]) * m.tensor(2.0, dtype=m.float64)),
        (lambda m: m.tensor([1, 2]) + m.tensor(2.0, dtype=m.float64)),
        (lambda m: m.tensor([1, 2]) + m.tensor([2.0])),
        (lambda m: m.tensor([True, False]) + 1),
        (lambda m: m.tensor([True, False]) * 1.5),
        (lambda m: 1.5 - m.tensor([1, 2])),
        (lambda m: m.tensor([1, 2]).exp()),
        (lambda m: m.tensor(2.0, dtype=m.float64) * 3),
    ]
    for case in cases:
        ours, theirs = case(tc), case(torch)
        assert ours.dtype == np.dtype(str(theirs.dtype).replace("torch.", "")), case
        assert_close(ours, theirs)


def test_float32_leaf_gets_float32_grad_through_float64_op():
    x = Tensor([1.0, 2.0], requires_grad=True)
    y = x * Tensor(np.array([3.0, 4.0]))
    assert y.dtype == np.float64
    y.sum().backward()
    assert x.grad.dtype == np.float32 and x.grad.tolist() == [3.0, 4.0]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_large_same_shape_results_are_recycled_but_never_shared(dtype):
    """+, - and * of two same-shape arrays write into recycled buffers (a residual add):
    results alive at once never share memory with each other or with their inputs, and
    a buffer comes back only once nothing holds it."""
    rng = np.random.default_rng(0)
    a, b = (rng.standard_normal((64, 64, 8), dtype=dtype) for _ in range(2))
    x, y = Tensor(a), Tensor(b)
    outs = [x + y, x - y, x * y, x + y, y - x]
    for out, want in zip(outs, [a + b, a - b, a * b, a + b, b - a]):
        np.testing.assert_array_equal(out.numpy(), want)
    arrays = [o.numpy() for o in outs] + [x.numpy(), y.numpy()]
    assert not any(np.shares_memory(p, q) for i, p in enumerate(arrays) for q in arrays[:i])
    address = outs[0].numpy().ctypes.data
    del outs, arrays
    assert (x + y).numpy().ctypes.data == address
