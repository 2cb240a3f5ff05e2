"""An op added the way ARCHITECTURE.md says (one file in ops/, one import line in
nn/functional.py): hardtanh. Values and gradients match PyTorch; it draws in the circuit
and the graph with its own label and category."""
import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from tinygrad_cnn import Tensor, gradcheck
from tinygrad_cnn.nn import functional as F
from tinygrad_cnn.viz import build_circuit, draw_graph
from tinygrad_cnn.viz.op_labels import op_category, op_display_name

from torch_oracle import assert_close, assert_grads_close, pair

BOUNDS = st.tuples(st.floats(-3, 0.5), st.floats(0.5, 3))


@settings(max_examples=40, deadline=None)
@given(x=hnp.arrays(np.float64, hnp.array_shapes(max_dims=3, max_side=5),
                    elements=st.floats(-4, 4)), bounds=BOUNDS)
def test_hardtanh_values_and_gradients_match_torch(x, bounds):
    lo, hi = bounds
    ours, theirs = pair(x)
    seed = np.random.default_rng(0).standard_normal(x.shape)
    out = F.hardtanh(ours, lo, hi)
    expected = torch.nn.functional.hardtanh(theirs, lo, hi)
    assert_close(out, expected)
    out.backward(Tensor(seed))
    expected.backward(torch.tensor(seed))
    assert_grads_close([ours], [theirs])


def test_hardtanh_gradient_is_zero_at_the_bounds_as_in_torch():
    ours, theirs = pair(np.array([-1.0, 1.0, 0.0, -2.0]))
    F.hardtanh(ours).sum().backward()
    torch.nn.functional.hardtanh(theirs).sum().backward()
    assert ours.grad.tolist() == theirs.grad.tolist() == [0.0, 0.0, 1.0, 0.0]


def test_hardtanh_passes_gradcheck_and_keeps_float32():
    x = Tensor([[-1.5, -0.3], [0.4, 2.0]], dtype="float64", requires_grad=True)
    assert gradcheck(lambda t: F.hardtanh(t, -1.0, 1.0), x)
    assert F.hardtanh(Tensor([0.5, 3.0])).dtype == np.float32


def test_hardtanh_rejects_crossed_bounds_naming_them():
    with pytest.raises(ValueError, match=r"min_val \(2.0\) cannot be greater than max_val"):
        F.hardtanh(Tensor([0.0]), 2.0, 1.0)


def test_hardtanh_draws_in_the_circuit_with_engine_values_and_gradients():
    x = Tensor([-2.0, 0.5, 3.0], requires_grad=True)
    y = F.hardtanh(x) * Tensor([1.0, 2.0, 3.0])
    circuit = build_circuit(y.sum(), names={"x": x})
    nodes = [k for k, n in circuit.nodes.items() if n.label == "hardtanh"]
    assert len(nodes) == 3 and {circuit.nodes[k].category for k in nodes} == {"activation"}
    into = {w.src: w for w in circuit.wires if w.dst in nodes}
    by_input = {circuit.nodes[src].label: w.grad for src, w in into.items()}
    assert by_input == {"x1": 0.0, "x2": 2.0, "x3": 0.0}  # torch: x.grad = [0, 2, 0]


def test_hardtanh_has_its_label_and_category_in_the_graph():
    assert (op_display_name("Hardtanh"), op_category("Hardtanh")) == ("hardtanh", "activation")
    x = Tensor([[0.5, 2.0]], requires_grad=True)
    assert "hardtanh" in draw_graph(F.hardtanh(x).sum()).source
