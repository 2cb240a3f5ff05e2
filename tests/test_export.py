"""export.to_torch against our forward; export.to_onnx run in ONNX Runtime against ours."""
import numpy as np
import onnxruntime as ort
import pytest
import torch

import tinygrad_cnn as tg
from tinygrad_cnn import nn
from tinygrad_cnn.export import to_onnx, to_torch, torch_state_dict
from tinygrad_cnn.models import LeNet, SmallCNN
from test_layers import residual_block  # a ResNet basic block (3 channels), ours or torch's


class TinyResNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(1, 3, 3, padding=1), nn.BatchNorm2d(3), nn.ReLU())
        self.block = residual_block(nn)
        self.head = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(3, 10))

    def forward(self, x):
        return self.head(self.block(self.stem(x)))


def trained_batch_norm_stats(model):
    """Give batch norms non-trivial running statistics, as after training."""
    model.train()
    with tg.no_grad():
        for _ in range(3):
            model(tg.randn(8, 1, 12, 12) * 2 + 0.5)
    return model.eval()


def ours(model, x):
    with tg.no_grad():
        return model(tg.Tensor(x)).numpy()


def batch(n, size=28, seed=0):
    return np.random.default_rng(seed).standard_normal((n, 1, size, size)).astype(np.float32)


# ----- to_torch --------------------------------------------------------------------------
LAYER_STACK = lambda: nn.Sequential(  # noqa: E731
    nn.Conv2d(1, 4, 3, stride=2, padding=1), nn.BatchNorm2d(4), nn.LeakyReLU(0.2),
    nn.MaxPool2d(2, ceil_mode=True), nn.Conv2d(4, 6, 2, dilation=2), nn.Tanh(),
    nn.AvgPool2d(2, padding=1, count_include_pad=False), nn.Flatten(), nn.Linear(6, 5),
    nn.Sigmoid(), nn.Dropout(0.3), nn.Linear(5, 3), nn.LogSoftmax(dim=1))


@pytest.mark.parametrize("make, size", [(lambda: LeNet(), 28), (lambda: SmallCNN(), 8),
                                        (LAYER_STACK, 12)])
def test_to_torch_computes_the_same_outputs(make, size):
    tg.manual_seed(0)
    model = make()
    if any(isinstance(m, nn.BatchNorm2d) for m in model.modules()):
        trained_batch_norm_stats(model)
    model.eval()
    converted = to_torch(model)
    x = batch(5, size)
    with torch.no_grad():
        theirs = converted(torch.from_numpy(x)).numpy()
    np.testing.assert_allclose(ours(model, x), theirs, atol=1e-5, rtol=1e-5)
    assert converted.training is False
    assert list(converted.state_dict()) == list(model.state_dict())


def test_to_torch_copies_weights_and_keeps_the_mode():
    model = SmallCNN()
    converted = to_torch(model)
    assert converted.training
    with torch.no_grad():
        converted[0][0].weight.zero_()
    assert np.abs(model.features[0].weight.detach().numpy()).sum() > 0


def test_to_torch_of_containers():
    d = nn.ModuleDict({"a": nn.Linear(2, 2), "b": nn.ModuleList([nn.ReLU(), nn.Linear(2, 1)])})
    converted = to_torch(d)
    assert type(converted["b"]).__name__ == "ModuleList"
    np.testing.assert_array_equal(converted["b"][1].weight.detach().numpy(),
                                  d["b"][1].weight.detach().numpy())


def test_to_torch_refuses_custom_forward_code_with_directions():
    with pytest.raises(TypeError, match="cannot convert Block.*torch_state_dict"):
        to_torch(residual_block(nn))

    class MyLinear(nn.Linear):
        def forward(self, x):
            return super().forward(x) * 2

    with pytest.raises(TypeError, match="cannot convert MyLinear"):
        to_torch(nn.Sequential(MyLinear(2, 2)))


