"""The tutorial CNN: two conv/relu/max-pool stages, then a dropout-regularised classifier.

    conv 32 3x3 -> relu -> maxpool 2 -> conv 64 3x3 -> relu -> maxpool 2
    -> flatten -> dense 128 -> relu -> dropout 0.5 -> dense num_classes
"""
from __future__ import annotations

from typing import Optional

from ..nn import Conv2d, Dropout, Flatten, Linear, MaxPool2d, Module, ReLU, Sequential
from ..tensor import Tensor
from ._sizes import Size, as_hw, feature_hw


class LeNet(Module):
    """The tutorial CNN; the flatten width follows from `image_size`.

    `padding=None` chooses 0 for images of at least 16 pixels (the tutorial's 28x28 MNIST)
    and 1 for smaller ones, so that 8x8 digits still fit two conv + pool stages.

    >>> LeNet().num_parameters()
    225034
    >>> LeNet(image_size=8).classifier[1].in_features
    256
    """

    def __init__(self, num_classes: int = 10, in_channels: int = 1, image_size: Size = 28,
                 padding: Optional[int] = None, dropout: float = 0.5) -> None:
        super().__init__()
        if padding is None:
            padding = 0 if min(as_hw(image_size)) >= 16 else 1
        self.features = Sequential(
            Conv2d(in_channels, 32, 3, padding=padding), ReLU(), MaxPool2d(2),
            Conv2d(32, 64, 3, padding=padding), ReLU(), MaxPool2d(2))
        h, w = feature_hw(image_size, [(3, 1, padding), (2, 2, 0)] * 2)
        self.classifier = Sequential(
            Flatten(), Linear(64 * h * w, 128), ReLU(), Dropout(dropout),
            Linear(128, num_classes))

    def forward(self, x: Tensor) -> Tensor:
        return self.classifier(self.features(x))
