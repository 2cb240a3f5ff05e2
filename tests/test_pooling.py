"""max/avg/adaptive-avg pooling against PyTorch: values, indices, gradients, errors."""
import numpy as np
import pytest
import torch
import torch.nn.functional as TF
from hypothesis import given
from hypothesis import strategies as st

from tinygrad_cnn import Tensor, gradcheck
from tinygrad_cnn.kernels import runtime
from tinygrad_cnn.nn.functional import adaptive_avg_pool2d, avg_pool2d, max_pool2d
from torch_oracle import assert_close, assert_grads_close, pair

DTYPES = [np.float64, np.float32]


def _run_both(ours_fn, torch_fn, x, dtype):
    """Forward both, backward a random gradient, compare values and input gradients."""
    ours_x, torch_x = pair(x.astype(dtype))
    out, ref = ours_fn(ours_x), torch_fn(torch_x)
    out_v, ref_v = (out[0], ref[0]) if isinstance(ref, tuple) else (out, ref)
    assert_close(out_v, ref_v)
    g = np.random.randn(*ref_v.shape).astype(dtype)
    out_v.backward(g)
    ref_v.backward(torch.tensor(g))
    assert_grads_close([ours_x], [torch_x])
    assert out_v.dtype == dtype and ours_x.grad.dtype == dtype
    return out, ref


def _side(draw, kernel, pad, dilation=1):
    """An input length with at least one output (and, for max pooling, no window that
    dilation makes skip the input: length >= dilation)."""
    low = max(1, dilation, dilation * (kernel - 1) + 1 - 2 * pad)
    return draw(st.integers(low, low + 6))


