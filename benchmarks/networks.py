"""Real networks for the model-level benchmark, built from either library's `nn`.

Because tinygrad_cnn mirrors PyTorch's API, one builder makes both twins: `build(name,
nn)` with `nn` = `tinygrad_cnn.nn` or `torch.nn`. Every network is a `Sequential` of
named top-level layers (a ResNet block is one layer), so the per-layer breakdown can run
each layer on its own.
"""
from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from typing import Any, Callable, Dict, List, Tuple


@dataclass(frozen=True)
class Network:
    name: str
    description: str
    input_shape: Tuple[int, int, int]    # (C, H, W)
    batch: int
    data: str                            # "mnist": real images when present; "random"
    layers: Callable[[Any], List[Tuple[str, Any]]]


def _lenet(padding: int) -> Callable[[Any], List[Tuple[str, Any]]]:
    side = 7 if padding else 5

    def layers(nn):
        return [("conv1", nn.Conv2d(1, 32, 3, padding=padding)), ("relu1", nn.ReLU()),
                ("pool1", nn.MaxPool2d(2)),
                ("conv2", nn.Conv2d(32, 64, 3, padding=padding)), ("relu2", nn.ReLU()),
                ("pool2", nn.MaxPool2d(2)), ("flatten", nn.Flatten()),
                ("fc1", nn.Linear(64 * side * side, 128)), ("relu3", nn.ReLU()),
                ("dropout", nn.Dropout(0.5)), ("fc2", nn.Linear(128, 10))]
    return layers


def _keras_mnist(nn):
    return [("conv1", nn.Conv2d(1, 24, 2, padding="same")), ("relu1", nn.ReLU()),
            ("pool1", nn.MaxPool2d(2)),
            ("conv2", nn.Conv2d(24, 48, 2, padding="same")), ("relu2", nn.ReLU()),
            ("pool2", nn.MaxPool2d(2)), ("flatten", nn.Flatten()),
            ("fc1", nn.Linear(48 * 7 * 7, 512)), ("relu3", nn.ReLU()),
            ("fc2", nn.Linear(512, 128)), ("relu4", nn.ReLU()), ("fc3", nn.Linear(128, 10))]


def _keras_cifar(nn):
    return [("conv1", nn.Conv2d(3, 32, 3, padding="same")), ("relu1", nn.ReLU()),
            ("conv2", nn.Conv2d(32, 32, 3)), ("relu2", nn.ReLU()), ("pool1", nn.MaxPool2d(2)),
            ("conv3", nn.Conv2d(32, 64, 3, padding="same")), ("relu3", nn.ReLU()),
            ("conv4", nn.Conv2d(64, 64, 3)), ("relu4", nn.ReLU()), ("pool2", nn.MaxPool2d(2)),
            ("flatten", nn.Flatten()), ("fc1", nn.Linear(64 * 6 * 6, 512)),
            ("relu5", nn.ReLU()), ("fc2", nn.Linear(512, 10))]


def _residual_block(nn, cin: int, cout: int, stride: int):
    """The basic ResNet block: conv-bn-relu-conv-bn plus the (projected) input, relu."""

    class BasicBlock(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv1 = nn.Conv2d(cin, cout, 3, stride=stride, padding=1, bias=False)
            self.bn1 = nn.BatchNorm2d(cout)
            self.relu = nn.ReLU()
            self.conv2 = nn.Conv2d(cout, cout, 3, padding=1, bias=False)
            self.bn2 = nn.BatchNorm2d(cout)
            self.shortcut = (nn.Sequential(nn.Conv2d(cin, cout, 1, stride=stride, bias=False),
                                           nn.BatchNorm2d(cout))
                             if stride != 1 or cin != cout else nn.Sequential())

        def forward(self, x):
            out = self.relu(self.bn1(self.conv1(x)))
            return self.relu(self.bn2(self.conv2(out)) + self.shortcut(x))
    return BasicBlock()


def _resnet8(nn):
    return [("stem conv", nn.Conv2d(3, 16, 3, padding=1, bias=False)),
            ("stem bn", nn.BatchNorm2d(16)), ("stem relu", nn.ReLU()),
            ("block1", _residual_block(nn, 16, 16, 1)),
            ("block2", _residual_block(nn, 16, 32, 2)),
            ("block3", _residual_block(nn, 32, 64, 2)),
            ("avgpool", nn.AdaptiveAvgPool2d(1)), ("flatten", nn.Flatten()),
            ("fc", nn.Linear(64, 10))]


NETWORKS: Dict[str, Network] = {n.name: n for n in (
    Network("lenet", "tutorial LeNet (conv32-pool-conv64-pool-128-10)", (1, 28, 28), 64,
            "mnist", _lenet(0)),
    Network("lenet-pad1", "tutorial LeNet, padding=1 (3136->128)", (1, 28, 28), 64, "mnist",
            _lenet(1)),
    Network("keras-mnist", "Keras MNIST CNN, 2x2 'same' convs 24/48, 512-128-10", (1, 28, 28),
            24, "mnist", _keras_mnist),
    Network("keras-cifar", "Keras CIFAR CNN, 3x32x32, conv32x2-pool-conv64x2-pool-512-10",
            (3, 32, 32), 32, "random", _keras_cifar),
    Network("resnet8", "ResNet-8 (3 basic blocks 16/32/64, batch norm, skips)", (3, 32, 32),
            32, "random", _resnet8),
)}
INFERENCE_BATCH = 256


def build(name: str, nn: Any) -> Any:
    """The network `name` as an `nn.Sequential` of named layers, in training mode."""
    return nn.Sequential(OrderedDict(NETWORKS[name].layers(nn)))
