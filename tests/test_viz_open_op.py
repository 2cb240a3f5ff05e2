"""Opening one op of a big graph into its circuit: the drawn numbers are the engine's
values and gradients, the rest of the network stays op-level, errors name the problem."""
import numpy as np
import pytest

import tinygrad_cnn as tg
from tinygrad_cnn import Tensor, nn
from tinygrad_cnn.nn import functional as F
from tinygrad_cnn.viz import open_op, record_backward
from tinygrad_cnn.viz.open_op import element_circuit
from tinygrad_cnn.viz.recorder import gradients_by_id


def _net():
    tg.manual_seed(0)
    conv, fc = nn.Conv2d(1, 2, 3), nn.Linear(2 * 3 * 3, 4)
    x = tg.randn(1, 1, 8, 8)
    c = conv(x)
    p = F.max_pool2d(F.relu(c), 2)
    logits = fc(p.flatten(1))
    loss = F.cross_entropy(logits, Tensor([2], dtype="int64"))
    params = {"conv.weight": conv.weight, "conv.bias": conv.bias,
              "fc.weight": fc.weight, "fc.bias": fc.bias}
    return loss, params, x, c, p, logits


def _wires_into(circuit, label):
    key = next(k for k, n in circuit.nodes.items() if n.label == label)
    return [w for w in circuit.wires if w.dst == key]


def test_a_conv_pixel_is_its_products_and_bias_with_the_engines_numbers():
    loss, params, x, c, p, logits = _net()
    steps = record_backward(loss)
    grads = gradients_by_id(steps)
    index = (0, 1, 2, 3)
    circuit = element_circuit(c, int(np.ravel_multi_index(index, c.shape)), grads,
                              {id(t): n for n, t in params.items()})
    into_sum = _wires_into(circuit, "+")
    assert len(into_sum) == 9 + 1  # 3x3 products and the bias
    assert sum(w.value for w in into_sum) == pytest.approx(float(c._data[index]), rel=1e-5)
    g = float(grads[id(c)][index])
    assert all(w.grad == pytest.approx(g) for w in into_sum)
    out = [w for w in circuit.wires if circuit.nodes[w.dst].kind == "output"]
    assert [(w.value, w.grad) for w in out] == [(float(c._data[index]), g)]
    window = x._data[0, 0, 2:5, 3:6].ravel()
    xs = sorted(w.value for w in circuit.wires if circuit.nodes[w.src].label.startswith("input"))
    assert xs == pytest.approx(sorted(window.tolist()))
    weights = {n.label: n.grad for n in circuit.nodes.values()
               if n.label.startswith("conv.weight")}
    assert weights["conv.weight\n[1,0,0,0]"] == pytest.approx(
        float(params["conv.weight"].grad._data[1, 0, 0, 0]))
    for w in circuit.wires:  # into a product: d(x*w)/dx = w, times the gradient g
        if circuit.nodes[w.dst].label == "*":
            assert w.grad == pytest.approx(g * w.local)


def test_a_max_pool_window_routes_to_its_winner():
    loss, params, x, c, p, logits = _net()
    grads = gradients_by_id(record_backward(loss))
    index = (0, 0, 1, 1)
    circuit = element_circuit(p, int(np.ravel_multi_index(index, p.shape)), grads, {})
    into_max = _wires_into(circuit, "max")
    assert len(into_max) == 4
    winner = [w for w in into_max if w.local == 1.0]
    assert len(winner) == 1 and winner[0].value == pytest.approx(float(p._data[index]))
    assert winner[0].grad == pytest.approx(float(grads[id(p)][index]))
    assert all(w.grad == 0 for w in into_max if w is not winner[0])


def test_a_logit_two_ops_deep_folds_the_smallest_terms():
    loss, params, x, c, p, logits = _net()
    grads = gradients_by_id(record_backward(loss))
    circuit = element_circuit(logits, 2, grads, {id(t): n for n, t in params.items()},
                              max_terms=5, depth=2)
    nodes = circuit.nodes
    [dot] = [k for k, n in nodes.items() if n.label == "+"]  # the linear's sum with its bias
    into_dot = [w for w in circuit.wires if w.dst == dot]
    assert nodes[into_dot[-1].src].label.startswith("15 more inputs\n(sum ")
    assert len(into_dot) == 5  # the 4 largest of its 19 inputs (18 products, the bias), the rest
    assert any(nodes[w.src].label == "fc.bias\n[2]" for w in into_dot)
    assert sum(w.value for w in into_dot) == pytest.approx(float(logits._data[0, 2]), rel=1e-5)
    products = float((p._data.reshape(1, -1) @ params["fc.weight"]._data.T)[0, 2])
    assert sum(w.value for w in into_dot if nodes[w.src].label != "fc.bias\n[2]") == \
        pytest.approx(products, rel=1e-5)
    g = float(grads[id(logits)][0, 2])
    assert all(w.grad == pytest.approx(g) for w in into_dot[:-1])
    # depth 2 opens the op under the linear too: the max-pool windows of the kept products
    assert sum(n.label == "max" for n in nodes.values()) == 3


def test_open_op_draws_the_rest_collapsed_and_outlines_the_op():
    loss, params, x, c, p, logits = _net()
    g = open_op(loss, c, (0, 1, 2, 3), params)
    src = g.source
    assert "cluster_opened" in src and "conv2d (conv) out[0,1,2,3], opened" in src
    assert 'mod_conv [color="#E67E22" penwidth=3]' in src  # the collapsed module holding it
    assert "mod_fc" in src
    assert x.grad is None and c.grad is None  # nothing left on the user's graph


def test_open_op_errors_name_the_problem():
    loss, params, x, c, p, logits = _net()
    with pytest.raises(IndexError, match=r"does not fit the tensor's shape \(1, 2, 6, 6\)"):
        open_op(loss, c, (0, 2, 0, 0))
    with pytest.raises(ValueError, match="is a leaf"):
        open_op(loss, x, 0)
    other = Tensor([1.0], requires_grad=True) * 2.0
    with pytest.raises(ValueError, match="not part of the graph"):
        open_op(loss, other, 0)


@pytest.mark.slow
def test_lenet_on_a_real_mnist_digit():
    from tinygrad_cnn.viz.examples import lenet_digit

    loss, params, parts = lenet_digit(0)
    steps = record_backward(loss)
    grads = gradients_by_id(steps)
    conv1 = parts["conv1"]
    index = np.unravel_index(int(np.abs(grads[id(conv1)]).argmax()), conv1.shape)
    g = open_op(loss, conv1, index, params, steps=steps)
    assert "features.0.weight" in g.source and "features.0.bias" in g.source
    circuit = element_circuit(conv1, int(np.ravel_multi_index(index, conv1.shape)), grads,
                              {id(t): n for n, t in params.items()})
    assert sum(w.value for w in _wires_into(circuit, "+")) == pytest.approx(
        float(conv1._data[index]), rel=1e-4, abs=1e-6)
