"""Backward graph: the engine's visiting order, edges from the loss to the leaves."""
import numpy as np

from tinygrad_cnn import Tensor
from tinygrad_cnn.autograd.engine import topological_order
from tinygrad_cnn.viz import draw_backward, retain_all_grads
from tinygrad_cnn.viz import style


def _graph():
    w = Tensor(np.array([[1.0, -2.0]], dtype=np.float32), requires_grad=True)
    x = Tensor(np.array([[3.0], [4.0]], dtype=np.float32))
    h = w @ x
    loss = (h * h).sum()  # h used twice
    return loss, w, h


def test_nodes_numbered_in_engine_order_and_edges_point_to_leaves():
    loss, w, h = _graph()
    g = draw_backward(loss, params={"w": w})
    names = [t._ctx.name if t._ctx else "AccumulateGrad" for t in topological_order(loss)]
    for n, name in enumerate(names, start=1):
        assert f"{n}. {name}" in g.source
    edges = [line.strip() for line in g.body if "->" in line]
    # seed->sum, sum->mul, mul->matmul twice (h used twice), matmul->w; x needs no grad
    assert [e.split(" [")[0] for e in edges] == ["seed -> b1", "b1 -> b2", "b2 -> b3",
                                                 "b2 -> b3", "b3 -> b4"]
    assert g.graph_attr['rankdir'] in ('RL', 'BT')


def test_gradient_summaries_on_edges_and_shared_sums_on_nodes():
    loss, w, h = _graph()
    retain_all_grads(loss)
    loss.backward()
    src = draw_backward(loss, params={"w": w}).source
    assert f"∇ {style.fmt_values(w.grad._data)}" in src      # single use: on the edge, in full
    assert f"∇ {style.fmt_values(h.grad._data)}  (sum of 2)" in src  # used twice: on the node


def test_renders_with_dot(tmp_path):
    loss, w, _ = _graph()
    out = draw_backward(loss).render(outfile=str(tmp_path / "b.svg"), format="svg",
                                     cleanup=True)
    assert "AccumulateGrad" in open(out).read()
