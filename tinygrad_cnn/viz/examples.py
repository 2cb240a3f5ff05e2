"""Ready-made pictures: the blog's one-layer CNN circuit, and LeNet's graphs.

>>> g = blog_circuit()
>>> g.name
'circuit'
"""
from __future__ import annotations

from typing import Dict, Tuple

import numpy as np

from ..autograd.function import Function
from ..tensor import Tensor
from .picture import Picture

# The blog's setting: the top-left 3x3 corner x11..x33 of a greyscale image (dark pixels
# are 0) and a 2x2 filter w11..w22 with x11 = 1 and w11 = -1, so the first position gives
# z11 = -1 and relu blocks it; position (1,2) wins the max-pool.
BLOG_IMAGE = [[1.0, 0.0, 0.5],
              [0.0, 0.0, 1.0],
              [1.0, 0.5, 0.0]]
BLOG_FILTER = [[-1.0, 0.5],
               [0.5, 1.0]]
BLOG_BIAS = 0.0
BLOG_TARGET = 1.0
LOSSES = ("half_sse", "sse")


def blog_tensors(loss: str = "half_sse") -> Tuple[Tensor, Dict[str, Tensor]]:
    """The blog's layer, computed by the engine: a 2x2 filter `w` (and bias `b`) slides over
    a 3x3 image `x` (z11 = w11·x11 + ... = -1), then relu, 2x2 max-pool to `a` and the
    loss against the target `y`: the lecture's ½Σ(y − a)² ('half_sse') or Σ(y − a)² ('sse').
    Returns the loss (backward not run yet) and the named inputs.

    >>> loss, inputs = blog_tensors()
    >>> loss.item(), sorted(inputs), inputs["w"].grad is None
    (0.03125, ['b', 'w', 'x', 'y'], True)
    >>> blog_tensors("sse")[0].item()
    0.0625
    """
    from ..nn import functional as F

    if loss not in LOSSES:
        raise ValueError(f"loss must be one of {LOSSES}, got {loss!r}")
    x = Tensor(np.array(BLOG_IMAGE, dtype=np.float32).reshape(1, 1, 3, 3), requires_grad=True)
    w = Tensor(np.array(BLOG_FILTER, dtype=np.float32).reshape(1, 1, 2, 2), requires_grad=True)
    b = Tensor(np.array([BLOG_BIAS], dtype=np.float32), requires_grad=True)
    y = Tensor(np.array(BLOG_TARGET, dtype=np.float32).reshape(1, 1, 1, 1))
    a = F.max_pool2d(F.relu(F.conv2d(x, w, b)), 2)
    sse = ((y - a) ** 2).sum()
    return (0.5 * sse if loss == "half_sse" else sse), {"x": x, "w": w, "b": b, "y": y}


def blog_circuit(loss: str = "half_sse", **options) -> Picture:
    """The circuit of `blog_tensors(loss)`: every `*`, `+`, relu, max and the loss, with the
    engine's forward values (black) and gradients (red) on the wires; options go to
    `draw_circuit` (e.g. `direction="TB"`).

    >>> g = blog_circuit(); "relu" in g.source and "x11" in g.source and "blocked" in g.source
    True
    """
    from .circuit import draw_circuit

    tensor, names = blog_tensors(loss)
    return draw_circuit(tensor, names=names, **options)


def lenet_loss(batch: int = 4, image_size: int = 28, seed: int = 0, backward: bool = True):
    """A forward and backward pass of `models.LeNet` on a random batch of greyscale images
    with random labels. Returns `(loss, named parameters)`; every `.grad` is filled in
    (backward=False: not yet, for views that run backward themselves).

    >>> loss, params = lenet_loss(batch=2)
    >>> loss.shape, next(iter(params)), params["features.0.weight"].grad.shape
    ((), 'features.0.weight', (32, 1, 3, 3))
    """
    import tinygrad_cnn as tg
    from ..models import build_model

    tg.manual_seed(seed)
    return _classify(build_model("lenet", image_size=image_size), batch, image_size, backward)


def _classify(model, batch: int, image_size: int, backward: bool):
    """(cross-entropy of `model` on random images and labels, named parameters)."""
    import tinygrad_cnn as tg
    from ..nn import functional as F

    x = tg.randn(batch, 1, image_size, image_size)
    labels = tg.randint(0, 10, (batch,))
    loss = F.cross_entropy(model(x), labels)
    if backward:
        loss.backward()
    return loss, dict(model.named_parameters())


