"""A small, fast CNN for the 8x8 digits: conv 16 3x3 pad 1 -> relu -> maxpool 2 -> linear."""
from __future__ import annotations

from ..nn import Conv2d, Flatten, Linear, MaxPool2d, Module, ReLU, Sequential
from ..tensor import Tensor
from ._sizes import Size, feature_hw


class SmallCNN(Module):
    """One conv stage and a linear classifier; trains in seconds on 8x8 digits.

    >>> from tinygrad_cnn import randn
    >>> SmallCNN()(randn(4, 1, 8, 8)).shape
    (4, 10)
    """

    def __init__(self, num_classes: int = 10, in_channels: int = 1, image_size: Size = 8,
                 channels: int = 16) -> None:
        super().__init__()
        self.features = Sequential(Conv2d(in_channels, channels, 3, padding=1), ReLU(),
                                   MaxPool2d(2))
        h, w = feature_hw(image_size, [(3, 1, 1), (2, 2, 0)])
        self.classifier = Sequential(Flatten(), Linear(channels * h * w, num_classes))

    def forward(self, x: Tensor) -> Tensor:
        return self.classifier(self.features(x))
