"""Circuit: the black and red numbers are the engine's values and .grads; size limit."""
import re

import numpy as np
import pytest

from tinygrad_cnn import Tensor
from tinygrad_cnn.nn import functional as F
from tinygrad_cnn.viz import build_circuit, draw_circuit, retain_all_grads
from tinygrad_cnn.viz import style
from tinygrad_cnn.viz.examples import blog_circuit, blog_tensors
from tinygrad_cnn.viz.circuit import element_name
from tinygrad_cnn.viz.walk import graph_tensors


def _made_by(loss, op_name):
    """The tensor of the graph that op `op_name` produced."""
    return next(t for t in graph_tensors(loss) if t._ctx is not None and t._ctx.name == op_name)


def _wires_from(circuit, label):
    keys = {k for k, n in circuit.nodes.items() if n.label == label}
    return [w for w in circuit.wires if w.src in keys]


def test_blog_circuit_structure():
    loss, names = blog_tensors()
    c = build_circuit(loss, names)
    labels = [n.label for n in c.nodes.values()]
    # 2x2 filter at 4 positions of a 3x3 image: 16 products, 4 sums, 4 relus, 1 max
    assert labels.count("*") == 16 and labels.count("+") == 4
    assert labels.count("relu") == 4 and labels.count("max") == 1
    assert labels.count("−") == 1 and labels.count("^2") == 1 and labels.count("loss") == 1
    assert {"x11", "x33", "w11", "w22", "b", "y"} <= set(labels)


def test_tensor_wires_carry_engine_data_and_grad():
    loss, names = blog_tensors()
    c = build_circuit(loss, names, copy_inputs=False)
    x, w, b = names["x"], names["w"], names["b"]
    conv, relu = _made_by(loss, "Conv2d"), _made_by(loss, "ReLU")
    sums = _wires_from(c, "+")
    assert sorted(w_.value for w_ in sums) == sorted(conv._data.ravel().tolist())
    assert sorted(w_.grad for w_ in sums) == sorted(conv.grad._data.ravel().tolist())
    relus = _wires_from(c, "relu")
    assert sorted(w_.grad for w_ in relus) == sorted(relu.grad._data.ravel().tolist())
    # the weight feeds 4 products: its wires' shares add up to the engine's w.grad
    w11 = _wires_from(c, "w11")
    assert len(w11) == 4 and all(wr.value == w._data.flat[0] for wr in w11)
    assert sum(wr.grad for wr in w11) == pytest.approx(float(w.grad._data.flat[0]), rel=1e-5)
    bias = _wires_from(c, "b")
    assert sum(wr.grad for wr in bias) == pytest.approx(float(b.grad._data[0]), rel=1e-5)
    node = next(n for n in c.nodes.values() if n.label == "x11")
    assert node.grad == float(x.grad._data.flat[0])


def test_products_inside_conv_use_engine_factors():
    loss, names = blog_tensors()
    c = build_circuit(loss, names, copy_inputs=False)
    x, w = names["x"]._data.ravel(), names["w"]._data.ravel()
    conv = _made_by(loss, "Conv2d")
    first_product = _wires_from(c, "*")[0]          # w11 * x11 of the top-left position
    assert first_product.value == pytest.approx(float(w[0] * x[0]))
    assert first_product.grad == float(conv.grad._data.flat[0])
    into = [wr for wr in c.wires if wr.dst == first_product.src]
    grads = {c.nodes[wr.src].label: wr.grad for wr in into}
    g = float(conv.grad._data.flat[0])
    assert grads == {"x11": pytest.approx(g * float(w[0])), "w11": pytest.approx(g * float(x[0]))}


def test_rendered_numbers_are_black_and_red():
    loss, names = blog_tensors()
    src = draw_circuit(loss, names=names).source
    value = style.fmt_number(loss.item())
    assert f'<font color="{style.VALUE_COLOUR}">{value}</font>' in src
    assert f'<font color="{style.GRAD_COLOUR}">1</font>' in src  # d loss / d loss
    assert src.count('color="#C0392B">') > 30


def test_blog_circuit_renders_with_dot(tmp_path):
    out = blog_circuit().render(outfile=str(tmp_path / "blog.svg"), format="svg", cleanup=True)
    svg = open(out).read()
    assert "<svg" in svg and "x11" in svg and "relu" in svg


def test_runs_backward_itself_on_a_fresh_graph():
    a = Tensor([1.5, -2.0], requires_grad=True)
    loss = (a * a).sum()
    c = build_circuit(loss, {"a": a})
    assert a.grad is not None and a.grad.tolist() == [3.0, -4.0]
    squares = _wires_from(c, "*")
    assert [w.value for w in squares] == [2.25, 4.0] and [w.grad for w in squares] == [1.0, 1.0]


def test_uses_grads_already_computed_with_retain_all_grads():
    a = Tensor([2.0, 3.0], requires_grad=True)
    loss = (a * 3.0).sum()
    retain_all_grads(loss)
    loss.backward()
    c = build_circuit(loss, {"a": a})
    assert [n.label for n in c.nodes.values() if n.kind == "op"] == ["*3", "*3", "+"]
    assert a.grad.tolist() == [3.0, 3.0]  # not run twice