@st.composite
def max_pool_cases(draw):
    k = (draw(st.integers(1, 4)), draw(st.integers(1, 4)))
    d = (draw(st.integers(1, 2)), draw(st.integers(1, 2)))
    p = (draw(st.integers(0, k[0] // 2)), draw(st.integers(0, k[1] // 2)))
    stride = draw(st.one_of(st.none(), st.integers(1, 3),
                            st.tuples(st.integers(1, 3), st.integers(1, 3))))
    shape = (draw(st.integers(1, 2)), draw(st.integers(1, 3)), _side(draw, k[0], p[0], d[0]),
             _side(draw, k[1], p[1], d[1]))
    return shape, dict(kernel_size=k, stride=stride, padding=p, dilation=d,
                       ceil_mode=draw(st.booleans()))


@st.composite
def avg_pool_cases(draw):
    k = (draw(st.integers(1, 4)), draw(st.integers(1, 4)))
    p = (draw(st.integers(0, k[0] // 2)), draw(st.integers(0, k[1] // 2)))
    stride = draw(st.one_of(st.none(), st.tuples(st.integers(1, 3), st.integers(1, 3))))
    shape = (draw(st.integers(1, 2)), draw(st.integers(1, 3)), _side(draw, k[0], p[0]),
             _side(draw, k[1], p[1]))
    return shape, dict(kernel_size=k, stride=stride, padding=p, ceil_mode=draw(st.booleans()),
                       count_include_pad=draw(st.booleans()),
                       divisor_override=draw(st.one_of(st.none(), st.integers(1, 5))))


@pytest.mark.parametrize("dtype", DTYPES)
@given(case=max_pool_cases())
def test_max_pool_matches_torch_with_indices(case, dtype):
    shape, kwargs = case
    (out, idx), (ref, ref_idx) = _run_both(
        lambda t: max_pool2d(t, return_indices=True, **kwargs),
        lambda t: TF.max_pool2d(t, return_indices=True, **kwargs), np.random.randn(*shape), dtype)
    assert idx.dtype == np.int64 and not idx.requires_grad
    np.testing.assert_array_equal(idx._data, ref_idx.numpy())


@pytest.mark.parametrize("dtype", DTYPES)
@given(case=avg_pool_cases())
def test_avg_pool_matches_torch(case, dtype):
    shape, kwargs = case
    _run_both(lambda t: avg_pool2d(t, **kwargs), lambda t: TF.avg_pool2d(t, **kwargs),
              np.random.randn(*shape), dtype)


@pytest.mark.parametrize("dtype", DTYPES)
@given(h=st.integers(1, 9), w=st.integers(1, 9),
       size=st.tuples(st.one_of(st.none(), st.integers(1, 11)), st.integers(1, 11)))
def test_adaptive_avg_pool_matches_torch(h, w, size, dtype):
    _run_both(lambda t: adaptive_avg_pool2d(t, size), lambda t: TF.adaptive_avg_pool2d(t, size),
              np.random.randn(2, 3, h, w), dtype)


@pytest.mark.parametrize("fn,kwargs", [
    ("max_pool2d", dict(kernel_size=(3, 2), stride=(2, 1), padding=1, return_indices=True)),
    ("avg_pool2d", dict(kernel_size=3, stride=2, padding=1, ceil_mode=True)),
    ("adaptive_avg_pool2d", dict(output_size=(2, 3))),
])
def test_unbatched_input(fn, kwargs):
    ours = {"max_pool2d": max_pool2d, "avg_pool2d": avg_pool2d,
            "adaptive_avg_pool2d": adaptive_avg_pool2d}[fn]
    out, ref = _run_both(lambda t: ours(t, **kwargs), lambda t: getattr(TF, fn)(t, **kwargs),
                         np.random.randn(3, 7, 5), np.float64)
    if kwargs.get("return_indices"):
        np.testing.assert_array_equal(out[1]._data, ref[1].numpy())


def test_tutorial_example_conv_then_pool_shape():
    x = Tensor(np.random.randn(10, 5, 9, 9).astype(np.float32))
    out = max_pool2d(x, 3, stride=3)
    assert out.shape == (10, 5, 3, 3) and out.dtype == np.float32
    np.testing.assert_array_equal(out._data[:, :, 0, 0], x._data[:, :, :3, :3].max(axis=(2, 3)))


@pytest.mark.parametrize("value", [1.5, -np.inf])
def test_max_pool_ties_pick_torchs_winner(value):
    """Constant input, overlapping windows, padding: one winner, the same as torch's."""
    kwargs = dict(kernel_size=3, stride=1, padding=1, return_indices=True)
    (out, idx), (_, ref_idx) = _run_both(lambda t: max_pool2d(t, **kwargs),
                                         lambda t: TF.max_pool2d(t, **kwargs),
                                         np.full((1, 2, 4, 5), value), np.float64)
    np.testing.assert_array_equal(idx._data, ref_idx.numpy())


def test_max_pool_propagates_nan_like_torch():
    x = np.array([[[[1.0, np.nan, 2.0, np.nan, 0.0, 3.0]]]])
    kwargs = dict(kernel_size=(1, 3), stride=(1, 2), return_indices=True)
    (out, idx), (ref, ref_idx) = _run_both(lambda t: max_pool2d(t, **kwargs),
                                           lambda t: TF.max_pool2d(t, **kwargs), x, np.float64)
    np.testing.assert_array_equal(idx._data, ref_idx.numpy())


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_max_pool_2x2_fast_path_ties_nan_inf_like_torch(dtype):
    """The unrolled 2x2 / stride 2 kernel: ties, NaN (the last one wins), -inf, odd sizes."""
    x = np.random.randn(3, 4, 7, 9)
    x[0, 0, :2, :2] = 1.0
    x[0, 1, :2, :2] = [[np.nan, 0.0], [np.nan, 5.0]]
    x[1, 2, 2:4, 2:4] = -np.inf
    x[2, 3, :2, 2:4] = [[0.0, np.nan], [1.0, 2.0]]
    kwargs = dict(kernel_size=2, return_indices=True)
    (out, idx), (ref, ref_idx) = _run_both(lambda t: max_pool2d(t, **kwargs),
                                           lambda t: TF.max_pool2d(t, **kwargs), x, dtype)
    np.testing.assert_array_equal(out._data, ref.detach().numpy())
    np.testing.assert_array_equal(idx._data, ref_idx.numpy())


def test_max_pool_windows_of_more_than_254_taps():
    """Winners are stored in one byte up to 254 taps, in an int32 beyond (16x16 = 256)."""
    kwargs = dict(kernel_size=16, stride=4, return_indices=True)
    (out, idx), (ref, ref_idx) = _run_both(lambda t: max_pool2d(t, **kwargs),
                                           lambda t: TF.max_pool2d(t, **kwargs),
                                           np.random.randn(2, 3, 24, 20), np.float32)
    np.testing.assert_array_equal(idx._data, ref_idx.numpy())


def test_max_pool_window_that_misses_the_input():
    """Dilation can make a window's taps jump over a 1x2 input: -inf as in torch, index -1
    (torch's index there points at an unrelated pixel) and no gradient."""
    x = Tensor(np.array([[[[1.0, 2.0]]]]), requires_grad=True)
    kwargs = dict(kernel_size=(1, 2), stride=1, padding=(0, 1), dilation=(1, 3))
    out, idx = max_pool2d(x, return_indices=True, **kwargs)
    assert_close(out, TF.max_pool2d(torch.tensor(x._data), **kwargs))
    assert idx._data.tolist() == [[[[-1]]]]
    out.sum().backward()
    np.testing.assert_array_equal(x.grad._data, [[[[0.0, 0.0]]]])


def test_max_pool_overlapping_windows_accumulate_gradient():
    x = Tensor(np.array([[[[0.0, 5.0, 1.0], [2.0, 3.0, 4.0]]]]), requires_grad=True)
    max_pool2d(x, 2, stride=1).sum().backward()
    np.testing.assert_array_equal(x.grad._data, [[[[0, 2, 0], [0, 0, 0]]]])


def test_max_pool_without_return_indices_is_a_single_tensor():
    out = max_pool2d(Tensor(np.zeros((1, 1, 4, 4))), 2)
    assert isinstance(out, Tensor) and out.shape == (1, 1, 2, 2)


@pytest.mark.parametrize("fn", [
    lambda t: max_pool2d(t, (3, 2), stride=(2, 1), padding=(1, 0), dilation=(1, 2),
                         ceil_mode=True),
    lambda t: avg_pool2d(t, 3, stride=2, padding=1, ceil_mode=True, count_include_pad=False),
    lambda t: avg_pool2d(t, (2, 3), padding=(1, 1), divisor_override=4),
    lambda t: adaptive_avg_pool2d(t, (3, 4)),
])
def test_gradcheck(fn):
    x = Tensor(np.random.randn(1, 2, 5, 5), requires_grad=True)
    assert gradcheck(fn, (x,))


X = Tensor(np.zeros((2, 4, 9, 9)))


@pytest.mark.parametrize("call,match", [
    (lambda: max_pool2d(Tensor(np.zeros((9, 9))), 2),
     r"max_pool2d: expected 3D \(unbatched\) or 4D \(batched\) input, but got input of size: "
     r"\(9, 9\)"),
    (lambda: avg_pool2d(Tensor(np.zeros((1, 2, 3, 9, 9))), 2), r"avg_pool2d: expected 3D"),
    (lambda: max_pool2d(Tensor(np.zeros((1, 1, 4, 4), dtype=np.int64)), 2),
     r"max_pool2d supports float32 and float64 inputs, got int64"),
    (lambda: max_pool2d(X, 10), r"Given input size: \(4x9x9\)\. Calculated output size: "
                                r"\(4x0x0\)\. Output size is too small"),
    (lambda: avg_pool2d(X, (2, 10)), r"Calculated output size: \(4x4x0\)"),
    (lambda: max_pool2d(X, 3, padding=2), r"pad should be at most half of effective kernel "
                                          r"size, but got pad=2, kernel_size=3 and dilation=1"),
    (lambda: avg_pool2d(X, 3, padding=(0, 2)), r"pad should be at most half of effective "
                                               r"kernel size, but got pad=2, kernel_size=3"),
    (lambda: max_pool2d(X, 2, padding=2, dilation=3),
     r"pad should be smaller than or equal to half of kernel size, but got padW = 2, "
     r"padH = 2, kW = 2, kH = 2"),
    (lambda: max_pool2d(X, 3, padding=-1), r"pad must be non-negative, but got pad: \(-1, -1\)"),
    (lambda: max_pool2d(X, 3, stride=0), r"max_pool2d: stride must be greater than zero, but "
                                         r"got sH: 0 sW: 0"),
    (lambda: avg_pool2d(X, 3, stride=(1, -1)), r"avg_pool2d: stride must be greater than "
                                               r"zero, but got sH: 1 sW: -1"),
    (lambda: max_pool2d(X, 0), r"max_pool2d: kernel_size must be greater than zero, but got "
                               r"kH: 0 kW: 0"),
    (lambda: max_pool2d(X, 2, dilation=0), r"dilation should be greater than zero, but got "
                                           r"dilationH: 0 dilationW: 0"),
    (lambda: avg_pool2d(X, 2, divisor_override=0), r"divisor must be not zero"),
    (lambda: adaptive_avg_pool2d(X, (1, 2, 3)), r"adaptive_avg_pool2d: output_size must be 2, "
                                                r"got \(1, 2, 3\)"),
    (lambda: adaptive_avg_pool2d(X, (-1, 3)), r"adaptive_avg_pool2d: elements of output_size "
                                              r"must be greater than or equal to 0 but "
                                              r"received \(-1, 3\)"),
    (lambda: adaptive_avg_pool2d(Tensor(np.zeros((9, 9))), 2),
     r"adaptive_avg_pool2d: expected 3D \(unbatched\) or 4D \(batched\) input"),
])
def test_errors(call, match):
    with pytest.raises(RuntimeError, match=match):
        call()


def test_bad_kernel_size_type():
    with pytest.raises(TypeError, match=r"kernel_size must be an int or a tuple of 1 or 2 "
                                        r"ints, got \(2, 2, 2\)"):
        max_pool2d(X, (2, 2, 2))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", [(4, 8, 33, 35), (4, 8, 32, 34), (2, 3, 5, 4)])
@pytest.mark.parametrize("divisor_override", [None, 3])
def test_avg_pool_2x2_fast_path_matches_torch_twice(shape, divisor_override, dtype):
    """2x2 windows at stride 2 take unrolled kernels whose gradient buffer is recycled
    without zeroing: an odd last row/column must still come back 0, on every call."""
    for _ in range(2):  # the second backward gets the first one's recycled buffer
        _run_both(lambda t: avg_pool2d(t, 2, divisor_override=divisor_override),
                  lambda t: TF.avg_pool2d(t, 2, divisor_override=divisor_override),
                  np.random.randn(*shape), dtype)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", [(4, 8, 33, 35), (4, 8, 32, 34), (2, 3, 5, 4)])
def test_max_pool_2x2_gradient_in_a_recycled_buffer_matches_torch_twice(shape, dtype):
    """The 2x2 backward stores each gradient at its winner into a recycled buffer and
    zeroes the rest itself: the other pixels of each window and an odd last row/column
    must come back 0 on every call, the winners torch's."""
    for _ in range(2):
        runtime.scratch(shape, dtype)[...] = np.nan  # the gradient's pooled buffer: NaN
        _run_both(lambda t: max_pool2d(t, 2), lambda t: TF.max_pool2d(t, 2),
                  np.random.randn(*shape), dtype)
