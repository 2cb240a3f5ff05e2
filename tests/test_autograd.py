"""The autograd engine: graph walk, accumulation, freeing, grad modes, hooks, retain_grad."""
import numpy as np
import pytest
import torch

import tinygrad_cnn as tc
from tinygrad_cnn import Tensor
from tinygrad_cnn.autograd.grad_mode import STATE
from torch_oracle import assert_close, assert_grads_close, pair


def test_deep_chain_of_ten_thousand_ops():
    x = Tensor([1.0], dtype="float64", requires_grad=True)
    y = x
    for _ in range(10_000):
        y = y * 1.0001
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [1.0001 ** 10_000], rtol=1e-9)


def test_summed_gradients_never_write_into_one_kept_elsewhere():
    """The engine adds a tensor's gradients into one of them when only the walk holds
    it: a gradient a hook kept, an intermediate's retained .grad and the seed stay
    as they were, and the sums equal PyTorch's."""
    def f(m, x, kept):
        y = x * 3
        y.retain_grad()
        a, b, c = y.exp(), y * y, y.relu()
        c.register_hook(lambda g: kept.append(g))
        out = y + (a + b * 2 + c)  # y's first gradient is the seed itself, then 3 more
        seed = m.ones_like(out)
        out.backward(seed)
        return y, seed
    rng = np.random.default_rng(0)
    x, tx = pair(rng.standard_normal((64, 300)))  # large enough for the conv-sized path
    kept, tkept = [], []
    (y, seed), (ty, tseed) = f(tc, x, kept), f(torch, tx, tkept)
    assert_grads_close([x, y], [tx, ty])
    assert_close(kept[0], tkept[0])
    np.testing.assert_array_equal(seed.numpy(), 1)
    assert not np.shares_memory(x.grad.numpy(), y.grad.numpy())


def test_diamond_graph_sums_both_paths_like_torch():
    def f(m, x):
        y = x * 2
        a, b = y.exp(), y * y  # y used twice
        return (a + b * x).sum()  # and x used three times
    x, tx = pair(np.array([0.5, -1.0, 2.0]))
    f(tc, x).backward()
    f(torch, tx).backward()
    assert_grads_close([x], [tx])


def test_same_tensor_as_both_operands():
    x, tx = pair(np.array([3.0, -2.0]))
    (x * x + x / x).sum().backward()
    (tx * tx + tx / tx).sum().backward()
    assert_grads_close([x], [tx])


def test_broadcast_gradients_are_summed_back_to_each_shape():
    a, ta = pair(np.arange(6.0).reshape(2, 3))
    b, tb = pair(np.array([[1.0], [2.0]]))
    c, tc_ = pair(np.array(3.0))
    (a * b + c).sum().backward()
    (ta * tb + tc_).sum().backward()
    assert_grads_close([a, b, c], [ta, tb, tc_])
    assert b.grad.shape == (2, 1) and c.grad.shape == ()


def test_gradients_accumulate_until_zeroed():
    x = Tensor([1.0, 2.0], requires_grad=True)
    (x * 3).sum().backward()
    (x * 3).sum().backward()
    assert x.grad.tolist() == [6.0, 6.0]
    x.grad.zero_()
    (x * x).sum().backward()
    assert x.grad.tolist() == [2.0, 4.0]
    x.grad = None
    x.sum().backward()
    assert x.grad.tolist() == [1.0, 1.0]


def test_grad_is_not_aliased_to_other_gradients():
    x = Tensor([1.0, 2.0], requires_grad=True)
    y = x + 0.0
    y.retain_grad()
    y.sum().backward()
    x.grad._data += 5  # must not change y.grad
    assert y.grad.tolist() == [1.0, 1.0]


def test_graph_is_freed_and_second_backward_raises():
    x = Tensor([1.0, 2.0], requires_grad=True)
    y = (x * x).sum()
    y.backward()
    with pytest.raises(RuntimeError, match="backward through the graph a second time"):
        y.backward()


def test_retain_graph_allows_second_backward():
    x = Tensor([1.0, 2.0], requires_grad=True)
    y = (x * x).sum()
    y.backward(retain_graph=True)
    y.backward()
    assert x.grad.tolist() == [4.0, 8.0]


def test_no_grad_context_and_decorators():
    w = Tensor([1.0], requires_grad=True)
    with tc.no_grad():
        assert not (w * 2).requires_grad
        with tc.enable_grad():
            assert (w * 2).requires_grad
        assert not tc.is_grad_enabled()
    assert tc.is_grad_enabled()

    @tc.no_grad()
    def f(t):
        return t * 2

    @tc.no_grad
    def g(t, depth=2):  # recursion through one decorator instance
        return g(t, depth - 1) if depth else t * 2

    assert not f(w).requires_grad and not g(w).requires_grad
    assert tc.is_grad_enabled()


def test_no_grad_restores_state_after_an_exception():
    with pytest.raises(ValueError, match="boom"):
        with tc.no_grad():
            raise ValueError("boom")
    assert tc.is_grad_enabled()


def test_set_grad_enabled_as_call_and_context():
    with tc.set_grad_enabled(False):
        assert not tc.is_grad_enabled()
    assert tc.is_grad_enabled()
    tc.set_grad_enabled(False)
    try:
        assert not (Tensor([1.0], requires_grad=True) * 2).requires_grad
    finally:
        tc.set_grad_enabled(True)