def test_refuses_when_backward_ran_without_retained_grads():
    a = Tensor([2.0, 3.0], requires_grad=True)
    loss = (a * 3.0).sum()
    loss.backward()
    with pytest.raises(ValueError, match="retain_all_grads"):
        build_circuit(loss)


def test_size_limit_refuses_with_clear_message():
    x = Tensor(np.ones((1, 1, 28, 28), dtype=np.float32))
    w = Tensor(np.ones((4, 1, 5, 5), dtype=np.float32), requires_grad=True)
    loss = F.conv2d(x, w).relu().sum()
    with pytest.raises(ValueError, match=r"at least \d+ scalar nodes, more than max_nodes=500"):
        draw_circuit(loss)
    assert w.grad is None  # refused before running backward


def test_size_limit_counts_nodes_as_it_expands():
    a = Tensor(np.ones(300, dtype=np.float32), requires_grad=True)
    with pytest.raises(ValueError, match="more than max_nodes=100"):
        draw_circuit(a.sum(), max_nodes=100)


def test_unsupported_op_is_named():
    a = Tensor([[1.0, 2.0]], requires_grad=True)
    with pytest.raises(NotImplementedError, match="cannot expand the op 'Var'"):
        draw_circuit(a.var())


def test_matmul_and_default_names():
    a = Tensor([[1.0, 2.0]], requires_grad=True)
    b = Tensor([[3.0], [4.0]], requires_grad=True)
    c = build_circuit((a @ b).sum(), copy_inputs=False)
    labels = sorted(n.label for n in c.nodes.values() if n.kind == "input")
    assert labels == ["a1", "a2", "b1", "b2"]
    plus = _wires_from(c, "+")
    assert [w.value for w in plus] == [11.0] and [w.grad for w in plus] == [1.0]


def _blog(loss="half_sse"):
    from tinygrad_cnn.viz import retain_all_grads
    from tinygrad_cnn.viz.circuit import build_circuit

    tensor, names = blog_tensors(loss)
    retain_all_grads(tensor)
    tensor.backward()
    return tensor, names, build_circuit(tensor, names=names)


def test_blog_setting_and_both_losses():
    tensor, names, _ = _blog()
    x, w = names["x"]._data.reshape(3, 3), names["w"]._data.reshape(2, 2)
    assert x[0, 0] == 1 and w[0, 0] == -1
    sse_tensor, _ = blog_tensors("sse")
    assert np.isclose(sse_tensor.item(), 2 * tensor.item())
    conv = F.conv2d(names["x"], names["w"], names["b"])._data.ravel()
    assert conv[0] == -1 and (conv[1:] > 0).all()  # z11 = -1: relu blocks only it
    with pytest.raises(ValueError, match="loss must be one of"):
        blog_tensors("l1")


def test_blog_positions_in_row_major_order_and_routing_marked():
    _, _, circuit = _blog()
    g = blog_circuit()
    src = g.source
    # laid out (dot's own coordinates, y up): positions z11, z12, z21, z22 top to bottom
    ys = {parts[1]: float(parts[3]) for parts in
          (line.split() for line in g.pipe(format="plain", encoding="utf-8").splitlines())
          if parts and parts[0] == "node"}
    relus = [w.src for w in circuit.wires if circuit.nodes[w.dst].label == "max"]
    heights = [ys[key] for key in relus]
    assert heights == sorted(heights, reverse=True)
    relu_in = [w for w in circuit.wires if circuit.nodes[w.dst].label == "relu"]
    blocked = [w for w in relu_in if w.local == 0]
    assert len(blocked) == 1 and blocked[0].value == -1 and blocked[0].grad == 0
    into_max = [w for w in circuit.wires if circuit.nodes[w.dst].label == "max"]
    assert sorted(w.local for w in into_max) == [0, 0, 0, 1]
    assert src.count("style=dashed") == 1 and src.count("style=dotted") == 3
    assert 'penwidth=2.8' in src and "blocked" in src


@pytest.mark.parametrize("loss", ["half_sse", "sse"])
def test_blog_drawn_numbers_are_the_engines(loss):
    tensor, names, circuit = _blog(loss)
    from tinygrad_cnn.autograd.engine import topological_order
    values = {round(float(v), 6) for t in topological_order(tensor) for v in t._data.ravel()}
    grads = {round(float(v), 6) for t in topological_order(tensor) if t.grad is not None
             for v in t.grad._data.ravel()}
    for wire in circuit.wires:
        src = circuit.nodes[wire.src]
        if src.kind == "input" or src.label in ("relu", "max", "+"):
            assert round(wire.value, 6) in values | {round(float(v), 6) for v in
                                                     names["y"]._data.ravel()}
        if wire.grad is not None and src.label in ("relu", "max", "+"):
            assert round(wire.grad, 6) in grads
    # the pooled value's gradient: a - y for ½Σ, 2(a - y) for Σ
    a = max(0.0, 1.25)
    out = [w for w in circuit.wires if circuit.nodes[w.src].label == "max"][0]
    assert np.isclose(out.grad, (a - 1.0) * (1 if loss == "half_sse" else 2))
    for name in ("x", "w", "b"):
        total = {n.label: n.grad for n in circuit.nodes.values() if n.kind == "input"}
        t = names[name]
        for i, g in enumerate(t.grad._data.ravel()):
            label = element_name(name, t.shape, i)
            assert np.isclose(total[label], g)