def lenet_forward(**options) -> Picture:
    """LeNet's forward graph, one cluster per module, with gradient summaries; by default
    intermediate tensors are shown only as shapes on the edges, so it stays compact.

    >>> g = lenet_forward(); g.name, "conv2d" in g.source
    ('forward', True)
    """
    from .forward_graph import draw_graph

    loss, params = lenet_loss()
    options.setdefault("show_tensors", False)
    return draw_graph(loss, params=params, **options)


def lenet_backward(**options) -> Picture:
    """LeNet's backward graph, numbered in the order the engine walks it.

    >>> g = lenet_backward(); g.name, "LinearBackward" in g.source
    ('backward', True)
    """
    from .backward_graph import draw_backward

    loss, params = lenet_loss()
    return draw_backward(loss, params=params, **options)


def resnet_loss(blocks: int = 1, channels: int = 4, batch: int = 4, image_size: int = 12,
                seed: int = 0, backward: bool = True):
    """A forward and backward pass of a small ResNet-style network: a conv stem, `blocks`
    residual blocks (conv → batch norm → relu → conv → batch norm, plus the skip
    connection, then relu), global average pooling and a linear classifier.
    Returns `(loss, named parameters)`; every `.grad` is filled in (backward=False: not yet).

    >>> loss, params = resnet_loss()
    >>> sorted({name.split(".")[0] for name in params}), params["blocks.0.bn1.weight"].grad.shape
    (['blocks', 'fc', 'stem'], (4,))
    """
    import tinygrad_cnn as tg

    tg.manual_seed(seed)
    return _classify(_resnet(blocks, channels), batch, image_size, backward)


def _resnet(blocks: int, channels: int):
    """stem conv → relu → `blocks` residual blocks → global average pool → linear."""
    from .. import nn
    from ..nn import functional as F

    class Block(nn.Module):
        """conv → bn → relu → conv → bn, plus the block's input (the skip), → relu."""

        def __init__(self):
            super().__init__()
            self.conv1 = nn.Conv2d(channels, channels, 3, padding=1, bias=False)
            self.bn1 = nn.BatchNorm2d(channels)
            self.conv2 = nn.Conv2d(channels, channels, 3, padding=1, bias=False)
            self.bn2 = nn.BatchNorm2d(channels)

        def forward(self, x):
            h = F.relu(self.bn1(self.conv1(x)))
            return F.relu(self.bn2(self.conv2(h)) + x)

    class ResNet(nn.Module):
        def __init__(self):
            super().__init__()
            self.stem = nn.Conv2d(1, channels, 3, padding=1)
            self.blocks = nn.Sequential(*[Block() for _ in range(blocks)])
            self.fc = nn.Linear(channels, 10)

        def forward(self, x):
            h = self.blocks(F.relu(self.stem(x)))
            return self.fc(F.adaptive_avg_pool2d(h, 1).flatten(1))

    return ResNet()


def resnet_block(**options) -> Picture:
    """The forward graph of one residual block with batch norm and its skip connection
    (between a stem and a classifier); the parameters' names say their module (module
    boxes would push the main line sideways); options go to `draw_graph`.

    >>> g = resnet_block(); "batch_norm" in g.source and "blocks.0.bn1" in g.source
    True
    """
    from .forward_graph import draw_graph

    loss, params = resnet_loss(blocks=1)
    options.setdefault("show_tensors", False)
    options.setdefault("group_modules", False)
    return draw_graph(loss, params=params, **options)


def deep_resnet(blocks: int = 28, **options) -> Picture:
    """A ResNet with `blocks` residual blocks (28: 208 ops). Drawn whole it is too
    big to read and says so; `collapse_depth=2` draws one node per block.

    >>> g = deep_resnet(blocks=2, collapse_depth=2); "blocks.1" in g.source
    True
    """
    from .forward_graph import draw_graph

    loss, params = resnet_loss(blocks=blocks)
    options.setdefault("show_tensors", False)
    return draw_graph(loss, params=params, **options)


def mnist_arrays(train: bool = True):
    """(images, labels) of MNIST, normalised float32 (N, 1, 28, 28), from the first
    `shared/data/mnist` folder found above this checkout (the team's copy) or the
    training module's default place; raises FileNotFoundError when there is none.
    """
    from pathlib import Path

    from ..training.datasets import load_split

    for parent in Path(__file__).resolve().parents:
        folder = parent / "shared" / "data" / "mnist"
        if folder.is_dir():
            (x, y), (xt, yt) = load_split("mnist", data_dir=str(folder))
            break
    else:
        (x, y), (xt, yt) = load_split("mnist")
    return (x, y) if train else (xt, yt)


