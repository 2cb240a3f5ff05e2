"""In-place semantics as PyTorch has them: `-=` and the `*_` methods write into the tensor;
version counters turn "a saved tensor was modified" into PyTorch's error instead of a wrong
gradient; leaves that require grad refuse in-place ops outside no_grad; `.data`."""
import numpy as np
import pytest
import torch

import tinygrad_cnn as tg


def both(fn):
    """fn(m) with m = tinygrad_cnn and torch; returns both results as numpy arrays."""
    return [np.asarray(fn(m).detach().numpy()) for m in (tg, torch)]


def errors(fn):
    """The messages fn(m) raises with each library (None when it does not raise)."""
    out = []
    for m in (tg, torch):
        try:
            fn(m)
            out.append(None)
        except RuntimeError as error:
            out.append(str(error))
    return out


def test_augmented_assignment_on_a_leaf_under_no_grad_updates_it_in_place():
    for m in (tg, torch):
        w = m.tensor([1.0, 2.0], requires_grad=True)
        alias, before = w, w.detach()
        (w * w).sum().backward()
        with m.no_grad():
            w -= 0.5 * w.grad
            w *= 2
            w += 1
            w /= 2
        assert w is alias and w.requires_grad and w.is_leaf
        np.testing.assert_allclose(w.detach().numpy(), [0.5, 0.5])
        np.testing.assert_allclose(before.numpy(), [0.5, 0.5])  # detach shares memory


@pytest.mark.parametrize("method, args", [
    ("add_", (2.0,)), ("sub_", (1.5,)), ("mul_", (-3.0,)), ("div_", (4.0,)),
    ("clamp_", (-0.5, 0.5)), ("fill_", (7.0,)), ("zero_", ()), ("pow_", (2,))])
def test_inplace_methods_match_torch(method, args):
    data = np.array([[-1.0, 0.25], [2.0, -0.75]])
    ours, theirs = both(lambda m: getattr(m.tensor(data.copy()), method)(*args))
    np.testing.assert_allclose(ours, theirs)


def test_add_with_alpha_copy_and_setitem_match_torch():
    def program(m):
        t = m.zeros(2, 3, dtype=m.float64)
        t.add_(m.ones(3, dtype=m.float64), alpha=2)
        t[0, 1:] = 5.0
        t[1] = m.tensor([1.0, 2.0, 3.0], dtype=m.float64)
        t.copy_(t * 2)
        return t
    np.testing.assert_allclose(*both(program))


def test_a_leaf_that_requires_grad_refuses_in_place_ops_with_torchs_message():
    ours, theirs = errors(lambda m: m.ones(2, requires_grad=True).add_(1))
    assert ours == theirs == ("a leaf Variable that requires grad is being used in an "
                              "in-place operation.")
    w = tg.ones(2, requires_grad=True)
    for op in (lambda: w.mul_(2), lambda: w.normal_(), lambda: w.zero_()):
        with pytest.raises(RuntimeError, match="leaf Variable"):
            op()
    with pytest.raises(RuntimeError, match="leaf Variable"):
        w += 1


@pytest.mark.parametrize("program", [
    lambda m: m.ones(3, requires_grad=True).sigmoid().mul_(2).sum(),
    lambda m: m.ones(3, requires_grad=True).exp().add_(1).sum(),
    lambda m: m.nn.functional.relu(m.ones(3, requires_grad=True) * 2).add_(1).sum(),
])
def test_modifying_a_tensor_backward_needs_raises_torchs_error(program):
    ours, theirs = errors(lambda m: program(m).backward())
    assert theirs is not None and "modified by an inplace operation" in theirs
    assert ours is not None and ours.startswith(
        "one of the variables needed for gradient computation has been modified by an "
        "inplace operation")


def test_modifying_a_saved_leaf_under_no_grad_is_caught():
    def program(m):
        w = m.ones(3, requires_grad=True)
        loss = (w * w).sum()
        with m.no_grad():
            w.mul_(3)
        loss.backward()
    ours, theirs = errors(program)
    assert "version 1; expected version 0" in ours and "is at version 1" in theirs


