"""Pictures fit the page: direction from the shape and overridable, inline SVG scaled to
the cell, tooltips with statistics, small tensors in full, legend, collapse by depth,
and labels at least 8 px high once a picture is scaled to 900 px."""
import html
import re

import graphviz
import numpy as np
import pytest

from tinygrad_cnn import Tensor
from tinygrad_cnn.viz import draw_backward, draw_circuit, draw_graph, examples, style
from tinygrad_cnn.viz.picture import PAGE_PX, PX_PER_PT, Picture


def _small():
    w = Tensor(np.array([1.0, -2.0, 0.5], dtype=np.float32), requires_grad=True)
    x = Tensor(np.array([2.0, -1.0, 0.0], dtype=np.float32))
    loss = (w * x).sum()
    loss.backward()
    return loss, w


def test_is_a_digraph_and_renders(tmp_path):
    loss, w = _small()
    g = draw_graph(loss, params={"w": w})
    assert isinstance(g, graphviz.Digraph)
    assert g.pipe(format="svg").startswith(b"<?xml")


@pytest.mark.parametrize("draw", [draw_graph, draw_backward])
def test_rankdir_through_graph_attr_works(draw):
    loss, w = _small()
    g = draw(loss, params={"w": w})
    g.graph_attr["rankdir"] = "LR"
    assert "rankdir=LR" in g.source.split("\n")[1] and "rankdir" not in "".join(g.body)
    assert g.copy_with(rankdir="TB").size_pt() != g.size_pt()


def test_direction_argument_and_backward_flip():
    loss, w = _small()
    assert draw_graph(loss, direction="LR").graph_attr["rankdir"] == "LR"
    assert draw_graph(loss, rankdir="TB").graph_attr["rankdir"] == "TB"
    assert draw_backward(loss, direction="TB").graph_attr["rankdir"] == "BT"
    assert draw_backward(loss, rankdir="LR").graph_attr["rankdir"] == "LR"
    with pytest.raises(ValueError, match="direction must be one of"):
        draw_graph(loss, direction="diagonal")


def test_auto_direction_long_graphs_run_top_to_bottom_short_ones_left_to_right():
    x = Tensor(np.ones(3, dtype=np.float32), requires_grad=True)
    h = x
    for _ in range(12):
        h = (h * 1.5).relu()
    assert draw_graph(h.sum()).graph_attr["rankdir"] == "TB"
    assert draw_graph(x.sum(), legend=False, show_values=False).graph_attr["rankdir"] == "LR"


def test_jupyter_html_is_inline_svg_capped_at_cell_width():
    loss, w = _small()
    bundle = draw_graph(loss, params={"w": w})._repr_mimebundle_()
    html = bundle["text/html"]
    assert html.count("<svg") == 1 and "max-width:100%" in html and "<?xml" not in html
    assert bundle["image/svg+xml"].startswith("<?xml")


def test_small_tensors_in_full_and_tooltips_with_stats():
    loss, w = _small()
    g = draw_graph(loss, params={"w": w})
    src = g.source
    assert "∇ [2, -1, 0]" in src and "[1, -2, 0.5]" in src  # values and gradient in full
    svg = g.svg()
    titles = [html.unescape(t) for t in re.findall(r"<title>([^<]*)</title>", svg)]
    w_title = next(t for t in titles if t.startswith("w: shape 3"))
    assert "norm" in w_title and "values [1, -2, 0.5]" in w_title
    assert not any(re.fullmatch(r"(t|op)\d+", t) for t in titles)  # no internal ids


def test_big_tensors_summarised():
    w = Tensor(np.arange(12, dtype=np.float32), requires_grad=True)
    loss = (w * 2.0).sum()
    loss.backward()
    src = draw_graph(loss, params={"w": w}).source
    assert f"∇ {style.fmt_summary(w.grad._data)}" in src and "min · mean · max" in src


def test_legend_on_by_default_and_optional():
    loss, w = _small()
    assert "forward value" in draw_graph(loss).graph_attr["label"]
    assert "label" not in draw_graph(loss, legend=False).graph_attr


def test_too_big_graph_says_so_and_collapse_depth_fixes_it():
    big = examples.deep_resnet(blocks=12)
    assert getattr(big, "too_big", False) and "collapse_depth=1" in big.graph_attr["label"]
    small = examples.deep_resnet(blocks=12, collapse_depth=2)
    assert not getattr(small, "too_big", False)
    nodes = set(re.findall(r"\b(mod_blocks_\d+)\b", small.source))
    assert len(nodes) == 12


def _label_px_at_page(picture: Picture) -> float:
    """Smallest node-label font in the SVG, in px, once the picture is scaled to 900 px."""
    svg = picture.svg()
    width_pt = float(re.search(r'<svg width="([\d.]+)pt"', svg).group(1))
    scale = min(1.0, PAGE_PX / (width_pt * PX_PER_PT))
    nodes = re.findall(r'<g id="node\d+" class="node">(.*?)</g>\n</g>|'
                       r'<g id="node\d+" class="node">(.*?)</g>', svg, re.S)
    sizes = [float(s) for body in nodes for part in body
             for s in re.findall(r'font-size="([\d.]+)"', part)]
    return min(sizes) * PX_PER_PT * scale


@pytest.mark.parametrize("make", [
    examples.blog_circuit, examples.lenet_forward,
    lambda: examples.lenet_forward(collapse_modules=True), examples.lenet_backward,
    examples.resnet_block, lambda: examples.deep_resnet(collapse_depth=2)],
    ids=["blog", "lenet-forward", "lenet-collapsed", "lenet-backward", "resnet-block",
         "deep-collapsed"])
def test_node_labels_at_least_8px_at_900px(make):
    assert _label_px_at_page(make()) >= 8.0
