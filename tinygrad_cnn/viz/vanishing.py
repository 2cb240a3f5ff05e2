"""The CNN blog's vanishing-gradient figure, regenerated from real training runs.

The network is the blog's (after Nielsen's): 784 → 30 → 30 → 30 → 30 → 10, four hidden
layers, trained on MNIST with plain SGD on the cross-entropy loss, mini-batches of 10,
learning rate 0.1. Three variants on the same data, same initial weights' seed, same
order of batches: sigmoid everywhere (the blog's), ReLU, and sigmoid with a skip
connection around each of the hidden layers 2-4 (h ← h + σ(W h + b), ResNet's idea).
`GradientNormMonitor` records ‖δ‖ at each hidden layer's pre-activation at every step.

>>> runs = vanishing_gradient_runs(train_size=200, epochs=1, points_per_epoch=2,
...                                images=np.zeros((200, 1, 28, 28), np.float32),
...                                labels=np.arange(200) % 10)
>>> sorted(runs), sorted(runs["sigmoid"])
(['relu', 'sigmoid', 'sigmoid + skip'], ['hidden 1', 'hidden 2', 'hidden 3', 'hidden 4'])
>>> runs["sigmoid"]["hidden 1"].shape
(2,)
"""
from __future__ import annotations

from typing import Dict, Optional

import numpy as np

from .gradient_norms import GradientNormMonitor

SIZES = (784, 30, 30, 30, 30, 10)
VARIANTS = ("sigmoid", "relu", "sigmoid + skip")


def dense_net(variant: str, sizes=SIZES, seed: int = 0):
    """The blog's fully connected network in `variant` ('sigmoid', 'relu' or
    'sigmoid + skip'); its hidden Linear layers are named hidden1..hidden4.

    >>> net = dense_net("relu"); [n for n, _ in net.named_children()][:2]
    ['hidden1', 'hidden2']
    """
    import tinygrad_cnn as tg
    from .. import nn

    if variant not in VARIANTS:
        raise ValueError(f"variant must be one of {VARIANTS}, got {variant!r}")
    tg.manual_seed(seed)

    class DenseNet(nn.Module):
        def __init__(self):
            super().__init__()
            for i in range(1, len(sizes) - 1):
                setattr(self, f"hidden{i}", nn.Linear(sizes[i - 1], sizes[i]))
            self.out = nn.Linear(sizes[-2], sizes[-1])

        def forward(self, x):
            h = x.flatten(1)
            for i in range(1, len(sizes) - 1):
                z = getattr(self, f"hidden{i}")(h)
                a = z.relu() if variant == "relu" else z.sigmoid()
                h = h + a if variant == "sigmoid + skip" and i > 1 else a
            return self.out(h)

    return DenseNet()


def vanishing_gradient_runs(*, epochs: int = 4, train_size: int = 10000,
                            batch_size: int = 10, lr: float = 0.1, points_per_epoch: int = 4,
                            seed: int = 0, images: Optional[np.ndarray] = None,
                            labels: Optional[np.ndarray] = None) -> Dict[str, Dict[str, np.ndarray]]:
    """Train each variant and return `{variant: {'hidden k': ‖δ‖ per point}}`, averaged
    over `points_per_epoch` equal parts of each epoch. images/labels: the training set
    (default: the first `train_size` MNIST training images, normalised).
    """
    if images is None:
        from .examples import mnist_arrays

        images, labels = mnist_arrays(train=True)
    images, labels = images[:train_size], np.asarray(labels[:train_size])
    steps = len(images) // batch_size
    order = np.random.default_rng(seed).permutation(steps * batch_size).reshape(steps, -1)
    return {variant: _train(variant, images, labels, order, epochs, lr, seed,
                            max(1, steps // points_per_epoch))
            for variant in VARIANTS}


def _train(variant, images, labels, order, epochs, lr, seed, steps_per_point):
    from .. import optim
    from ..nn import functional as F
    from ..tensor import Tensor

    net = dense_net(variant, seed=seed)
    layers = [n for n, _ in net.named_children() if n.startswith("hidden")]
    opt = optim.SGD(net.parameters(), lr=lr)
    with GradientNormMonitor(net, layers) as monitor:
        for _ in range(epochs):
            for batch in order:
                loss = F.cross_entropy(net(Tensor(images[batch])), Tensor(labels[batch]))
                opt.zero_grad()
                loss.backward()
                opt.step()
    means = monitor.epoch_means(steps_per_point)
    return {f"hidden {k}": means[name] for k, name in enumerate(layers, start=1)}


def spread(run: Dict[str, np.ndarray]) -> float:
    """How many times larger the last hidden layer's ‖δ‖ is than the first's, over the
    whole run (geometric mean of the ratios).

    >>> round(spread({"hidden 1": np.array([0.01, 0.01]), "hidden 2": np.array([1.0, 1.0])}), 6)
    100.0
    """
    names = list(run)
    return float(np.exp(np.mean(np.log(run[names[-1]] / run[names[0]]))))
