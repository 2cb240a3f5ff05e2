"""nn.utils.clip_grad_norm_/clip_grad_value_ and nn.ModuleDict against torch."""
import numpy as np
import pytest
import torch
from hypothesis import given, settings, strategies as st

from tinygrad_cnn import Tensor, nn

shapes = st.lists(st.tuples(st.integers(1, 4), st.integers(1, 5)), min_size=1, max_size=4)


def grads_pair(shapes_, seed, dtype, scale):
    """Parameters with the same gradients for us and torch (one without a gradient)."""
    rng = np.random.default_rng(seed)
    ours, theirs = [], []
    for shape in shapes_:
        g = (rng.standard_normal(shape) * scale).astype(dtype)
        p, tp = Tensor(np.zeros(shape, dtype), requires_grad=True), torch.zeros(
            shape, dtype=getattr(torch, np.dtype(dtype).name), requires_grad=True)
        p.grad, tp.grad = Tensor(g.copy()), torch.from_numpy(g.copy())
        ours.append(p), theirs.append(tp)
    ours.append(Tensor(np.zeros(2, dtype), requires_grad=True))  # no .grad: skipped
    theirs.append(torch.zeros(2, dtype=theirs[0].dtype, requires_grad=True))
    return ours, theirs


@settings(max_examples=40, deadline=None)
@given(shapes_=shapes, seed=st.integers(0, 999), dtype=st.sampled_from([np.float32, np.float64]),
       norm_type=st.sampled_from([2.0, 1.0, 3.0, float("inf")]),
       max_norm=st.sampled_from([0.1, 1.0, 1e3]), scale=st.sampled_from([0.01, 1.0, 10.0]))
def test_clip_grad_norm_matches_torch(shapes_, seed, dtype, norm_type, max_norm, scale):
    ours, theirs = grads_pair(shapes_, seed, dtype, scale)
    total = nn.utils.clip_grad_norm_(ours, max_norm, norm_type=norm_type)
    ttotal = torch.nn.utils.clip_grad_norm_(theirs, max_norm, norm_type=norm_type)
    rtol = 1e-5 if dtype == np.float32 else 1e-12
    assert total.dtype == np.dtype(dtype) and total.shape == ()
    np.testing.assert_allclose(total.numpy(), ttotal.numpy(), rtol=rtol)
    for p, tp in zip(ours[:-1], theirs[:-1]):
        np.testing.assert_allclose(p.grad.numpy(), tp.grad.numpy(), rtol=rtol, atol=1e-30)
    assert ours[-1].grad is None


@settings(max_examples=20, deadline=None)
@given(shapes_=shapes, seed=st.integers(0, 999), clip=st.sampled_from([0.01, 0.5, 2.0]))
def test_clip_grad_value_matches_torch(shapes_, seed, clip):
    ours, theirs = grads_pair(shapes_, seed, np.float32, 1.0)
    assert nn.utils.clip_grad_value_(ours, clip) is None
    torch.nn.utils.clip_grad_value_(theirs, clip)
    for p, tp in zip(ours[:-1], theirs[:-1]):
        np.testing.assert_array_equal(p.grad.numpy(), tp.grad.numpy())


def test_clip_accepts_a_single_tensor_and_a_generator():
    ours, theirs = grads_pair([(3,)], 0, np.float64, 5.0)
    assert float(nn.utils.clip_grad_norm_(ours[0], 1.0)) == pytest.approx(
        float(torch.nn.utils.clip_grad_norm_(theirs[0], 1.0)))
    net = nn.Linear(3, 2)
    net(Tensor(np.ones((1, 3), np.float32))).sum().backward()
    assert float(nn.utils.clip_grad_norm_(net.parameters(), 1.0)) > 0


def test_non_finite_norm_errors_like_torch_when_asked():
    ours, theirs = grads_pair([(2,)], 0, np.float32, 1.0)
    ours[0].grad.numpy()[0], theirs[0].grad[0] = np.inf, np.inf
    with pytest.raises(RuntimeError, match="is non-finite, so it cannot be clipped"):
        torch.nn.utils.clip_grad_norm_(theirs, 1.0, error_if_nonfinite=True)
    with pytest.raises(RuntimeError, match="is non-finite, so it cannot be clipped"):
        nn.utils.clip_grad_norm_(ours, 1.0, error_if_nonfinite=True)


def test_no_gradients_give_a_zero_norm_like_torch():
    assert float(nn.utils.clip_grad_norm_([Tensor([1.0], requires_grad=True)], 1.0)) == \
        float(torch.nn.utils.clip_grad_norm_([torch.ones(1, requires_grad=True)], 1.0)) == 0.0


# ----- ModuleDict -----------------------------------------------------------------------
def both(**kinds):
    """The same ModuleDict operations applied to ours and torch's."""
    return (nn.ModuleDict({k: getattr(nn, v)() for k, v in kinds.items()}),
            torch.nn.ModuleDict({k: getattr(torch.nn, v)() for k, v in kinds.items()}))


def describe(d):
    return [(k, type(m).__name__) for k, m in d.items()], list(d), len(d), "a" in d


def test_moduledict_behaves_like_torchs_through_edits():
    ours, theirs = both(b="ReLU", a="Tanh")
    for d, lib in ((ours, nn), (theirs, torch.nn)):
        d["c"] = lib.Sigmoid()
        d.update([("a", lib.ReLU()), ("z", lib.Tanh())])
        d.update({"y": lib.Identity()})
        del d["b"]
        assert type(d.pop("z")).__name__ == "Tanh"
    assert describe(ours) == describe(theirs)
    assert [type(m).__name__ for m in ours.values()] == [type(m).__name__ for m in theirs.values()]
    ours.clear(); theirs.clear()
    assert describe(ours) == describe(theirs)


def test_moduledict_registers_parameters_under_its_keys_like_torch():
    ours = nn.ModuleDict({"enc": nn.Linear(2, 3), "dec": nn.Linear(3, 2)})
    theirs = torch.nn.ModuleDict({"enc": torch.nn.Linear(2, 3), "dec": torch.nn.Linear(3, 2)})
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert [n for n, _ in ours.named_parameters()] == [n for n, _ in theirs.named_parameters()]


@pytest.mark.parametrize("action, error", [
    (lambda d: d["missing"], KeyError),
    (lambda d: d.update(5), TypeError),
    (lambda d: d.update([("a",)]), ValueError),
])
def test_moduledict_errors_like_torch(action, error):
    ours, theirs = both(a="ReLU")
    with pytest.raises(error) as t:
        action(theirs)
    with pytest.raises(error) as o:
        action(ours)
    assert str(o.value) == str(t.value)


def test_moduledict_refuses_a_dotted_key_naming_it():
    with pytest.raises(KeyError, match=r'contain.*b\.c'):
        nn.ModuleDict({"b.c": nn.ReLU()})


def test_moduledict_refuses_a_non_module():
    with pytest.raises(TypeError, match="int is not a Module subclass"):
        nn.ModuleDict({"a": 3})
