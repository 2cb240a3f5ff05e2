"""Every error of the core is raised early with a message naming the shapes/values."""
import numpy as np
import pytest

import tinygrad_cnn as tc
from tinygrad_cnn import Function, Tensor
from tinygrad_cnn.ops.shape import Pad


def test_matmul_shape_mismatch_names_both_shapes():
    with pytest.raises(RuntimeError, match=r"matmul: shapes \(2, 3\) and \(4, 5\) cannot be "
                                           r"multiplied \(3 != 4"):
        tc.randn(2, 3) @ tc.randn(4, 5)
    with pytest.raises(RuntimeError, match=r"shapes \(3,\) and \(2,\)"):
        tc.randn(3) @ tc.randn(2)
    with pytest.raises(RuntimeError, match=r"at least 1 dimension.*\(\) and \(2,\)"):
        Tensor(1.0) @ tc.randn(2)


def test_backward_on_non_scalar_without_gradient():
    y = Tensor([1.0, 2.0], requires_grad=True) * 2
    with pytest.raises(RuntimeError, match=r"implicitly created only for scalar outputs.*"
                                           r"shape \(2,\)"):
        y.backward()


def test_backward_on_tensor_that_does_not_require_grad():
    with pytest.raises(RuntimeError, match="does not require grad and does not have a grad_fn"):
        Tensor([1.0]).sum().backward()


def test_gradient_shape_and_dtype_mismatch():
    y = Tensor([1.0, 2.0], requires_grad=True) * 2
    with pytest.raises(RuntimeError, match=r"gradient has shape \(3,\) but the tensor has "
                                           r"shape \(2,\)"):
        y.backward(Tensor([1.0, 1.0, 1.0]))
    with pytest.raises(RuntimeError, match="gradient has dtype float64 but the tensor has "
                                           "dtype float32"):
        y.backward(Tensor(np.ones(2)))


def test_anomaly_detection_names_the_op():
    x = Tensor([0.0, 1.0], requires_grad=True)
    with tc.detect_anomaly():
        y = x.sqrt().sum()
        with pytest.raises(RuntimeError, match=r"Function 'SqrtBackward' returned nan or inf "
                                               r"values in its 0th output"):
            y.backward()
    x2 = Tensor([0.0], requires_grad=True)
    tc.set_detect_anomaly(True)
    try:
        with pytest.raises(RuntimeError, match="'LogBackward'"):
            (x2.log() * 2).sum().backward()  # d log(x)/dx = 1/0
    finally:
        tc.set_detect_anomaly(False)
    x.sqrt().sum().backward()  # off again: no error


def test_requires_grad_on_integer_tensor():
    with pytest.raises(RuntimeError, match="only Tensors of floating point dtype can require "
                                           "gradients, got dtype int64"):
        Tensor([1, 2], dtype="int64", requires_grad=True)
    with pytest.raises(RuntimeError, match="floating point.*bool"):
        tc.tensor([True]).requires_grad_()


def test_requires_grad_of_non_leaf_cannot_be_turned_off():
    y = Tensor([1.0], requires_grad=True) * 2
    with pytest.raises(RuntimeError, match="only change requires_grad flags of leaf tensors"):
        y.requires_grad = False


def test_reshape_to_incompatible_shape():
    with pytest.raises(RuntimeError, match=r"shape \(4, 2\) is invalid for input of size 6 "
                                           r"\(shape \(2, 3\)\)"):
        tc.zeros(2, 3).reshape(4, 2)
    with pytest.raises(RuntimeError, match=r"shape \(-1, -1\) is invalid"):
        tc.zeros(2, 3).view(-1, -1)


def test_cat_and_stack_shape_errors():
    with pytest.raises(RuntimeError, match=r"sizes of tensors must match except in dimension "
                                           r"0: tensor 0 has shape \(2, 3\), tensor 1 has "
                                           r"shape \(2, 4\)"):
        tc.cat([tc.zeros(2, 3), tc.zeros(2, 4)])
    with pytest.raises(RuntimeError, match="expected a non-empty list"):
        tc.cat([])
    with pytest.raises(RuntimeError, match="zero-dimensional tensor cannot be concatenated"):
        tc.cat([Tensor(1.0), Tensor(2.0)])
    with pytest.raises(RuntimeError, match=r"stack expects each tensor to be equal size, got "
                                           r"shapes \[\(2,\), \(3,\)\]"):
        tc.stack([tc.zeros(2), tc.zeros(3)])


