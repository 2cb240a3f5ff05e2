"""The visual gradcheck: a wrong custom Function lights up red and only it; correct ops
(including every op of LeNet and a ResNet block) are green; the numbers are in the tooltip."""
import math
import re

import numpy as np
import pytest

import tinygrad_cnn as tg
from tinygrad_cnn.nn import functional as F
from tinygrad_cnn.viz import draw_gradcheck
from tinygrad_cnn.viz.examples import BadSquare, lenet_loss, resnet_loss
from tinygrad_cnn.viz.gradcheck_view import GRADES, check_ops


class GoodSquare(BadSquare):
    def backward(self, grad):
        (a,) = self.saved_tensors
        return 2 * grad * a


def _graph(square):
    tg.manual_seed(0)
    x = tg.randn(2, 3, requires_grad=True)
    w = tg.randn(3, 2, requires_grad=True)
    h = square.apply((x @ w).tanh()) + x.sum(1, keepdim=True).sigmoid()
    return F.cross_entropy(h, tg.tensor([0, 1])), x, w


def test_the_wrong_function_and_only_it_is_red():
    loss, x, w = _graph(BadSquare)
    results = check_ops(loss)
    bad = [r for r in results if r.name == "BadSquare"]
    assert len(bad) == 1 and bad[0].error == pytest.approx(0.5, abs=1e-3)
    assert all(r.error < 1e-7 for r in results if r.name != "BadSquare")
    g = draw_gradcheck(loss, {"x": x, "w": w})
    red = [line for line in g.body if f'fillcolor="{GRADES[-1][1]}"' in line]
    assert len(red) == 1 and "bad_square" in red[0]
    # the numbers compared are in the tooltip: numerical = 2 × analytic
    tip = re.search(r'tooltip="([^"]*)"', red[0]).group(1)
    analytic, numerical = (np.array([float(v) for v in re.search(
        rf"{word}\s+\[([^\]…]*)", tip).group(1).rstrip(", ").split(", ")])
        for word in ("analytic", "numerical"))
    np.testing.assert_allclose(numerical, 2 * analytic, rtol=2e-2)


def test_the_corrected_function_is_green():
    loss, x, w = _graph(GoodSquare)
    assert all(r.error < 1e-7 for r in check_ops(loss))
    assert f'fillcolor="{GRADES[-1][1]}"' not in draw_gradcheck(loss).source


@pytest.mark.parametrize("make", [lenet_loss, resnet_loss], ids=["lenet", "resnet"])
def test_every_op_of_real_networks_agrees(make):
    loss, _ = make(batch=2) if make is lenet_loss else make(batch=2, image_size=8)
    results = check_ops(loss, samples=4)
    checked = [r for r in results if math.isfinite(r.error)]
    assert {r.name for r in checked} >= {"Conv2d", "ReLU", "Linear", "LogSoftmax", "NLLLoss"}
    assert all(r.error < 1e-6 for r in checked), [(r.name, r.error) for r in checked]
    skipped = [r for r in results if not math.isfinite(r.error)]
    assert [r.name for r in skipped] == (["Dropout"] if make is lenet_loss else [])
    assert "random" in skipped[0].note if skipped else True
