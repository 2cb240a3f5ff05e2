"""nn.Module mechanics: registration, traversal, state dicts, modes, freezing, casting, repr."""
from collections import OrderedDict

import numpy as np
import pytest
import torch

import tinygrad_cnn as tg
import tinygrad_cnn as tc
from tinygrad_cnn import nn


class TinyNet(nn.Module):
    """The same small model is defined for torch below (same attribute names)."""

    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(4, 3)
        self.bn = nn.BatchNorm1d(3)
        self.head = nn.Sequential(nn.ReLU(), nn.Dropout(0.2), nn.Linear(3, 2, bias=False))

    def forward(self, x):
        return self.head(self.bn(self.fc1(x)))


class TorchTinyNet(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = torch.nn.Linear(4, 3)
        self.bn = torch.nn.BatchNorm1d(3)
        self.head = torch.nn.Sequential(torch.nn.ReLU(), torch.nn.Dropout(0.2),
                                        torch.nn.Linear(3, 2, bias=False))


# ----- registration ------------------------------------------------------------------------
def test_named_parameters_and_buffers_match_torch_names_and_shapes():
    ours, theirs = TinyNet(), TorchTinyNet()
    assert [(n, p.shape) for n, p in ours.named_parameters()] == \
        [(n, tuple(p.shape)) for n, p in theirs.named_parameters()]
    assert [n for n, _ in ours.named_buffers()] == [n for n, _ in theirs.named_buffers()]
    assert list(ours.state_dict()) == list(theirs.state_dict())


def test_named_modules_and_children_match_torch():
    ours, theirs = TinyNet(), TorchTinyNet()
    assert [n for n, _ in ours.named_modules()] == [n for n, _ in theirs.named_modules()]
    assert [n for n, _ in ours.named_children()] == ["fc1", "bn", "head"]
    assert [type(m).__name__ for m in ours.children()] == ["Linear", "BatchNorm1d",
                                                           "Sequential"]
    assert len(list(ours.modules())) == 7


def test_shared_parameter_is_listed_once():
    shared = nn.Linear(2, 2)
    net = nn.Sequential(shared, nn.ReLU(), shared)
    assert len(list(net.parameters())) == 2
    assert [n for n, _ in net.named_parameters()] == ["0.weight", "0.bias"]


def test_register_parameter_buffer_and_add_module():
    m = nn.Module()
    m.register_parameter("w", nn.Parameter(tg.ones(2)))
    m.register_buffer("stats", tg.zeros(2))
    m.register_buffer("scratch", tg.zeros(1), persistent=False)
    m.add_module("inner", nn.Linear(1, 1))
    m.plain = tg.ones(3)  # a plain Tensor attribute is neither a parameter nor a buffer
    assert [n for n, _ in m.named_parameters()] == ["w", "inner.weight", "inner.bias"]
    assert [n for n, _ in m.named_buffers()] == ["stats", "scratch"]
    assert list(m.state_dict()) == ["w", "stats", "inner.weight", "inner.bias"]
    assert m.w is m._parameters["w"] and m.inner is m._modules["inner"]


def test_assignment_errors_and_attribute_error():
    lin = nn.Linear(2, 2)
    with pytest.raises(TypeError, match="cannot assign 'Tensor' as parameter 'weight'"):
        lin.weight = tg.zeros(2, 2)
    with pytest.raises(TypeError, match="nn.Parameter or None required"):
        lin.register_parameter("extra", tg.zeros(1))
    with pytest.raises(KeyError, match=r'contain "\." .*"a\.b"'):
        lin.register_buffer("a.b", tg.zeros(1))
    with pytest.raises(AttributeError, match="'Linear' object has no attribute 'nope'"):
        lin.nope
    lin.bias = None  # allowed, like bias=False
    assert [n for n, _ in lin.named_parameters()] == ["weight"]


def test_reassigning_replaces_and_delattr_unregisters():
    m = nn.Module()
    m.layer = nn.Linear(2, 2)
    m.layer = nn.Parameter(tg.zeros(1))  # now a parameter, no longer a module
    assert list(m.children()) == [] and [n for n, _ in m.named_parameters()] == ["layer"]
    del m.layer
    assert list(m.parameters()) == []


def test_forward_hook_sees_output_and_can_be_removed():
    seen = []
    relu = nn.ReLU()
    handle = relu.register_forward_hook(lambda mod, inp, out: seen.append(out.tolist()))
    relu(tg.tensor([-1.0, 1.0]))
    handle.remove()
    relu(tg.tensor([2.0]))
    assert seen == [[0.0, 1.0]]


def test_module_without_forward_raises():
    with pytest.raises(NotImplementedError, match="Module has no forward"):
        nn.Module()(tg.zeros(1))


# ----- state dict --------------------------------------------------------------------------
def test_state_dict_round_trip_and_values_are_copies():
    a, b = TinyNet(), TinyNet()
    sd = a.state_dict()
    assert all(isinstance(v, tc.Tensor) and not v.requires_grad for v in sd.values())
    copy = sd["fc1.weight"].clone()  # values behave like torch's: clone, shape, numpy
    assert copy.shape == sd["fc1.weight"].shape == a.fc1.weight.shape
    with tc.no_grad():
        a.fc1.weight += 1  # a snapshot: later changes do not leak into the saved dict
    assert not np.array_equal(sd["fc1.weight"].numpy(), a.fc1.weight.detach().numpy())
    np.testing.assert_array_equal(copy.numpy(), sd["fc1.weight"].numpy())
    assert b.load_state_dict({k: v.numpy() for k, v in sd.items()}).missing_keys == []
    result = b.load_state_dict(sd)
    assert result.missing_keys == [] and result.unexpected_keys == []
    for name, value in b.state_dict().items():
        np.testing.assert_array_equal(value, sd[name])


def test_load_torch_state_dict_keeps_our_dtype_and_objects():
    ours, theirs = TinyNet(), TorchTinyNet().double()
    weight = ours.fc1.weight
    ours.load_state_dict(theirs.state_dict())
    assert ours.fc1.weight is weight and weight.dtype == np.float32
    np.testing.assert_allclose(weight._data, theirs.fc1.weight.detach().numpy(), rtol=1e-6)
    assert ours.bn.num_batches_tracked.dtype == np.int64


def test_strict_load_names_missing_and_unexpected_keys():
    net = TinyNet()
    sd = net.state_dict()
    del sd["fc1.bias"]
    sd["fc9.weight"] = np.zeros(1)
    with pytest.raises(RuntimeError, match=r'Missing key\(s\) in state_dict: "fc1.bias"'):
        net.load_state_dict(sd)
    with pytest.raises(RuntimeError, match=r'Unexpected key\(s\) in state_dict: "fc9.weight"'):
        net.load_state_dict(sd)
    result = net.load_state_dict(sd, strict=False)
    assert result.missing_keys == ["fc1.bias"] and result.unexpected_keys == ["fc9.weight"]


def test_load_shape_mismatch_names_key_and_both_shapes_even_when_not_strict():
    net = TinyNet()
    sd = net.state_dict()
    sd["head.2.weight"] = np.zeros((5, 3), np.float32)
    message = (r"size mismatch for head.2.weight: copying a param with shape \(5, 3\) from "
               r"checkpoint, the shape in current model is \(2, 3\)")
    for strict in (True, False):
        with pytest.raises(RuntimeError, match=message):
            net.load_state_dict(sd, strict=strict)


# ----- modes, gradients, freezing ----------------------------------------------------------
def test_train_eval_propagate_to_all_modules():
    net = TinyNet()
    assert net.eval() is net
    assert not any(m.training for m in net.modules())
    net.train()
    assert all(m.training for m in net.modules())
    net.head.eval()
    assert net.training and not net.head[1].training


def test_zero_grad_sets_grads_to_none_or_zero():
    net = TinyNet()
    net(tg.randn(5, 4)).sum().backward()
    assert all(p.grad is not None for p in net.parameters())
    net.zero_grad(set_to_none=False)
    assert all(not p.grad._data.any() for p in net.parameters())
    net.zero_grad()
    assert all(p.grad is None for p in net.parameters())


def test_freezing_for_transfer_learning():
    net = TinyNet()
    net.fc1.requires_grad_(False)
    assert net.num_parameters() == 15 + 6 + 6
    assert net.num_parameters(only_trainable=True) == 6 + 6
    net(tg.randn(5, 4)).sum().backward()
    assert net.fc1.weight.grad is None and net.fc1.bias.grad is None
    assert net.head[2].weight.grad is not None


def test_apply_visits_children_first_then_self():
    net = TinyNet()
    order = []
    assert net.apply(lambda m: order.append(type(m).__name__)) is net
    assert order == ["Linear", "BatchNorm1d", "ReLU", "Dropout", "Linear", "Sequential",
                     "TinyNet"]
    net.apply(lambda m: nn.init.zeros_(m.weight) if isinstance(m, nn.Linear) else None)
    assert not net.fc1.weight._data.any()


def test_to_double_and_float_cast_in_place():
    net = TinyNet()
    weight = net.fc1.weight
    assert net.double() is net
    assert weight is net.fc1.weight and weight.dtype == np.float64
    assert net.bn.running_mean.dtype == np.float64
    assert net.bn.num_batches_tracked.dtype == np.int64  # integer buffers are not cast
    assert net(tg.randn(3, 4, dtype=np.float64)).dtype == np.float64
    net.to(dtype=tg.float32)
    assert all(p.dtype == np.float32 for p in net.parameters())
    with pytest.raises(TypeError, match="floating point"):
        net.to(tg.int64)


# ----- repr --------------------------------------------------------------------------------
def test_repr_matches_torch():
    assert repr(TinyNet()) == repr(TorchTinyNet()).replace("TorchTinyNet", "TinyNet")


def test_summary_counts_parameters():
    net = TinyNet()
    net.fc1.requires_grad_(False)
    assert net.summary().endswith("Parameters: 27 (trainable: 12)")
    assert net.summary().startswith(repr(net))


def test_get_submodule():
    net = TinyNet()
    assert net.get_submodule("head.2") is net.head[2]
    with pytest.raises(AttributeError, match="no submodule `nope`"):
        net.get_submodule("head.nope")


# ----- containers --------------------------------------------------------------------------
def test_sequential_indexing_len_iteration_and_ordered_dict():
    seq = nn.Sequential(OrderedDict([("conv", nn.Identity()), ("act", nn.ReLU())]))
    assert len(seq) == 2 and [n for n, _ in seq.named_children()] == ["conv", "act"]
    assert isinstance(seq[-1], nn.ReLU) and isinstance(seq[0], nn.Identity)
    assert [type(m).__name__ for m in seq] == ["Identity", "ReLU"]
    assert isinstance(seq[1:], nn.Sequential) and len(seq[1:]) == 1
    seq.add_module("out", nn.Tanh())
    assert seq(tg.tensor([-1.0, 0.5])).tolist() == pytest.approx([0.0, np.tanh(0.5)])
    with pytest.raises(IndexError, match="out of range"):
        seq[3]


def test_module_list_registers_parameters():
    layers = nn.ModuleList([nn.Linear(2, 2)])
    layers.append(nn.Linear(2, 3))
    layers += [nn.ReLU()]
    layers.insert(0, nn.Identity())
    assert len(layers) == 4 and isinstance(layers[0], nn.Identity)
    assert [n for n, _ in layers.named_parameters()] == ["1.weight", "1.bias", "2.weight",
                                                         "2.bias"]


def test_deepcopy_and_pickle_give_independent_equal_models():
    import copy
    import pickle

    net = TinyNet().eval()
    x = tg.randn(3, 4)
    for clone in (copy.deepcopy(net), pickle.loads(pickle.dumps(net))):
        np.testing.assert_array_equal(clone(x)._data, net(x)._data)
        assert clone.fc1.weight is not net.fc1.weight
        assert isinstance(clone.fc1.weight, nn.Parameter)
