"""Tensor construction, dtype rules, constructors, numpy interop, repr."""
import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import tinygrad_cnn as tc
from tinygrad_cnn import Tensor


def torch_dtype_name(t: torch.Tensor) -> str:
    return str(t.dtype).replace("torch.", "")


@pytest.mark.parametrize("data", [1.5, 2, True, [1.0, 2.0], [1, 2], [[1, 2.5]], [True, False],
                                  np.array([1.0]), np.array([1.0], np.float32),
                                  np.array([1, 2], np.int32), np.float64(2.0), []],
                         ids=repr)
def test_constructor_dtype_matches_torch_tensor(data):
    ours, theirs = tc.tensor(data), torch.tensor(data)
    assert ours.dtype == np.dtype(torch_dtype_name(theirs))
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
    if isinstance(data, list):  # torch.Tensor(2) is a tensor *of size* 2
        ours, theirs = Tensor(data), torch.Tensor(data)  # the class: the default float dtype
        assert ours.dtype == np.dtype(torch_dtype_name(theirs))
        np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


@given(arr=hnp.arrays(st.sampled_from([np.float32, np.float64, np.int64]),
                      hnp.array_shapes(min_dims=0, max_side=4)))
def test_numpy_arrays_keep_dtype_and_share_memory(arr):
    t = Tensor(arr)
    assert t.dtype == arr.dtype and t.shape == arr.shape
    assert np.shares_memory(t.numpy(), arr) or arr.size == 0
    f = tc.from_numpy(arr)
    assert f.dtype == arr.dtype and np.asarray(f) is arr


def test_explicit_dtype_and_casts():
    t = Tensor([1, 2], dtype=tc.float64)
    assert t.dtype == np.float64
    assert t.float().dtype == np.float32 and t.long().dtype == np.int64
    assert t.to(tc.float32).dtype == np.float32 and t.to("cpu") is t
    assert Tensor([0.5, 1.5]).int().tolist() == [0, 1]


def test_cast_keeps_gradient_in_source_dtype():
    x = Tensor([1.0, 2.0], requires_grad=True)
    y = x.double()
    assert y.requires_grad and y.dtype == np.float64
    (y * y).sum().backward()
    assert x.grad.dtype == np.float32 and x.grad.tolist() == [2.0, 4.0]


def test_properties_like_torch():
    arr = np.arange(24.0).reshape(2, 3, 4)
    ours, theirs = Tensor(arr), torch.tensor(arr)
    assert ours.shape == tuple(theirs.shape) and ours.ndim == theirs.ndim
    assert ours.size() == tuple(theirs.size()) and ours.size(1) == theirs.size(1)
    assert ours.size(-1) == 4 and ours.numel() == theirs.numel() and len(ours) == 2
    assert ours.dim() == 3 and tc.numel(ours) == 24
    m = Tensor([[1.0, 2.0, 3.0]])
    assert m.T.shape == (3, 1) and m.T.tolist() == [[1.0], [2.0], [3.0]]


def test_item_and_python_conversions():
    assert Tensor(2.5).item() == 2.5 and isinstance(Tensor(2.5).item(), float)
    assert tc.tensor([[3]]).item() == 3 and isinstance(tc.tensor([3]).item(), int)
    assert float(Tensor([1.5])) == 1.5 and int(Tensor(4)) == 4 and bool(Tensor([1.0]))
    assert Tensor([1, 2], dtype="int64").tolist() == [1, 2]
    assert [t.item() for t in Tensor([1.0, 2.0])] == [1.0, 2.0]


def test_np_asarray_and_numpy():
    t = Tensor([1.0, 2.0])
    assert np.asarray(t) is t._data and t.numpy() is t._data
    assert np.asarray(t, dtype=np.float64).dtype == np.float64
    assert isinstance((Tensor(1.0) + Tensor(2.0)).numpy(), np.ndarray)  # 0-d stays an array
    with pytest.raises(RuntimeError, match="requires grad.*detach"):
        Tensor([1.0], requires_grad=True).numpy()


@pytest.mark.parametrize("name", ["zeros", "ones", "randn", "rand"])
def test_shape_constructors(name):
    for args in [(2, 3), ((2, 3),), ([4],)]:
        t = getattr(tc, name)(*args)
        assert t.shape == tuple(getattr(torch, name)(*args).shape) and t.dtype == np.float32
    t = getattr(tc, name)(2, dtype=tc.float64, requires_grad=True)
    assert t.dtype == np.float64 and t.requires_grad and t.is_leaf


