"""Gradient flow and step-by-step backprop: the order is the engine's, the numbers are the
engine's, nothing is left on the user's graph, the colours follow log10 of the norms."""
import re

import numpy as np
import pytest
import torch

import tinygrad_cnn as tg
from tinygrad_cnn import Tensor, nn
from tinygrad_cnn.autograd.engine import topological_order
from tinygrad_cnn.nn import functional as F
from tinygrad_cnn.viz import backprop_frames, draw_gradient_flow, record_backward
from tinygrad_cnn.viz.examples import blog_tensors
from tinygrad_cnn.viz.gradient_flow import LogScale, ramp_colour


def _diamond():
    x = Tensor(np.array([[0.5, -1.0, 2.0]]), requires_grad=True)
    w = Tensor(np.array([[1.0], [2.0], [-0.5]]), requires_grad=True)
    h = x.sigmoid()
    return (h @ w).tanh().sum() + (h * 3.0).sum(), x, w, h


def test_recorded_order_is_the_engines_and_gradients_match_torch():
    loss, x, w, h = _diamond()
    order = [t for t in topological_order(loss)]
    steps = record_backward(loss)
    assert [s.tensor for s in steps] == order  # every tensor is reached here
    xt = torch.tensor(x._data, requires_grad=True)
    wt = torch.tensor(w._data, requires_grad=True)
    ht = xt.sigmoid()
    ht.retain_grad()
    ((ht @ wt).tanh().sum() + (ht * 3.0).sum()).backward()
    grad_h = next(s.grad for s in steps if s.tensor is h)
    np.testing.assert_allclose(grad_h, ht.grad.numpy(), rtol=1e-6)
    np.testing.assert_allclose(x.grad._data, xt.grad.numpy(), rtol=1e-6)


def test_recording_leaves_no_hooks_retain_grad_or_intermediate_grads():
    loss, x, w, h = _diamond()
    before = [(t._hooks.copy(), t._retains_grad) for t in topological_order(loss)]
    record_backward(loss)
    after = [(t._hooks, t._retains_grad) for t in topological_order(loss)]
    assert after == before
    assert h.grad is None and x.grad is not None


def test_user_hooks_still_run_and_the_recorder_sees_their_result():
    x = Tensor([1.0, 2.0], requires_grad=True)
    y = x * 2.0
    y.register_hook(lambda g: g * 10)
    steps = record_backward(y.sum())
    assert next(s.grad for s in steps if s.tensor is y).tolist() == [10.0, 10.0]
    assert x.grad.tolist() == [20.0, 20.0]


def test_gradient_flow_colours_and_widths_follow_log_norms():
    tg.manual_seed(0)
    net = nn.Sequential(*[m for _ in range(4) for m in (nn.Linear(6, 6), nn.Sigmoid())])
    loss = net(tg.randn(3, 6)).sum()
    steps = record_backward(loss, retain_graph=True)
    norms = {id(s.tensor): s.norm for s in steps}
    g = draw_gradient_flow(loss, dict(net.named_parameters()), steps=steps)
    scale = LogScale.over(norms.values())
    edges = re.findall(r'(b\d+) -> (b\d+) \[.*?‖∇‖ ([^<]+)</font>.*?color="(#[0-9A-F]{6})" '
                       r'penwidth=([\d.]+)', g.source)
    order = topological_order(loss)
    assert len(edges) == sum(1 for t in order if t._ctx is not None
                             for p in t._ctx.parents if p.requires_grad)
    for _, dst, text, colour, width in edges:
        norm = norms[id(order[int(dst[1:]) - 1])]
        assert colour == scale.colour(norm)
        assert float(width) == pytest.approx(scale.width(norm), abs=0.01)
        assert text == tg.viz.style.fmt_number(norm)
    widths = [float(w) for *_, w in edges]
    assert max(widths) > 3 * min(widths)  # the sigmoid chain shrinks the gradient
    assert "10^" in g.graph_attr["label"]  # the colour bar


def test_ramp_and_scale_ends():
    s = LogScale.over([1e-7, 0.5])
    assert (s.low, s.high) == (-7, 0)
    assert s.colour(1e-7) == ramp_colour(0.0) and s.colour(1.0) == ramp_colour(1.0)
    assert s.colour(0.0) == "#BBBBBB"


