"""Forward graph: structure, labels and colours on small known graphs; LeNet renders fast."""
import re
import time

import numpy as np

from tinygrad_cnn import Tensor
from tinygrad_cnn.viz import draw_graph
from tinygrad_cnn.viz import style
from tinygrad_cnn.viz.examples import lenet_loss


def _mlp():
    x = Tensor(np.ones((2, 3), dtype=np.float32))
    w = Tensor(np.full((4, 3), 0.5, dtype=np.float32), requires_grad=True)
    b = Tensor(np.zeros(4, dtype=np.float32), requires_grad=True)
    loss = ((x @ w.T + b).relu() ** 2).mean()
    return loss, {"fc.weight": w, "fc.bias": b}


def _nodes(g):
    return [line for line in g.body if re.match(r"\s+(t|op|mod_)\w* \[", line)]


def _edges(g):
    return [line for line in g.body if "->" in line]


def test_counts_of_ops_tensors_and_edges():
    loss, params = _mlp()
    g = draw_graph(loss, params=params)
    # tensors: x, w, b, w.T, x@w.T, +b, relu, **2, mean = 9; ops: permute, matmul, add, relu,
    # pow, mean = 6 (the constant 2 is folded into pow)
    assert len(_nodes(g)) == 15
    # each op: one edge per non-constant input and one to its output
    assert len(_edges(g)) == (1 + 1) + (2 + 1) + (2 + 1) + (1 + 1) + (1 + 1) + (1 + 1)


def test_labels_name_params_and_fold_constants():
    loss, params = _mlp()
    src = draw_graph(loss, params=params).source
    for text in ("fc.weight", "fc.bias", "matmul", "relu", "pow", "const 2", "4×3  float32",
                 "output"):
        assert text in src
    assert 'label="2"' not in src  # no separate node for the constant


def test_colours_follow_categories():
    loss, params = _mlp()
    src = draw_graph(loss, params=params).source
    relu_line = next(l for l in src.splitlines() if "<b>relu</b>" in l)
    assert style.CATEGORY_FILL["activation"] in relu_line
    weight_line = next(l for l in src.splitlines() if "<b>fc.weight</b>" in l)
    assert style.PARAM_FILL in weight_line


def test_grad_summaries_appear_after_backward_only():
    loss, params = _mlp()
    assert style.GRAD_COLOUR not in draw_graph(loss, params=params).source
    loss.backward()
    g = params["fc.weight"].grad._data
    src = draw_graph(loss, params=params).source
    assert f"∇ {style.fmt_summary(g)}" in src


def test_values_summary_option():
    loss, params = _mlp()
    src = draw_graph(loss, show_values=True).source
    assert style.fmt_summary(loss._data) in src
    assert "0.5 · 0.5 · 0.5" not in draw_graph(loss).source
    assert "0.5" in src  # the weight's min · mean · max collapses to one visible value


def test_module_cluster_and_collapse():
    loss, params = _mlp()
    clustered = draw_graph(loss, params=params).source
    assert "subgraph cluster_fc" in clustered
    collapsed = draw_graph(loss, params=params, collapse_modules=True)
    text = collapsed.source
    assert "permute → matmul → add" in text
    assert "fc.weight" not in text and "weight 4×3" in text
    # relu stays outside the module: mod_fc -> relu edge labelled with the shape
    assert any("mod_fc ->" in e and "2×4" in e for e in _edges(collapsed))


def test_hiding_tensors_puts_shapes_on_edges():
    loss, params = _mlp()
    g = draw_graph(loss, params=params, show_tensors=False)
    assert len(_nodes(g)) == 15 - 5  # w.T, x@w.T, +b, relu and pow outputs hidden, but not loss
    assert any("2×4" in e for e in _edges(g))


def test_lenet_forward_renders_to_svg_quickly(tmp_path):
    loss, params = lenet_loss(batch=2)
    start = time.perf_counter()
    g = draw_graph(loss, params=params)
    out = g.render(outfile=str(tmp_path / "lenet.svg"), format="svg", cleanup=True)
    assert time.perf_counter() - start < 5
    svg = open(out).read()
    assert svg.startswith("<?xml") and "features.0.weight" in svg and "conv2d" in svg