def test_constructor_values_match_torch():
    pairs = [
        (tc.zeros(2, 2), torch.zeros(2, 2)), (tc.ones(3), torch.ones(3)),
        (tc.full((2, 3), 7.0), torch.full((2, 3), 7.0)), (tc.full((2,), 3), torch.full((2,), 3)),
        (tc.arange(5), torch.arange(5)), (tc.arange(1, 7, 2), torch.arange(1, 7, 2)),
        (tc.arange(0, 1, 0.25), torch.arange(0, 1, 0.25)), (tc.eye(3), torch.eye(3)),
        (tc.eye(2, 3), torch.eye(2, 3)), (tc.arange(3, dtype=tc.float64),
                                          torch.arange(3, dtype=torch.float64)),
    ]
    for ours, theirs in pairs:
        assert ours.dtype == np.dtype(torch_dtype_name(theirs))
        np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


def test_like_constructors_follow_the_template():
    x = Tensor(np.ones((2, 3)))  # float64
    for fn, args in [(tc.zeros_like, ()), (tc.ones_like, ()), (tc.randn_like, ()),
                     (tc.rand_like, ()), (tc.full_like, (4.0,))]:
        t = fn(x, *args)
        assert t.shape == (2, 3) and t.dtype == np.float64 and not t.requires_grad
    assert tc.zeros_like(x, dtype=tc.float32).dtype == np.float32
    assert tc.full_like(x, 4.0).tolist() == [[4.0] * 3] * 2


def test_random_is_seeded_and_distributed():
    tc.manual_seed(3)
    a = tc.randn(2000)
    tc.manual_seed(3)
    assert np.array_equal(a.numpy(), tc.randn(2000).numpy())
    assert abs(a.numpy().mean()) < 0.1 and abs(a.numpy().std() - 1) < 0.1
    u = tc.rand(2000).numpy()
    assert u.min() >= 0 and u.max() < 1 and abs(u.mean() - 0.5) < 0.05


def test_repr_like_torch():
    assert repr(Tensor([1.0, 2.0])) == repr(torch.tensor([1.0, 2.0]))
    assert repr(Tensor([1, 2], dtype="int64")) == repr(torch.tensor([1, 2]))
    assert repr(Tensor(3.5)) == repr(torch.tensor(3.5))
    assert repr(Tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)) == \
        repr(torch.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True))
    assert repr(Tensor([0.25])) == "tensor([0.2500])"
    assert repr(Tensor(np.array([1.5]))) == "tensor([1.5000], dtype=float64)"
    assert repr(Tensor([1.0], requires_grad=True) * 2) == "tensor([2.], grad_fn=<MulBackward>)"


def test_repr_html_for_jupyter():
    html = (Tensor([[1.0, 3.0]], requires_grad=True) * 2)._repr_html_()
    assert "shape=(1, 2)" in html and "float32" in html and "grad_fn=Mul" in html
    assert "min=2" in html and "max=6" in html and "<pre>" in html
    assert "tensor(" in Tensor([True])._repr_html_()


def test_tensor_from_tensor_and_tc_tensor_copies():
    a = Tensor([1.0, 2.0])
    b = tc.tensor(a)
    b._data[0] = 9
    assert a.tolist() == [1.0, 2.0]
    assert tc.tensor([1, 2]).dtype == np.int64 and tc.tensor([1.0]).dtype == np.float32
    assert tc.is_tensor(a) and not tc.is_tensor(a._data)


def test_set_default_dtype_changes_python_float_dtype():
    try:
        tc.set_default_dtype(tc.float64)
        assert Tensor([1.0]).dtype == np.float64 and tc.zeros(1).dtype == np.float64
    finally:
        tc.set_default_dtype(tc.float32)
    assert Tensor([1.0]).dtype == np.float32


def test_set_num_threads_controls_blas_like_torch():
    import tinygrad_cnn

    before = tinygrad_cnn.get_num_threads()
    try:
        tinygrad_cnn.set_num_threads(1)
        assert tinygrad_cnn.get_num_threads() in (1, before)  # (before: no OpenBLAS found)
    finally:
        tinygrad_cnn.set_num_threads(before)
    assert tinygrad_cnn.get_num_threads() == before
    with pytest.raises(ValueError):
        tinygrad_cnn.set_num_threads(0)