def test_frames_follow_the_engines_order_and_show_only_known_gradients():
    loss, x, w, h = _diamond()
    frames = backprop_frames(loss)
    order = topological_order(loss)
    assert frames.names == [("AccumulateGrad" if t._ctx is None else t._ctx.name + "Backward")
                            for t in order]
    assert len(frames) == len(order)
    for k, picture in enumerate(frames.pictures):
        src = picture.source
        current = [line.split()[0] for line in picture.body
                   if re.match(r"\tb\d+ \[", line) and 'color="#E67E22"' in line]
        assert current == [f"b{k + 1}"]
        # the gradient text of a tensor not yet reached is hidden (drawn in its fill colour)
        for n in range(1, len(order) + 1):
            node = re.search(rf'\tb{n} \[label=<(.*?)> ', src).group(1)
            shown = '#C0392B' in node
            if "∇" in node:
                assert shown == (n <= k + 1), (k, n, node)


def test_circuit_frames_light_up_the_op_being_processed():
    loss, names = blog_tensors()
    frames = backprop_frames(loss, view="circuit", names=names)
    assert frames.names[:7] == ["MulBackward", "SumBackward", "PowBackward", "SubBackward",
                                "MaxPool2dBackward", "ReLUBackward", "Conv2dBackward"]
    conv = frames[6].source
    assert conv.count('color="#E67E22"') == 4 * 5  # 4 positions: 4 products and a sum each
    assert [line for line in frames[5].body if "label=relu" in line and "#E67E22" in line]
    assert names["w"].grad is not None
    # the intermediate tensors lent their recorded gradients back
    assert all(t.grad is None for t in topological_order(loss) if t._ctx is not None)
    # frame 0 (the loss's 0.5 * ...): red numbers only on the wire into the loss and on
    # the wire into the 0.5* node, which this step has just computed
    red = [line.split(" [")[0].strip() for line in frames[0].body
           if " -> " in line and '<font color="#C0392B">' in line]
    nodes = {line.split()[0]: line for line in frames[0].body
             if " -> " not in line and "[label=" in line}
    assert len(red) == 2
    into = sorted(nodes[edge.split(" -> ")[1]] for edge in red)
    assert "0.5*" in into[0] and "loss" in into[1]


def test_gif_and_svgs(tmp_path):
    from PIL import Image

    w = Tensor([2.0, -1.0], requires_grad=True)
    frames = backprop_frames((w * w).relu().sum())
    gif = frames.write_gif(tmp_path / "b.gif", width=300)
    image = Image.open(gif)
    assert image.n_frames == len(frames) == 4 and image.width <= 300
    paths = frames.write_svgs(tmp_path / "svgs")
    assert [p.read_text().count("<svg") for p in paths] == [1] * 4


def test_strip_without_ipywidgets_and_slider_with_a_stand_in():
    w = Tensor([2.0], requires_grad=True)
    frames = backprop_frames((w * w).sum())
    assert frames._repr_html_().count("<svg") == 3

    class FakeWidgets:
        class HTML:
            def __init__(self, value):
                self.value = value

        class IntSlider:
            def __init__(self, **kw):
                self.kw, self.observers = kw, []

            def observe(self, fn, names):
                self.observers.append(fn)

        @staticmethod
        def VBox(children):
            return children

    slider, view = frames.slider(FakeWidgets)
    assert slider.kw["max"] == 3 and "step 1 of 3" in view.value
    slider.observers[0]({"new": 3})
    assert "step 3 of 3" in view.value


def test_bad_view_is_named():
    w = Tensor([2.0], requires_grad=True)
    with pytest.raises(ValueError, match="view must be one of"):
        backprop_frames((w * w).sum(), view="movie")


def test_gradient_flow_names_leaves_and_sums_over_uses():
    x = Tensor(np.array([[0.5, -1.0]]), requires_grad=True)
    w = Tensor(np.array([[1.0], [2.0]]), requires_grad=True)
    loss = ((x @ w).sigmoid().sum() + (x * 2.0).sum())
    g = draw_gradient_flow(loss, {"x": x, "w": w})
    x_node = next(line for line in g.body if "AccumulateGrad" in line and "<br/>x<br/>" in line)
    assert "(sum of 2)" in x_node  # x feeds two ops: its node shows the total
    assert any("<br/>w<br/>" in line for line in g.body)
