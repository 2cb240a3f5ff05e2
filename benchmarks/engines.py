"""The two PyTorch-API engines (ours and torch) behind one handle, plus LeNet twins.

Because tinygrad_cnn mirrors PyTorch's API, the same benchmark code drives both; only
model construction differs (ours ships `models.LeNet`, torch gets an `nn.Sequential` twin).
"""
from __future__ import annotations

from dataclasses import dataclass
from types import ModuleType
from typing import Any

import numpy as np

SYSTEMS = ("ours", "torch")


@dataclass
class Engine:
    name: str
    lib: ModuleType              # tinygrad_cnn or torch
    F: ModuleType                # its nn.functional
    optim: ModuleType

    def tensor(self, array: np.ndarray, requires_grad: bool = False) -> Any:
        """A tensor owning a copy of `array`, so no two systems share memory."""
        return self.lib.from_numpy(np.array(array)).requires_grad_(requires_grad)

    def lenet(self) -> Any:
        """The tutorial LeNet for 28x28 single-channel images, in training mode."""
        if self.name == "ours":
            from tinygrad_cnn.models import LeNet
            return LeNet()
        nn = self.lib.nn
        return nn.Sequential(
            nn.Conv2d(1, 32, 3), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(32, 64, 3), nn.ReLU(), nn.MaxPool2d(2),
            nn.Flatten(), nn.Linear(64 * 5 * 5, 128), nn.ReLU(), nn.Dropout(0.5),
            nn.Linear(128, 10))

    def train_step(self, model: Any, optimizer: Any, x: Any, y: Any) -> Any:
        """zero_grad, forward, cross-entropy, backward, step: the same code for both."""
        optimizer.zero_grad()
        loss = self.F.cross_entropy(model(x), y)
        loss.backward()
        optimizer.step()
        return loss


def load(name: str) -> Engine:
    if name == "ours":
        import tinygrad_cnn
        from tinygrad_cnn.nn import functional
        return Engine("ours", tinygrad_cnn, functional, tinygrad_cnn.optim)
    if name == "torch":
        import torch
        return Engine("torch", torch, torch.nn.functional, torch.optim)
    raise ValueError(f"unknown engine {name!r}; choose from {SYSTEMS}")


def conv_arrays(shape, seed: int = 0):
    """Random float32 (x, weight, bias, grad_out) for a conv shape tuple."""
    n, cin, h, w, cout, k, stride, pad = shape
    rng = np.random.default_rng(seed)
    oh, ow = (h + 2 * pad - k) // stride + 1, (w + 2 * pad - k) // stride + 1
    draw = lambda *s: rng.standard_normal(s, dtype=np.float32)
    return draw(n, cin, h, w), draw(cout, cin, k, k), draw(cout), draw(n, cout, oh, ow)
