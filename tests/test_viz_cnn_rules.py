"""The circuit rules for the rest of a CNN (declared beside each op in ops/): each rule's local
derivatives, times the engine's output gradient, add up to the engine's input gradients;
its values are the engine's; and a tiny complete classifier draws as a circuit."""
from collections import Counter

import numpy as np
import pytest

import tinygrad_cnn as tg
from tinygrad_cnn import Tensor, nn
from tinygrad_cnn.nn import functional as F
from tinygrad_cnn.viz import build_circuit, draw_circuit, retain_all_grads
from tinygrad_cnn.ops.circuit import Ref, Term, expand


def _x(*shape, seed=0):
    return Tensor(np.random.default_rng(seed).normal(size=shape), requires_grad=True)


def _bn_train(x):
    return F.batch_norm(x, None, None, Tensor(np.array([1.5, -0.5])),
                        Tensor(np.array([0.1, 0.2])), training=True)


def _bn_eval(x):
    return F.batch_norm(x, Tensor(np.array([0.3, -0.1])), Tensor(np.array([2.0, 0.5])),
                        Tensor(np.array([1.5, -0.5])), Tensor(np.array([0.1, 0.2])))


CASES = {
    "log_softmax dim 1": (lambda x: x.log_softmax(1), (3, 4)),
    "log_softmax dim 0": (lambda x: x.log_softmax(0), (3, 4)),
    "softmax": (lambda x: x.softmax(-1), (2, 5)),
    "nll": (lambda x: F.nll_loss(x, Tensor([1, 0, 2], dtype="int64"), reduction="none"), (3, 4)),
    "nll weighted, ignored row": (lambda x: F.nll_loss(
        x, Tensor([1, -100, 2], dtype="int64"), weight=Tensor(np.array([1.0, 2.0, 0.5, 1.0])),
        reduction="none"), (3, 4)),
    "batch norm, batch statistics": (_bn_train, (3, 2, 2, 2)),
    "batch norm, running statistics": (_bn_eval, (3, 2, 2, 2)),
    "global average pool": (lambda x: F.adaptive_avg_pool2d(x, 1), (2, 3, 4, 4)),
    "adaptive average pool 2x3 of 5x7": (lambda x: F.adaptive_avg_pool2d(x, (2, 3)), (1, 2, 5, 7)),
    "leaky relu": (lambda x: F.leaky_relu(x, 0.1), (2, 3)),
    "sigmoid": (lambda x: x.sigmoid(), (2, 3)),
    "tanh": (lambda x: x.tanh(), (2, 3)),
    "average pool, padding": (lambda x: F.avg_pool2d(x, 2, padding=1), (1, 1, 3, 3)),
}


@pytest.mark.parametrize("name", CASES)
def test_rule_locals_give_the_engines_gradients_and_values(name):
    op, shape = CASES[name]
    x = _x(*shape)
    y = op(x)
    upstream = np.random.default_rng(1).normal(size=y.shape)
    retain_all_grads(y)
    (y * Tensor(upstream)).sum().backward()
    inputs = [p._data for p in y._ctx.parents]
    via_rule = [np.zeros(p.size) for p in inputs]
    for o, item in enumerate(expand(y._ctx, inputs, y._data)):
        if isinstance(item, Ref):
            via_rule[item.parent][item.index] += upstream.flat[o]
            assert inputs[item.parent].flat[item.index] == pytest.approx(y._data.flat[o])
            continue
        assert isinstance(item, Term) and item.value == pytest.approx(y._data.flat[o], abs=1e-12)
        for arg, local in zip(item.args, item.local):
            via_rule[arg.parent][arg.index] += local * upstream.flat[o]
    for parent, grad in zip(y._ctx.parents, via_rule):
        if parent.requires_grad:
            np.testing.assert_allclose(grad.reshape(parent.shape), parent.grad._data,
                                       rtol=1e-9, atol=1e-12)


def tiny_classifier():
    """conv (2 filters 2x2) → relu → max-pool → linear (2 → 3) → cross-entropy."""
    tg.manual_seed(3)
    x = Tensor(np.array([[1.0, 0.0, 0.5], [0.0, 0.0, 1.0], [1.0, 0.5, 0.0]], np.float32).reshape(1, 1, 3, 3))
    conv, fc = nn.Conv2d(1, 2, 2), nn.Linear(2, 3)
    logits = fc(F.max_pool2d(F.relu(conv(x)), 2).flatten(1))
    loss = F.cross_entropy(logits, Tensor([2], dtype="int64"))
    return loss, {"x": x, "w": conv.weight, "b": conv.bias, "v": fc.weight, "c": fc.bias}


def test_a_tiny_classifier_draws_end_to_end_with_the_engines_gradients():
    loss, names = tiny_classifier()
    circuit = build_circuit(loss, names=names)
    labels = Counter(n.label for n in circuit.nodes.values() if n.kind == "op")
    assert {"log softmax", "nll", "relu", "max", "*", "+"} <= set(labels)
    assert labels["log softmax"] == 3 and labels["nll"] == 1
    # every input element's drawn total gradient is the engine's .grad
    for name, t in names.items():
        for node in circuit.nodes.values():
            if node.kind == "input" and node.label.startswith(name) and t.requires_grad:
                assert node.grad is not None
        drawn = {n.label: n.grad for n in circuit.nodes.values() if n.kind == "input"
                 and n.label.startswith(name) and n.label[len(name):].isdigit()}
        if t.requires_grad:
            assert sorted(drawn.values()) == pytest.approx(sorted(t.grad._data.ravel().tolist()))
    # the loss wire carries the engine's loss value
    out = next(k for k, n in circuit.nodes.items() if n.kind == "output")
    assert [w.value for w in circuit.wires if w.dst == out] == pytest.approx([loss.item()])
    assert "log softmax" in draw_circuit(tiny_classifier()[0], names=tiny_classifier()[1],
                                         legend=False).source
