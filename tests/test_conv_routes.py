"""The conv route table: every route that applies to a conv gives the reference route's
answer (plain numpy im2col) and PyTorch's, forward and backward; route_name says which
route a shape takes."""
import numpy as np
import pytest
import torch
import torch.nn.functional as TF
from hypothesis import example, given, settings

from tinygrad_cnn.kernels.conv import BY_NAME, ROUTES, route_name, use_route
from tinygrad_cnn.kernels.geometry import ConvGeometry, pair
from tinygrad_cnn.nn.functional import conv2d
from tinygrad_cnn.ops.conv2d import _resolve_padding
from test_conv2d import conv_cases
from torch_oracle import assert_close, pair as tensors


def _run(route, arrays, kwargs):
    ours = [tensors(a)[0] for a in arrays]
    with use_route(route):
        out = conv2d(*ours, **kwargs)
        out.backward(np.ones(out.shape))
    return [out._data] + [t.grad._data for t in ours]


def _geometry(x_shape, w_shape, kwargs):
    """The geometry the routes see ('same'/'valid' resolved as conv2d does)."""
    stride, dilation = pair(kwargs.get("stride", 1), "stride"), pair(kwargs.get("dilation", 1),
                                                                      "dilation")
    pad = _resolve_padding(kwargs.get("padding", 0), stride, w_shape[2:], dilation)
    return ConvGeometry(x_shape, w_shape, stride, pad, dilation, kwargs.get("groups", 1))


def _arrays(x_shape, w_shape, with_bias):
    arrays = [np.random.randn(*x_shape), np.random.randn(*w_shape)]
    return arrays + ([np.random.randn(w_shape[0])] if with_bias else [])


@settings(max_examples=30, deadline=None)
@given(case=conv_cases())
# forced 'direct' on a 1x1 image: the input gradient's conv is one direct does not apply to
@example(case=((1, 2, 1, 1), (1, 2, 4, 4), False,
               {"stride": 1, "padding": "same", "dilation": 1, "groups": 1}))
def test_every_route_that_applies_gives_the_reference_answer(case):
    x_shape, w_shape, with_bias, kwargs = case
    arrays = _arrays(x_shape, w_shape, with_bias)
    expected = _run("reference", arrays, kwargs)
    geo = _geometry(x_shape, w_shape, kwargs)
    for name in [n for n, route in BY_NAME.items() if route.applies(geo)]:
        for ours, ref in zip(_run(name, arrays, kwargs), expected):
            np.testing.assert_allclose(ours, ref, rtol=1e-9, atol=1e-9, err_msg=name)


@settings(max_examples=30, deadline=None)
@given(case=conv_cases())
def test_the_reference_route_matches_torch(case):
    arrays = _arrays(*case[:3])
    kwargs = case[3]
    ours = _run("reference", arrays, kwargs)
    theirs = [torch.tensor(a, requires_grad=True) for a in arrays]
    out = TF.conv2d(*theirs, **kwargs)
    out.backward(torch.ones(out.shape, dtype=out.dtype))
    for a, b in zip(ours, [out] + [t.grad for t in theirs]):
        assert_close(a, b)


def test_route_name_says_which_route_a_shape_takes():
    assert route_name((64, 1, 28, 28), (6, 1, 5, 5)) == "im2col"  # LeNet conv1: 1 channel
    assert route_name((16, 8, 20, 20), (8, 8, 5, 5)) == "direct"
    assert route_name((8, 64, 56, 56), (64, 64, 3, 3), padding=1) == "blocked"
    assert route_name((8, 64, 56, 56), (64, 64, 3, 3), stride=2, padding=1) == "blocked"
    assert route_name((8, 64, 56, 56), (64, 32, 3, 3), padding=1, groups=2) == "im2col"
    assert route_name((8, 64, 56, 56), (8, 64, 3, 3), padding=1) == "im2col"  # O < 16
    assert route_name((32, 16, 32, 32), (32, 16, 1, 1), stride=2) == "pointwise"
    assert route_name((32, 16, 32, 32), (32, 16, 1, 1), padding=1) != "pointwise"
    assert [r.__name__.rsplit(".", 1)[-1] for r in ROUTES] == ["pointwise", "direct", "blocked", "im2col"]


def test_a_forced_route_that_does_not_apply_is_refused():
    x, w = tensors(np.ones((1, 8, 9, 9)))[0], tensors(np.ones((8, 8, 5, 5)))[0]
    with use_route("direct"), pytest.raises(ValueError, match="'direct'.*does not apply"):
        conv2d(x, w, stride=2)
    with pytest.raises(ValueError, match="unknown conv route 'fast'"):
        with use_route("fast"):
            pass