def test_torch_state_dict_loads_into_a_hand_written_torch_class():
    model = trained_batch_norm_stats(TinyResNet())

    theirs = torch.nn.Module()
    theirs.stem = to_torch(model.stem)
    theirs.block = residual_block(torch.nn)
    theirs.head = to_torch(model.head)
    theirs.load_state_dict(torch_state_dict(model))
    theirs.eval()
    x = batch(4, 12)
    with torch.no_grad():
        out = theirs.head(theirs.block(theirs.stem(torch.from_numpy(x)))).numpy()
    np.testing.assert_allclose(ours(model, x), out, atol=1e-5, rtol=1e-5)


# ----- to_onnx ---------------------------------------------------------------------------
def run_onnx(path, x):
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    return session.run(None, {"input": x})[0]


@pytest.mark.parametrize("make, size", [(lambda: LeNet(), 28), (TinyResNet, 12),
                                        (LAYER_STACK, 12), (lambda: SmallCNN(), 8)])
def test_onnx_export_runs_in_onnxruntime_like_ours(tmp_path, make, size):
    tg.manual_seed(1)
    model = make()
    trained_batch_norm_stats(model) if size == 12 else model.eval()
    path = tmp_path / "model.onnx"
    to_onnx(model, tg.Tensor(batch(2, size)), path)
    for n in (1, 2, 7):  # the batch dimension is free
        x = batch(n, size, seed=n)
        np.testing.assert_allclose(run_onnx(path, x), ours(model, x), atol=1e-5, rtol=1e-5)
    assert [p.name for p in tmp_path.iterdir()] == ["model.onnx"]


def test_onnx_graph_is_the_recorded_one_with_named_weights():
    model = trained_batch_norm_stats(TinyResNet())
    proto = to_onnx(model, batch(2, 12))
    ops = [n.op_type for n in proto.graph.node]
    assert ops.count("Conv") == 3 and ops.count("BatchNormalization") == 3 and "Add" in ops
    names = {i.name for i in proto.graph.initializer}
    assert {"block.conv1.weight", "block.bn2.running_var", "head.2.bias"} <= names


def test_onnx_export_refuses_training_mode():
    model = TinyResNet()  # train mode: batch statistics
    with pytest.raises(ValueError, match=r"call model.eval\(\) first"):
        to_onnx(model, batch(2, 12))
    with pytest.raises(ValueError, match=r"dropout ran in training mode"):
        to_onnx(nn.Sequential(nn.Linear(3, 3), nn.Dropout()), np.ones((2, 3), np.float32))


def test_onnx_export_names_what_it_cannot_export():
    class Gather(nn.Module):
        def forward(self, x):
            return x[:, [0, 0]]

    class Stack(nn.Module):
        def forward(self, x):
            return tg.where(x > 0, x, x * 2.0)

    with pytest.raises(NotImplementedError, match="basic indexing .* not ndarray indices"):
        to_onnx(Gather(), batch(1, 4))
    with pytest.raises(NotImplementedError, match="cannot export the op Where yet"):
        to_onnx(Stack(), batch(1, 4))


def test_onnx_reductions_and_elementwise_ops():
    class Mix(nn.Module):
        def __init__(self):
            super().__init__()
            self.scale = nn.Parameter(tg.ones(3) * 0.5)

        def forward(self, x):
            y = (x * self.scale).exp().clamp(0.5, 2.0) ** 2 - x.abs().sqrt()
            return y.mean(dim=1, keepdim=True) + y.sum(dim=1, keepdim=True) / 3

    model = Mix().eval()
    x = np.random.default_rng(0).standard_normal((4, 3)).astype(np.float32)
    proto = to_onnx(model, x)
    out = ort.InferenceSession(proto.SerializeToString()).run(None, {"input": x})[0]
    np.testing.assert_allclose(out, ours(model, x), atol=1e-5, rtol=1e-5)


