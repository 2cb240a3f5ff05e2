"""F.linear as one op (ops/linear.py): values and gradients as torch's over leading ranks,
bias or none, float32/float64, also at sizes that run in two parts on two threads; one
`linear` node in pictures and in the circuit; ONNX exports it as Gemm."""
import re

import numpy as np
import onnxruntime as ort
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import tinygrad_cnn as tg
from tinygrad_cnn import Tensor, nn
from tinygrad_cnn.export import to_onnx
from tinygrad_cnn.kernels import runtime
from tinygrad_cnn.nn import functional as F
from tinygrad_cnn.viz import build_circuit, draw_graph
from tinygrad_cnn.viz.op_labels import op_category, op_display_name
from torch_oracle import assert_close, assert_grads_close, pair


def _check(lead, fin, fout, bias, dtype, seed, wanted=(True, True, True)):
    rng = np.random.default_rng(seed)
    x, tx = pair(rng.normal(size=lead + (fin,)).astype(dtype), wanted[0])
    w, tw = pair(rng.normal(size=(fout, fin)).astype(dtype), wanted[1])
    b, tb = pair(rng.normal(size=fout).astype(dtype), wanted[2]) if bias else (None, None)
    g = rng.normal(size=lead + (fout,)).astype(dtype)
    out, expected = F.linear(x, w, b), torch.nn.functional.linear(tx, tw, tb)
    assert out.dtype == dtype
    assert_close(out, expected)
    if out.requires_grad:
        out.backward(Tensor(g))
        expected.backward(torch.tensor(g))
        leaves = [(x, tx), (w, tw)] + ([(b, tb)] if bias else [])
        assert_grads_close(*zip(*leaves))


@settings(deadline=None, max_examples=40)
@given(lead=st.lists(st.integers(0, 4), max_size=3).map(tuple), fin=st.integers(0, 9),
       fout=st.integers(1, 7), bias=st.booleans(),
       dtype=st.sampled_from([np.float32, np.float64]), seed=st.integers(0, 99),
       wanted=st.tuples(st.booleans(), st.booleans(), st.booleans()))
def test_linear_matches_torch_over_leading_ranks(lead, fin, fout, bias, dtype, seed, wanted):
    _check(lead, fin, fout, bias, dtype, seed, wanted)


@pytest.mark.parametrize("lead, fin, fout", [((24,), 2352, 512), ((64,), 3136, 128),
                                             ((4, 16), 1600, 128)])
@pytest.mark.parametrize("bias", [True, False])
def test_a_large_linear_runs_in_two_parts_with_torchs_numbers(lead, fin, fout, bias):
    rows = int(np.prod(lead))
    assert len(runtime.batch_parts(fout, 2.0 * rows * fin * fout)) == 2
    assert len(runtime.batch_parts(fin, 2.0 * rows * fin * fout)) == 2
    _check(lead, fin, fout, bias, np.float64, 0)


def test_mixed_dtypes_promote_as_matmul_and_add_do():
    x = Tensor(np.ones((2, 3), np.float32), requires_grad=True)
    w = Tensor(np.ones((4, 3), np.float64), requires_grad=True)
    out = F.linear(x, w, Tensor(np.ones(4, np.float32)))
    assert out.dtype == np.float64 and out.tolist() == [[4.0] * 4] * 2
    out.sum().backward()
    assert x.grad.dtype == np.float32 and x.grad.tolist() == [[4.0] * 3] * 2


def test_an_nn_linear_is_one_linear_node_in_the_graph():
    assert (op_display_name("Linear"), op_category("Linear")) == ("linear", "linear")
    layer = nn.Linear(3, 2)
    source = draw_graph(layer(tg.randn(4, 3, requires_grad=True)).sum()).source
    ops = re.findall(r"op \w+ \((\w+)\)", source)  # each op node's tooltip names its class
    assert ops == ["Linear", "Sum"]


def test_a_tiny_linear_layer_draws_in_the_circuit_with_engine_numbers():
    data = [[1.0, -2.0, 0.5]], [[0.5, 1.0, -1.0], [2.0, 0.0, 1.0]], [0.25, -0.5]
    (x, tx), (w, tw), (b, tb) = (pair(np.array(a)) for a in data)
    seed = [[3.0, -1.0]]
    circuit = build_circuit((F.linear(x, w, b) * Tensor(seed)).sum(),
                            names={"x": x, "w": w, "b": b})
    expected = torch.nn.functional.linear(tx, tw, tb)
    (expected * torch.tensor(seed)).sum().backward()
    sums = [k for k, n in circuit.nodes.items() if n.label == "+" and n.category == "linear"]
    assert len(sums) == 2  # one per output element: 3 products and the bias
    for key, value, grad in zip(sums, expected.detach().numpy().ravel(), seed[0]):
        into = [wire for wire in circuit.wires if wire.dst == key]
        assert len(into) == 4 and sum(wire.value for wire in into) == pytest.approx(value)
        assert all(wire.grad == pytest.approx(grad) for wire in into)
    inputs = {n.label: n.grad for n in circuit.nodes.values() if n.kind == "input"}
    assert [inputs[f"x{i}"] for i in (1, 2, 3)] == pytest.approx(tx.grad.numpy().ravel())
    assert [inputs[f"w{i}{j}"] for i in (1, 2) for j in (1, 2, 3)] == pytest.approx(
        tw.grad.numpy().ravel())
    assert [inputs["b1"], inputs["b2"]] == pytest.approx(tb.grad.numpy())


@pytest.mark.parametrize("lead", [(5,), (2, 5)])
def test_onnx_exports_linear_as_gemm_and_runs_as_ours(lead, tmp_path):
    tg.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 3), nn.ReLU(), nn.Linear(3, 2, bias=False)).eval()
    x = np.random.default_rng(0).standard_normal(lead + (4,)).astype(np.float32)
    proto = to_onnx(model, x, tmp_path / "m.onnx")
    ops = [n.op_type for n in proto.graph.node]
    assert ops == (["Gemm", "Relu", "Gemm"] if len(lead) == 1 else
                   ["Transpose", "MatMul", "Add", "Relu", "Transpose", "MatMul"])
    session = ort.InferenceSession(str(tmp_path / "m.onnx"))
    (got,) = session.run(None, {"input": x})
    with tg.no_grad():
        np.testing.assert_allclose(got, model(Tensor(x)).numpy(), rtol=1e-5, atol=1e-6)


def test_a_broadcast_gradient_from_sum_matches_torch():
    rng = np.random.default_rng(0)
    (x, tx), (w, tw), (b, tb) = (pair(rng.normal(size=s)) for s in ((64, 1600), (128, 1600),
                                                                     (128,)))
    F.linear(x, w, b).sum().backward()
    torch.nn.functional.linear(tx, tw, tb).sum().backward()
    assert_grads_close([x, w, b], [tx, tw, tb])
