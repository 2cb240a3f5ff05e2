"""nn.init: fans and gains equal torch's; sample statistics and bounds follow the formulas."""
import math

import numpy as np
import pytest
import torch

import tinygrad_cnn as tg
from tinygrad_cnn import nn
from tinygrad_cnn.nn import init

SHAPES = [(10, 20), (16, 8, 3, 3), (4, 1, 5, 2), (3, 7, 2)]


@pytest.mark.parametrize("shape", SHAPES)
def test_fans_equal_torch(shape):
    ours = init._calculate_fan_in_and_fan_out(tg.zeros(shape))
    assert ours == torch.nn.init._calculate_fan_in_and_fan_out(torch.zeros(shape))


@pytest.mark.parametrize("nonlinearity,param", [
    ("linear", None), ("conv2d", None), ("sigmoid", None), ("tanh", None), ("relu", None),
    ("leaky_relu", None), ("leaky_relu", 0.2), ("leaky_relu", math.sqrt(5)), ("selu", None)])
def test_gain_equals_torch(nonlinearity, param):
    assert init.calculate_gain(nonlinearity, param) == pytest.approx(
        torch.nn.init.calculate_gain(nonlinearity, param), rel=1e-12)


def test_errors():
    with pytest.raises(ValueError, match="Unsupported nonlinearity softsign"):
        init.calculate_gain("softsign")
    with pytest.raises(ValueError, match="fewer than 2 dimensions"):
        init.xavier_uniform_(tg.zeros(5))
    with pytest.raises(ValueError, match="Mode fan_avg not supported"):
        init.kaiming_normal_(tg.zeros(3, 3), mode="fan_avg")


BIG = (256, 128, 3, 3)  # ~300k samples: sample std within ~0.2% of the true one
FAN_IN, FAN_OUT = 128 * 9, 256 * 9


def _uniform_checks(t, bound):
    data = t._data.astype(np.float64)
    assert np.abs(data).max() <= bound * (1 + 1e-6)
    assert np.abs(data).max() > 0.999 * bound  # the whole range is used
    assert abs(data.mean()) < 0.01 * bound
    assert data.std() == pytest.approx(bound / math.sqrt(3), rel=0.01)


def _normal_checks(t, std):
    data = t._data.astype(np.float64)
    assert abs(data.mean()) < 0.01 * std
    assert data.std() == pytest.approx(std, rel=0.01)


@pytest.mark.parametrize("mode,fan", [("fan_in", FAN_IN), ("fan_out", FAN_OUT)])
def test_kaiming(mode, fan):
    gain = math.sqrt(2.0)
    _uniform_checks(init.kaiming_uniform_(tg.zeros(BIG), mode=mode, nonlinearity="relu"),
                    gain * math.sqrt(3.0 / fan))
    _normal_checks(init.kaiming_normal_(tg.zeros(BIG), mode=mode, nonlinearity="relu"),
                   gain / math.sqrt(fan))
    slope_gain = math.sqrt(2.0 / (1 + 0.3 ** 2))  # leaky_relu is the default nonlinearity
    _normal_checks(init.kaiming_normal_(tg.zeros(BIG), a=0.3, mode=mode),
                   slope_gain / math.sqrt(fan))


def test_xavier():
    std = 1.5 * math.sqrt(2.0 / (FAN_IN + FAN_OUT))
    _uniform_checks(init.xavier_uniform_(tg.zeros(BIG), gain=1.5), std * math.sqrt(3.0))
    _normal_checks(init.xavier_normal_(tg.zeros(BIG), gain=1.5), std)


def test_normal_uniform_constant():
    _normal_checks(init.normal_(tg.zeros(300_000)), 1.0)  # zero-mean unit gaussian default
    data = init.normal_(tg.zeros(300_000), mean=3.0, std=0.5)._data.astype(np.float64)
    assert data.mean() == pytest.approx(3.0, abs=0.005)
    assert data.std() == pytest.approx(0.5, rel=0.01)
    data = init.uniform_(tg.zeros(300_000), -2.0, 4.0)._data
    assert data.min() >= -2.0 and data.max() < 4.0
    assert data.mean() == pytest.approx(1.0, abs=0.02)
    assert init.constant_(tg.zeros(3), 0.25).tolist() == [0.25] * 3
    assert init.ones_(tg.zeros(2)).tolist() == [1.0, 1.0]
    assert init.zeros_(tg.ones(2)).tolist() == [0.0, 0.0]


def test_in_place_keeps_tensor_dtype_and_autograd_state():
    for dtype in (np.float32, np.float64):
        t = tg.zeros(8, 4, dtype=dtype, requires_grad=True)
        data = t._data
        assert init.kaiming_uniform_(t) is t
        assert t._data is data and t.dtype == dtype and t.requires_grad and t.is_leaf


def test_reproducible_with_manual_seed_and_explicit_generator():
    tg.manual_seed(7)
    a = init.xavier_normal_(tg.zeros(5, 5))._data.copy()
    tg.manual_seed(7)
    np.testing.assert_array_equal(a, init.xavier_normal_(tg.zeros(5, 5))._data)
    b = init.uniform_(tg.zeros(6), generator=np.random.default_rng(1))._data
    c = init.uniform_(tg.zeros(6), generator=np.random.default_rng(1))._data
    np.testing.assert_array_equal(b, c)


@pytest.mark.parametrize("build", [lambda: nn.Linear(300, 200), lambda: nn.Conv2d(32, 64, 5)])
def test_layer_default_init_is_torchs(build):
    """kaiming_uniform_(a=sqrt(5)) for the weight and U(+-1/sqrt(fan_in)) for the bias both
    give the bound 1/sqrt(fan_in)."""
    layer = build()
    fan_in, _ = init._calculate_fan_in_and_fan_out(layer.weight)
    bound = 1 / math.sqrt(fan_in)
    _uniform_checks(layer.weight, bound)
    assert np.abs(layer.bias._data).max() <= bound
    assert layer.bias._data.std() == pytest.approx(bound / math.sqrt(3), rel=0.2)


def test_layer_init_is_reproducible():
    tg.manual_seed(11)
    a = nn.Conv2d(3, 4, 3).state_dict()
    tg.manual_seed(11)
    b = nn.Conv2d(3, 4, 3).state_dict()
    assert all(np.array_equal(a[k], b[k]) for k in a)