@pytest.mark.parametrize("size", [9, 10])
def test_onnx_pooling_with_ceil_mode_and_padding(size):
    model = nn.Sequential(nn.Conv2d(1, 2, 3), nn.MaxPool2d(2, ceil_mode=True),
                          nn.AvgPool2d(3, stride=2, padding=1, ceil_mode=True),
                          nn.MaxPool2d(2, stride=1, padding=1, dilation=2), nn.Flatten()).eval()
    x = batch(3, size)
    proto = to_onnx(model, x)
    out = ort.InferenceSession(proto.SerializeToString()).run(None, {"input": x})[0]
    np.testing.assert_allclose(out, ours(model, x), atol=1e-5, rtol=1e-5)


def test_missing_optional_packages_are_named(monkeypatch):
    import importlib
    real = importlib.import_module

    def without(name, *args):
        if name in ("onnx", "torch"):
            raise ImportError(name)
        return real(name, *args)

    monkeypatch.setattr(importlib, "import_module", without)
    with pytest.raises(ImportError, match=r'pip install "tinygrad_cnn\[onnx\]"'):
        to_onnx(SmallCNN().eval(), batch(1, 8))
    with pytest.raises(ImportError, match="to_torch needs PyTorch"):
        to_torch(SmallCNN())


class Index(nn.Module):
    def __init__(self, index):
        super().__init__()
        self.index = index

    def forward(self, x):
        return x[self.index] * 1.0


@pytest.mark.parametrize("index", [
    (slice(None), slice(None, 2)), (slice(None), 1), (Ellipsis, slice(None, None, 2)),
    (slice(None), None, 2, slice(1, -1), Ellipsis), (slice(None), slice(None, None, -1)),
    (slice(None), slice(3, 0, -2), -1), (slice(1, None),), (Ellipsis, None), (-1,)])
def test_onnx_basic_indexing_matches_numpy_for_any_batch(index):
    model = Index(index)
    proto = to_onnx(model, np.zeros((3, 4, 5, 6), np.float32))
    session = ort.InferenceSession(proto.SerializeToString())
    for n in (3, 5):
        x = np.random.default_rng(n).standard_normal((n, 4, 5, 6)).astype(np.float32)
        np.testing.assert_array_equal(session.run(None, {"input": x})[0], x[index])


def test_onnx_resnet_option_a_shortcut_with_strided_slice_and_pad():
    class Shortcut(nn.Module):  # the CIFAR ResNet paper's parameter-free downsampling
        def forward(self, x):
            return tg.nn.functional.pad(x[:, :, ::2, ::2], (0, 0, 0, 0, 2, 2))

    x = batch(3, 8)
    proto = to_onnx(Shortcut(), x)
    out = ort.InferenceSession(proto.SerializeToString()).run(None, {"input": x})[0]
    np.testing.assert_array_equal(out, ours(Shortcut(), x))


def test_onnx_exports_the_newer_layers_and_ops():
    class Modern(nn.Module):
        def __init__(self):
            super().__init__()
            self.norm = nn.LayerNorm(6)
            self.fc = nn.Linear(6, 6)

        def forward(self, x):
            y = nn.GELU()(self.norm(x)) + nn.GELU(approximate="tanh")(x).flip(1)
            y = nn.SiLU()(self.fc(y)).cumsum(1)
            return tg.einsum("bi,ij->bj", y, self.fc.weight)

    tg.manual_seed(0)
    model = Modern().eval()
    x = np.random.default_rng(0).standard_normal((5, 6)).astype(np.float32)
    proto = to_onnx(model, x)
    ops = {n.op_type for n in proto.graph.node}
    assert {"Erf", "Tanh", "Sigmoid", "Slice", "CumSum", "Einsum"} <= ops
    out = ort.InferenceSession(proto.SerializeToString()).run(None, {"input": x})[0]
    np.testing.assert_allclose(out, ours(model, x), atol=1e-5, rtol=1e-5)
    with pytest.raises(NotImplementedError, match="cannot export the op Prod yet"):
        to_onnx(type("P", (nn.Module,), {"forward": lambda self, x: x.prod(1)})(), x)
