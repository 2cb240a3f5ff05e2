"""Devices on the Tensor, as PyTorch's CPU build has them: `.to(...)` in all its forms,
`.cpu()`, `.cuda()` refused clearly, `device=` and `size=` on every constructor."""
import numpy as np
import pytest
import torch

import tinygrad_cnn as tg

CONSTRUCTORS = {
    "zeros": lambda m, **kw: m.zeros(2, 3, **kw), "ones": lambda m, **kw: m.ones((2,), **kw),
    "full": lambda m, **kw: m.full((2, 2), 1.5, **kw),
    "randn": lambda m, **kw: m.randn(size=(2, 3), **kw),
    "rand": lambda m, **kw: m.rand(size=(4,), **kw), "empty": lambda m, **kw: m.empty(3, **kw),
    "tensor": lambda m, **kw: m.tensor([1, 2], **kw), "arange": lambda m, **kw: m.arange(5, **kw),
    "eye": lambda m, **kw: m.eye(3, **kw),
    "linspace": lambda m, **kw: m.linspace(-1, 1, 9, **kw),
    "randint": lambda m, **kw: m.randint(0, 5, (3,), **kw),
    "zeros_like": lambda m, **kw: m.zeros_like(m.ones(2), **kw),
    "ones_like": lambda m, **kw: m.ones_like(m.ones(2), **kw),
    "full_like": lambda m, **kw: m.full_like(m.ones(2), 3, **kw),
    "rand_like": lambda m, **kw: m.rand_like(m.ones(2), **kw),
    "randn_like": lambda m, **kw: m.randn_like(m.ones(2), **kw),
    "empty_like": lambda m, **kw: m.empty_like(m.ones(2), **kw),
    "new_zeros": lambda m, **kw: m.ones(1, dtype=m.float64).new_zeros(2, **kw),
}


@pytest.mark.parametrize("name", sorted(CONSTRUCTORS))
def test_constructors_take_device_and_match_torchs_shape_and_dtype(name):
    make = CONSTRUCTORS[name]
    for device in ("cpu", tg.device("cpu"), None):
        ours = make(tg, device=device)
        theirs = make(torch, device=device if not isinstance(device, tg.device) else "cpu")
        assert ours.shape == tuple(theirs.shape) and ours.device == tg.device("cpu")
        assert str(ours.dtype) == str(theirs.dtype).replace("torch.", "")
    with pytest.raises(RuntimeError, match="cannot use device 'cuda'.*CPU only"):
        make(tg, device="cuda")


def test_deterministic_constructors_match_torchs_values():
    for name in ("zeros", "ones", "full", "tensor", "arange", "eye", "linspace", "new_zeros"):
        np.testing.assert_allclose(CONSTRUCTORS[name](tg).numpy(),
                                   CONSTRUCTORS[name](torch).numpy(), rtol=1e-6)


def test_to_reads_a_device_a_dtype_a_tensor_and_keywords_as_torch():
    t = tg.tensor([1.5, -2.0])
    assert t.to("cpu") is t and t.to(tg.device("cpu")) is t and t.cpu() is t
    assert t.to("cpu", copy=True) is not t
    assert t.to(tg.float64).dtype == np.float64
    assert t.to("cpu", tg.float64).dtype == np.float64
    assert t.to(device="cpu", dtype=tg.int64).tolist() == [1, -2]
    assert t.to(tg.tensor([1], dtype=tg.int32)).dtype == np.int32
    assert t.device == tg.device("cpu") and str(t.device) == "cpu" and not t.is_cuda
    for call in (lambda: t.to("cuda"), lambda: t.cuda(), lambda: t.to(tg.device("cuda", 0)),
                 lambda: tg.nn.Linear(1, 1).cuda()):
        with pytest.raises(RuntimeError, match="CPU only"):
            call()


def test_to_keeps_the_graph_for_float_casts():
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    x.to(tg.float64).sum().backward()
    assert x.grad.tolist() == [1.0, 1.0] and x.grad.dtype == np.float32


def test_size_keyword_and_the_class_constructor_match_torch():
    assert tg.zeros(size=(2, 3)).shape == tuple(torch.zeros(size=(2, 3)).shape)
    with pytest.raises(TypeError, match="size"):
        tg.zeros(2, size=(2, 3))
    assert tg.Tensor([1, 2]).dtype == np.float32 == tg.Tensor([True]).dtype
    assert tg.tensor([1, 2]).dtype == np.int64
