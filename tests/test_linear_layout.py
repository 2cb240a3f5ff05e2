"""`x @ weight.T` written out (F.linear itself is one op: test_linear_op.py): MatMul's
backward computes the weight gradient in the weight's own (C) layout when its right
operand is a transposed C array, so no strided copy follows; values as torch's."""
import numpy as np
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from tinygrad_cnn.ops.matmul import MatMul
from torch_oracle import assert_close, pair


@settings(deadline=None, max_examples=20)
@given(n=st.integers(1, 6), fin=st.integers(2, 9), fout=st.integers(2, 7),
       dtype=st.sampled_from([np.float32, np.float64]), seed=st.integers(0, 99))
def test_product_with_a_transposed_weight_matches_torch(n, fin, fout, dtype, seed):
    rng = np.random.default_rng(seed)
    x, tx = pair(rng.normal(size=(n, fin)).astype(dtype))
    w, tw = pair(rng.normal(size=(fout, fin)).astype(dtype))
    g = rng.normal(size=(n, fout)).astype(dtype)
    (x @ w.T).backward(type(x)(g))
    torch.nn.functional.linear(tx, tw).backward(torch.tensor(g))
    assert_close(w.grad, tw.grad)
    assert_close(x.grad, tx.grad)


def test_gradient_of_a_transposed_operand_is_computed_in_its_base_layout():
    rng = np.random.default_rng(0)
    a, w, g = (rng.standard_normal(s, dtype=np.float32) for s in ((4, 6), (5, 6), (4, 5)))
    op = MatMul()
    op.needs_input_grad = (True, True)
    op.forward(a, w.T)
    ga, gb = op.backward(g)
    assert gb.T.flags.c_contiguous  # transposing back gives the weight's layout, uncopied
    np.testing.assert_allclose(gb, a.T @ g, rtol=1e-5)
    np.testing.assert_allclose(ga, g @ w, rtol=1e-5)
