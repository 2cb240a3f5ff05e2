"""Finite-difference gradcheck (float64) over the core ops, and gradcheck's own failure mode."""
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import tinygrad_cnn as tc
from tinygrad_cnn import Function, GradcheckError, Tensor, gradcheck
from tinygrad_cnn.ops.activation import LeakyReLU
from tinygrad_cnn.ops.shape import Pad
from core_helpers import float_arrays, small_shapes


def leaf(arr):
    return Tensor(np.asarray(arr, dtype=np.float64), requires_grad=True)


@st.composite
def positive_array(draw):
    return draw(float_arrays(np.float64, draw(small_shapes(max_dims=3, max_side=3)), 0.5, 2.0))


UNARY_FNS = {
    "exp": Tensor.exp, "log": Tensor.log, "sqrt": Tensor.sqrt, "tanh": Tensor.tanh,
    "sigmoid": Tensor.sigmoid, "pow": lambda x: x ** 2.5, "rpow": lambda x: 2 ** x,
    "softmax": lambda x: x.softmax(-1), "log_softmax": lambda x: x.log_softmax(0),
    "std": lambda x: x.std(), "var": lambda x: x.var(0, keepdim=True, correction=0),
    "mean": lambda x: x.mean(-1), "flatten_T": lambda x: x.flatten().unsqueeze(0).T,
    "index": lambda x: x.reshape(-1)[[0, 0, -1]], "leaky": lambda x: LeakyReLU.apply(x - 1),
    "pad": lambda x: Pad.apply(x, pad=(1, 2), value=3.0),
    "clamp": lambda x: x.clamp(0.9, 1.7),
}


@pytest.mark.parametrize("name", sorted(UNARY_FNS))
@given(a=positive_array())
def test_gradcheck_passes_on_unary_ops(name, a):
    if name in ("std", "var", "index") and a.size < 2 or name == "pad" and a.ndim == 0:
        a = np.array([0.7, 1.3])
    if name == "clamp":  # stay away from the kinks where finite differences are wrong
        a = np.where(np.abs(a - 0.9) < 1e-3, 1.0, np.where(np.abs(a - 1.7) < 1e-3, 1.0, a))
    if name == "std":  # std is not differentiable where all values are equal: sorted plus
        # increasing offsets makes them distinct ([0.6, 0.5] + [0, 0.1] would not be)
        a = (np.sort(a, axis=None) + np.arange(a.size) * 0.1).reshape(a.shape)
    if name == "leaky":
        a = np.where(np.abs(a - 1) < 1e-3, 1.5, a)
    assert gradcheck(UNARY_FNS[name], (leaf(a),))


@given(a=float_arrays(np.float64, (2, 3), 0.5, 2), b=float_arrays(np.float64, (3,), 0.5, 2))
def test_gradcheck_passes_on_binary_ops(a, b):
    for fn in (lambda x, y: x * y - x / y, lambda x, y: x ** y, lambda x, y: x @ y,
               lambda x, y: tc.cat([x, y.reshape(1, 3)]), lambda x, y: tc.where(Tensor([True, False, True]), x, y),
               lambda x, y: tc.stack([x[0], y], 1)):
        assert gradcheck(fn, (leaf(a), leaf(b)))


def test_gradcheck_handles_noncontiguous_inputs_and_multiple_outputs():
    x = Tensor(np.arange(1.0, 7.0).reshape(2, 3).T, requires_grad=True)  # a transposed view
    assert not x._data.flags.c_contiguous
    assert gradcheck(lambda t: (t * t, t.exp().sum()), (x,))
    assert x.grad is None  # gradcheck leaves no gradient behind


class WrongSquare(Function):
    """x**2 with a deliberately wrong gradient (x instead of 2x)."""

    def forward(self, a):
        self.save_for_backward(a)
        return a * a

    def backward(self, g):
        (a,) = self.saved_tensors
        return g * a


def test_gradcheck_raises_on_a_wrong_function():
    x = leaf([1.0, 2.0, 3.0])
    with pytest.raises(GradcheckError, match=r"Jacobian mismatch for output 0 with respect "
                                             r"to input 0 \(shape \(3,\)\): at \(output element, input element\) "
                                             r"\(2, 2\) analytical=3 numerical=6"):
        gradcheck(WrongSquare.apply, (x,))
    assert gradcheck(WrongSquare.apply, (x,), raise_exception=False) is False


def test_gradcheck_input_errors():
    with pytest.raises(GradcheckError, match="float64 inputs.*float32"):
        gradcheck(Tensor.exp, (Tensor([1.0], requires_grad=True),))
    with pytest.raises(ValueError, match="at least one input tensor with requires_grad"):
        gradcheck(Tensor.exp, (Tensor([1.0]),))
