"""Per-layer gradient norms over training: the monitor records the engine's δ (checked
against torch), leaves no hooks behind, and the vanishing-gradient runs show what the
blog's figure shows."""
import numpy as np
import pytest
import torch

import tinygrad_cnn as tg
from tinygrad_cnn import Tensor, nn
from tinygrad_cnn.nn import functional as F
from tinygrad_cnn.viz.gradient_norms import GradientNormMonitor, plot_gradient_norms
from tinygrad_cnn.viz.vanishing import dense_net, spread, vanishing_gradient_runs


def test_monitor_records_each_examples_delta_norm_as_torch_computes_it():
    tg.manual_seed(0)
    net = nn.Sequential(nn.Linear(5, 4), nn.Sigmoid(), nn.Linear(4, 3))
    x = np.random.default_rng(0).normal(size=(6, 5)).astype(np.float32)
    y = np.array([0, 1, 2, 0, 1, 2])
    with GradientNormMonitor(net) as monitor:
        F.cross_entropy(net(Tensor(x)), Tensor(y)).backward()
    w1, b1 = (torch.tensor(p._data, requires_grad=True) for p in net[0].parameters())
    w2, b2 = (torch.tensor(p._data, requires_grad=True) for p in net[2].parameters())
    z1 = torch.tensor(x) @ w1.T + b1
    z2 = z1.sigmoid() @ w2.T + b2
    z1.retain_grad(), z2.retain_grad()
    torch.nn.functional.cross_entropy(z2, torch.tensor(y)).backward()
    for name, z in (("0", z1), ("2", z2)):
        expected = (z.grad.norm(dim=1) * 6).mean().item()
        assert monitor.records[name] == [pytest.approx(expected, rel=1e-5)]
    assert all(not m._forward_hooks for m in net.modules())


def test_monitor_names_unknown_layers():
    with pytest.raises(KeyError, match="no module named \\['conv9'\\]"):
        GradientNormMonitor(nn.Sequential(nn.Linear(2, 2)), ["conv9"])


def test_skip_variant_adds_the_layer_input():
    net = dense_net("sigmoid + skip", sizes=(4, 3, 3, 2))
    x = Tensor(np.ones((1, 4), np.float32))
    h1 = net.hidden1(x).sigmoid()
    expected = net.out(h1 + net.hidden2(h1).sigmoid())
    np.testing.assert_allclose(net(x)._data, expected._data, rtol=1e-6)


def test_plot_has_one_panel_per_run_on_shared_log_axes():
    runs = {"a": {"h1": np.array([1e-4, 2e-4]), "h2": np.array([1e-1, 1e-1])},
            "b": {"h1": np.array([0.1, 0.2]), "h2": np.array([0.2, 0.1])}}
    fig = plot_gradient_norms(runs, points_per_epoch=2)
    assert [ax.get_title() for ax in fig.axes] == ["a", "b"]
    assert fig.axes[0].get_ylim() == fig.axes[1].get_ylim()
    assert all(ax.get_yscale() == "log" for ax in fig.axes)
    assert list(fig.axes[0].lines[0].get_xdata()) == [0.5, 1.0]


@pytest.mark.slow
def test_sigmoid_delta_vanishes_relu_and_skip_keep_it():
    runs = vanishing_gradient_runs(epochs=1, train_size=2000, points_per_epoch=2)
    assert spread(runs["sigmoid"]) > 30          # orders of magnitude apart
    assert spread(runs["relu"]) < 5 and spread(runs["sigmoid + skip"]) < 5
    first = runs["sigmoid"]["hidden 1"]
    assert np.all(first < runs["sigmoid"]["hidden 4"] / 30)