@pytest.mark.parametrize("call", [
    lambda t: t.sum(2), lambda t: t.mean((0, -3)), lambda t: t.amax(5), lambda t: t.max(2),
    lambda t: t.softmax(2), lambda t: t.log_softmax(-3), lambda t: t.transpose(0, 2),
    lambda t: t.permute(0, 2), lambda t: t.squeeze(2), lambda t: t.unsqueeze(4),
    lambda t: t.flatten(0, 2), lambda t: tc.cat([t, t], 2), lambda t: tc.stack([t, t], 4),
    lambda t: t.var(-3), lambda t: t.std(2),
], ids=["sum", "mean", "amax", "max", "softmax", "log_softmax", "transpose", "permute",
        "squeeze", "unsqueeze", "flatten", "cat", "stack", "var", "std"])
def test_dim_out_of_range(call):
    with pytest.raises(IndexError, match=r"Dimension out of range \(expected to be in range "
                                         r"of \[-\d, \d\], but got -?\d\)"):
        call(tc.zeros(2, 3))


def test_other_argument_errors():
    t = tc.zeros(2, 3)
    with pytest.raises(RuntimeError, match="at least one of 'min' or 'max'"):
        t.clamp()
    with pytest.raises(RuntimeError, match="start_dim cannot come after end_dim"):
        t.flatten(1, 0)
    with pytest.raises(RuntimeError, match=r"dims \(0, 0\) are not a permutation"):
        t.permute(0, 0)
    with pytest.raises(RuntimeError, match=r"shape \(2, 3\) cannot be expanded to \(2, 4\)"):
        t.expand(2, 4)
    with pytest.raises(RuntimeError, match=r"cannot be expanded to \(3,\)"):
        t.expand(3)
    with pytest.raises(RuntimeError, match="a Tensor with 6 elements cannot be converted"):
        t.item()
    with pytest.raises(RuntimeError, match="Boolean value of Tensor with 6 values"):
        bool(t)
    with pytest.raises(RuntimeError, match="mean\\(\\): input dtype should be floating "
                                           "point, got int64"):
        Tensor([1, 2], dtype="int64").mean()
    with pytest.raises(RuntimeError, match=r"max\(\): Expected reduction dim to be specified "
                                           r"for input.numel\(\) == 0 \(input of shape \(0,\)\)"):
        tc.zeros(0).max()
    with pytest.raises(TypeError, match="len\\(\\) of a 0-d tensor"):
        len(Tensor(1.0))
    with pytest.raises(ValueError, match=r"negative padding \(-1, 0\)"):
        Pad.apply(t, pad=(-1, 0))


def test_construction_errors():
    with pytest.raises(TypeError, match="cannot build a tensor from list"):
        Tensor([object()])
    with pytest.raises(TypeError, match="expected np.ndarray \\(got list\\)"):
        tc.from_numpy([1.0])
    with pytest.raises(TypeError, match="default dtype must be a floating point dtype, got "
                                        "int64"):
        tc.set_default_dtype(tc.int64)


def test_autograd_misuse_errors():
    with pytest.raises(RuntimeError, match="can't retain_grad on a tensor that doesn't"):
        Tensor([1.0]).retain_grad()
    with pytest.raises(RuntimeError, match="cannot register a hook on a tensor that doesn't"):
        Tensor([1.0]).register_hook(lambda g: g)
    y = (Tensor([1.0], requires_grad=True) * 2).sum()
    with pytest.raises(NotImplementedError, match="create_graph=True"):
        y.backward(create_graph=True)


def test_function_base_must_be_subclassed():
    with pytest.raises(NotImplementedError):
        Function.apply(Tensor([1.0]))