def lenet_digit(index: int = 0, seed: int = 0):
    """LeNet (`models.LeNet`, weights from `seed`, eval mode: no dropout) on MNIST test
    digit `index` with its true label: returns `(loss, params, parts)`, backward not run;
    parts names the tensors worth opening: 'image', 'conv1' (first conv's output),
    'pool1' (first max-pool's output), 'logits'; and 'label'.
    """
    import tinygrad_cnn as tg
    from ..models import build_model
    from ..nn import functional as F

    images, labels = mnist_arrays(train=False)
    tg.manual_seed(seed)
    model = build_model("lenet", image_size=28)
    model.eval()
    image = Tensor(images[index:index + 1])
    conv, relu, pool = model.features[0], model.features[1], model.features[2]
    conv1 = conv(image)
    pool1 = pool(relu(conv1))
    logits = model.classifier(model.features[3:](pool1))
    label = int(labels[index])
    loss = F.cross_entropy(logits, Tensor(np.array([label])))
    parts = {"image": image, "conv1": conv1, "pool1": pool1, "logits": logits, "label": label}
    return loss, dict(model.named_parameters()), parts


def sigmoid_mlp_flow(**options) -> Picture:
    """The gradient flow of a 4-hidden-layer sigmoid network (8 units each) on a random
    batch: the gradient shrinks at every sigmoid, and the edges say so.

    >>> "‖∇‖" in sigmoid_mlp_flow().source
    True
    """
    import tinygrad_cnn as tg
    from .. import nn
    from ..nn import functional as F
    from .gradient_flow import draw_gradient_flow

    tg.manual_seed(0)
    layers = [m for _ in range(4) for m in (nn.Linear(8, 8), nn.Sigmoid())]
    net = nn.Sequential(*layers, nn.Linear(8, 3))
    loss = F.cross_entropy(net(tg.randn(4, 8)), tg.tensor([0, 1, 2, 0]))
    return draw_gradient_flow(loss, dict(net.named_parameters()), **options)


class BadSquare(Function):
    """Notebook 01's wrong custom Function: a², with the gradient a instead of 2a.

    >>> x = Tensor([3.0], requires_grad=True); BadSquare.apply(x).sum().backward(); x.grad
    tensor([3.])
    """

    def forward(self, a):
        self.save_for_backward(a)
        return a * a

    def backward(self, grad):
        (a,) = self.saved_tensors
        return grad * a  # should be 2 * a * grad


def wrong_square_gradcheck(**options) -> Picture:
    """notebook 01's wrong custom Function (d a²/da written as a) inside a small network,
    every op checked: it alone is red.

    >>> "bad_square" in wrong_square_gradcheck().source
    True
    """
    import tinygrad_cnn as tg
    from ..nn import functional as F
    from .gradcheck_view import draw_gradcheck

    tg.manual_seed(0)
    x, w = tg.randn(2, 3, requires_grad=True), tg.randn(3, 2, requires_grad=True)
    logits = BadSquare.apply((x @ w).tanh()) + x.sum(1, keepdim=True).sigmoid()
    options.setdefault("show_tensors", False)
    return draw_gradcheck(F.cross_entropy(logits, tg.tensor([0, 1])), {"x": x, "w": w},
                          **options)


def lenet_pixel_opened(**options) -> Picture:
    """LeNet on MNIST test digit 0, the first conv's output pixel with the largest
    gradient opened into its circuit (`open_op`)."""
    from .open_op import open_op
    from .recorder import gradients_by_id, record_backward

    loss, params, parts = lenet_digit(0)
    steps = record_backward(loss)
    grad = gradients_by_id(steps)[id(parts["conv1"])]
    pixel = np.unravel_index(int(np.abs(grad).argmax()), grad.shape)
    return open_op(loss, parts["conv1"], pixel, params, steps=steps, **options)


def tiny_classifier_circuit(**options) -> Picture:
    """A complete tiny classifier as a circuit: a 2x2 conv over the blog's 3x3 image,
    relu, 2x2 max-pool, linear 1 → 3 and cross-entropy against class 2.

    >>> "log softmax" in tiny_classifier_circuit().source
    True
    """
    import tinygrad_cnn as tg
    from .. import nn
    from ..nn import functional as F
    from .circuit import draw_circuit

    tg.manual_seed(1)
    x = Tensor(np.array(BLOG_IMAGE, dtype=np.float32).reshape(1, 1, 3, 3))
    conv, fc = nn.Conv2d(1, 1, 2), nn.Linear(1, 3)
    logits = fc(F.max_pool2d(F.relu(conv(x)), 2).flatten(1))
    loss = F.cross_entropy(logits, Tensor(np.array([2])))
    names = {"x": x, "w": conv.weight, "b": conv.bias, "v": fc.weight, "c": fc.bias}
    return draw_circuit(loss, names=names, **options)