def test_detach_and_requires_grad_():
    x = Tensor([1.0, 2.0], requires_grad=True)
    y = (x * 2).detach()
    assert not y.requires_grad and y.grad_fn is None
    z = Tensor([1.0]).requires_grad_()
    assert z.requires_grad and z.is_leaf
    (z * y[0]).sum().backward()
    assert z.grad.tolist() == [2.0] and x.grad is None


def test_hook_can_replace_gradient_and_be_removed():
    x, tx = pair(np.array([1.0, 2.0]))
    handle = x.register_hook(lambda g: g * 10)
    tx.register_hook(lambda g: g * 10)
    (x * x).sum().backward()
    (tx * tx).sum().backward()
    assert_grads_close([x], [tx])
    handle.remove()
    x.grad = None
    (x * x).sum().backward()
    assert x.grad.tolist() == [2.0, 4.0]


def test_hook_on_intermediate_sees_and_changes_its_gradient():
    seen = []
    x, tx = pair(np.array([1.0, -2.0]))
    for t, m in ((x, tc), (tx, torch)):
        y = t * 3
        y.register_hook(lambda g: seen.append(np.asarray(g.detach()).copy()) or g * 2)
        (y * y).sum().backward()
    np.testing.assert_allclose(seen[0], seen[1])
    assert_grads_close([x], [tx])


def test_retain_grad_keeps_intermediate_gradient():
    x, tx = pair(np.array([1.0, 2.0]))
    y, ty = x * x, tx * tx
    y.retain_grad(); ty.retain_grad()
    (y * 3).sum().backward(); (ty * 3).sum().backward()
    assert_close(y.grad, ty.grad)
    assert_grads_close([x], [tx])
    assert (x * 2).grad is None


def test_backward_with_explicit_gradient():
    x, tx = pair(np.array([1.0, 2.0, 3.0]))
    g = np.array([0.1, -1.0, 2.0])
    (x * x).backward(Tensor(g))
    (tx * tx).backward(torch.tensor(g))
    assert_grads_close([x], [tx])


def test_ops_on_tensors_without_grad_record_nothing():
    a = Tensor([1.0, 2.0])
    y = a * 2 + 1
    assert not y.requires_grad and y.grad_fn is None and y.is_leaf


def test_grad_fn_and_is_leaf():
    x = Tensor([1.0], requires_grad=True)
    y = x * 2
    assert x.is_leaf and not y.is_leaf
    assert y.grad_fn is not None and "Mul" in repr(y.grad_fn)


def test_anomaly_mode_is_off_by_default_and_nan_flows():
    x = Tensor([0.0], requires_grad=True)
    x.sqrt().sum().backward()  # inf gradient, no error without anomaly detection
    assert np.isinf(x.grad.numpy()[0])
    assert not STATE.detect_anomaly


def test_integer_leaf_in_a_graph_gets_no_gradient():
    x = Tensor([1.0, 2.0], requires_grad=True)
    i = Tensor([3, 4], dtype="int64")
    (x * i).sum().backward()
    assert x.grad.tolist() == [3.0, 4.0] and i.grad is None


def test_sibling_gradients_of_one_add_are_separate_arrays():
    # AddBackward hands the same array to both parents: neither may take it over as is
    a, b = Tensor([1.0, 2.0], requires_grad=True), Tensor([3.0, 4.0], requires_grad=True)
    (a + b).sum().backward()
    assert not np.shares_memory(a.grad._data, b.grad._data)
    a.grad._data += 5
    assert b.grad.tolist() == [1.0, 1.0]


def test_hook_result_is_copied_into_grad():
    x = Tensor([1.0, 2.0], requires_grad=True)
    replacement = Tensor([7.0, 8.0])
    x.register_hook(lambda g: replacement)
    (x * 1.0).sum().backward()
    x.grad._data += 1
    assert replacement.tolist() == [7.0, 8.0] and x.grad.tolist() == [8.0, 9.0]


def test_backward_gradient_argument_is_copied_into_a_leaf_grad():
    x = Tensor([1.0, 2.0], requires_grad=True)
    seed = Tensor([3.0, 4.0])
    x.backward(seed)
    x.grad._data += 1
    assert seed.tolist() == [3.0, 4.0]


def test_retained_graph_accumulates_into_taken_over_gradient():
    x = Tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
    y = (x * x).sum()
    y.backward(retain_graph=True)
    y.backward()
    np.testing.assert_allclose(x.grad._data, 4 * x._data)


def test_unshared_input_gradient_becomes_grad_without_a_copy(monkeypatch):
    # conv's input gradient is only the walk's: it becomes x.grad as is (a copy of
    # a large one costs ~1 ms), as PyTorch does
    import tinygrad_cnn.ops.conv2d as conv_op
    from tinygrad_cnn.nn import functional as F

    produced = []
    original = conv_op.conv_backward

    def spy(*args, **kwargs):
        grads = original(*args, **kwargs)
        produced.append(id(grads[0]))  # an id, not a reference (that would share it)
        return grads

    monkeypatch.setattr(conv_op, "conv_backward", spy)
    x = Tensor(np.random.rand(4, 3, 16, 16).astype(np.float32), requires_grad=True)
    w = Tensor(np.random.rand(5, 3, 3, 3).astype(np.float32), requires_grad=True)
    F.conv2d(x, w, padding=1).sum().backward()
    assert id(x.grad._data) == produced[-1]
