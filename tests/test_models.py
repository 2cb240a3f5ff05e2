"""Ready-made models: same parameter names, counts and outputs as their torch twins."""
import numpy as np
import pytest
import torch

import tinygrad_cnn as tg
from tinygrad_cnn.models import LeNet, SmallCNN, available_models, build_model
from torch_oracle import assert_close, pair


class TorchLeNet(torch.nn.Module):
    """The tutorial CNN written directly in torch (for 28x28, or 8x8 with padding 1)."""

    def __init__(self, padding=0, flat=64 * 5 * 5):
        super().__init__()
        nn = torch.nn
        self.features = nn.Sequential(nn.Conv2d(1, 32, 3, padding=padding), nn.ReLU(),
                                      nn.MaxPool2d(2), nn.Conv2d(32, 64, 3, padding=padding),
                                      nn.ReLU(), nn.MaxPool2d(2))
        self.classifier = nn.Sequential(nn.Flatten(), nn.Linear(flat, 128), nn.ReLU(),
                                        nn.Dropout(0.5), nn.Linear(128, 10))

    def forward(self, x):
        return self.classifier(self.features(x))


class TorchSmallCNN(torch.nn.Module):
    def __init__(self):
        super().__init__()
        nn = torch.nn
        self.features = nn.Sequential(nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2))
        self.classifier = nn.Sequential(nn.Flatten(), nn.Linear(16 * 4 * 4, 10))

    def forward(self, x):
        return self.classifier(self.features(x))


TWINS = {
    "lenet28": (lambda: LeNet(), lambda: TorchLeNet(), 28),
    "lenet8": (lambda: LeNet(image_size=8), lambda: TorchLeNet(padding=1, flat=64 * 2 * 2), 8),
    "small": (lambda: SmallCNN(), TorchSmallCNN, 8),
}


@pytest.mark.parametrize("name", TWINS)
def test_parameter_names_shapes_and_count_match_torch(name):
    ours, theirs = TWINS[name][0](), TWINS[name][1]()
    assert [(n, p.shape) for n, p in ours.named_parameters()] == \
        [(n, tuple(p.shape)) for n, p in theirs.named_parameters()]
    assert ours.num_parameters() == sum(p.numel() for p in theirs.parameters())
    assert repr(ours) == repr(theirs).replace("Torch", "")


def test_lenet_parameter_count_is_the_tutorials():
    # conv 1->32: 320, conv 32->64: 18 496, dense 1600->128: 204 928, dense 128->10: 1 290
    assert LeNet().num_parameters() == 225_034


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("name", TWINS)
def test_eval_forward_and_backward_match_torch(name, dtype):
    build, build_torch, size = TWINS[name]
    theirs = build_torch().to(torch.float64 if dtype == np.float64 else torch.float32).eval()
    ours = build().to(dtype).eval()
    ours.load_state_dict(theirs.state_dict())
    x, tx = pair(np.random.default_rng(0).standard_normal((3, 1, size, size)).astype(dtype))
    out, tout = ours(x), theirs(tx)
    assert out.shape == (3, 10)
    assert_close(out, tout)
    out.sum().backward(), tout.sum().backward()
    assert_close(x.grad, tx.grad)
    assert_close(ours.features[0].weight.grad, theirs.features[0].weight.grad)


def test_lenet_options_and_training_mode_dropout():
    net = LeNet(num_classes=3, in_channels=3, image_size=(32, 16))
    x = tg.randn(2, 3, 32, 16)
    assert net(x).shape == (2, 3)
    net.eval()
    np.testing.assert_array_equal(net(x)._data, net(x)._data)  # eval: deterministic
    net.train()
    assert not np.array_equal(net(x)._data, net(x)._data)  # dropout draws new masks


def test_too_small_image_is_a_clear_error():
    with pytest.raises(ValueError, match="image_size=8 is too small for this model"):
        LeNet(image_size=8, padding=0)


def test_build_model_registry():
    assert available_models() == ["lenet", "small"]
    assert isinstance(build_model("lenet", image_size=8), LeNet)
    assert build_model("small", num_classes=4).classifier[1].out_features == 4
    with pytest.raises(ValueError, match="unknown model 'vgg'; choose one of: lenet, small"):
        build_model("vgg")