def test_recorded_inplace_ops_on_non_leaves_give_torchs_gradients():
    def program(m):
        x = m.tensor([1.0, -2.0, 3.0], dtype=m.float64, requires_grad=True)
        y = x * 3
        y += x
        y *= 2
        z = m.zeros(3, dtype=m.float64)
        z.copy_(y)
        z.div_(2)
        out = m.nn.functional.relu(z - 10, inplace=True)
        out.sum().backward()
        return x.grad
    np.testing.assert_allclose(*both(program))


def test_where_torch_refuses_we_snapshot_and_give_the_out_of_place_gradient():
    x = tg.tensor([1.0, -2.0, 3.0], dtype=tg.float64, requires_grad=True)
    y = x * 3
    y *= y  # torch raises at backward here; y's old value is kept for the gradient
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), 18 * x.detach().numpy())


@pytest.mark.parametrize("layer", ["ReLU", "SiLU"])
def test_inplace_layers_write_into_their_input_and_keep_gradients(layer):
    def program(m):
        x = m.tensor([[-1.0, 2.0], [3.0, -4.0]], dtype=m.float64, requires_grad=True)
        h = x * 2
        out = getattr(m.nn, layer)(inplace=True)(h)
        assert out is h
        (out * out).sum().backward()
        return x.grad
    np.testing.assert_allclose(*both(program), rtol=1e-6)


def test_an_inplace_op_on_a_view_inside_the_graph_is_refused_clearly():
    x = tg.ones(2, 3, requires_grad=True)
    row = (x * 2)[0]
    with pytest.raises(RuntimeError, match="view op"):
        row.add_(1)


def test_dot_data_is_a_detached_tensor_sharing_memory():
    for m in (tg, torch):
        layer = m.nn.Linear(200, 100)
        m.manual_seed(0)
        layer.weight.data.normal_(0, 0.02)
        assert abs(float(layer.weight.detach().std()) - 0.02) < 0.002
        data = layer.weight.data
        assert isinstance(data, m.Tensor) and not data.requires_grad
        assert layer.weight.requires_grad
        layer(m.randn(4, 200)).sum().backward()
        before = layer.bias.detach().clone()
        for p in layer.parameters():
            p.data -= 0.1 * p.grad.data  # the classic manual SGD
        np.testing.assert_allclose(layer.bias.detach().numpy(),
                                   (before - 0.1 * layer.bias.grad).numpy(), rtol=1e-6)
        layer.bias.data = m.zeros(100)  # assigning replaces the values
        assert float(layer.bias.detach().abs().sum()) == 0.0


def test_numpy_access_stays_obvious():
    t = tg.tensor([1.0, 2.0])
    assert t.numpy() is np.asarray(t)  # the array itself, shared
    t.numpy()[0] = 5.0
    assert t.tolist() == [5.0, 2.0]
    with pytest.raises(RuntimeError, match="detach"):
        tg.ones(1, requires_grad=True).numpy()


def test_inplace_dtype_and_shape_rules_match_torch():
    ours, theirs = errors(lambda m: m.tensor([1, 2]).add_(1.5))
    assert theirs is not None and ours is not None and "can't be cast" in ours
    ours, theirs = errors(lambda m: m.zeros(3).add_(m.zeros(2, 3)))
    assert theirs is not None and ours is not None and "doesn't match the broadcast" in ours


def test_the_first_in_place_change_of_a_process_is_still_caught():
    """Nodes recorded before any in-place change in the process share one all-zero
    version tuple instead of reading each input's counter: an edit made after them must
    still fail their backward, as PyTorch's does (a fresh interpreter, so no earlier
    test has changed anything in place)."""
    import subprocess
    import sys
    code = ("import tinygrad_cnn as tg\n"
            "from tinygrad_cnn.autograd.function import EDITS\n"
            "assert EDITS[0] == 0\n"
            "x = tg.ones(3, requires_grad=True)\n"
            "a = x * 2\n"
            "y = (a * a).sum()\n"
            "a.mul_(3)\n"
            "try:\n"
            "    y.backward()\n"
            "except RuntimeError as error:\n"
            "    print(error)\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    assert "modified by an inplace operation" in done.stdout
