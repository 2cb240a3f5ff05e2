"""Ready-made pictures: the blog's one-layer CNN circuit, and LeNet's graphs.

>>> g = blog_circuit()
>>> g.name
'circuit'
"""
from __future__ import annotations

from typing import Dict, Tuple

import graphviz
import numpy as np

from ..tensor import Tensor

# a 3x3 greyscale image: bright top-left corner, so the filter's 4 positions differ
BLOG_IMAGE = [[0.9, 0.6, 0.1],
              [0.8, 0.3, 0.0],
              [0.2, 0.1, 0.5]]
BLOG_FILTER = [[0.5, -0.2],
               [0.3, 0.4]]
BLOG_BIAS = 0.1
BLOG_TARGET = 1.0


def blog_tensors() -> Tuple[Tensor, Dict[str, Tensor]]:
    """The blog's layer, computed by the engine: a 2x2 filter `w` (and bias `b`) slides over
    a 3x3 image `x`, then relu, 2x2 max-pool and the squared error against target `y`.
    Returns the loss (backward not run yet) and the named inputs.

    >>> loss, inputs = blog_tensors()
    >>> round(loss.item(), 4), sorted(inputs), inputs["w"].grad is None
    (0.0441, ['b', 'w', 'x', 'y'], True)
    """
    from ..nn import functional as F

    x = Tensor(np.array(BLOG_IMAGE, dtype=np.float32).reshape(1, 1, 3, 3), requires_grad=True)
    w = Tensor(np.array(BLOG_FILTER, dtype=np.float32).reshape(1, 1, 2, 2), requires_grad=True)
    b = Tensor(np.array([BLOG_BIAS], dtype=np.float32), requires_grad=True)
    y = Tensor(np.array(BLOG_TARGET, dtype=np.float32).reshape(1, 1, 1, 1))
    pooled = F.max_pool2d(F.relu(F.conv2d(x, w, b)), 2)
    loss = ((pooled - y) ** 2).sum()
    return loss, {"x": x, "w": w, "b": b, "y": y}


def blog_circuit() -> graphviz.Digraph:
    """The circuit of `blog_tensors()`: every `*`, `+`, relu, max and the loss, with the
    engine's forward values (black) and gradients (red) on the wires.

    >>> g = blog_circuit(); "relu" in g.source and "x11" in g.source
    True
    """
    from .circuit import draw_circuit

    loss, names = blog_tensors()
    return draw_circuit(loss, names=names)


def lenet_loss(batch: int = 4, image_size: int = 28, seed: int = 0):
    """A forward and backward pass of `models.LeNet` on a random batch of greyscale images
    with random labels. Returns `(loss, named parameters)`; every `.grad` is filled in.

    >>> loss, params = lenet_loss(batch=2)
    >>> loss.shape, next(iter(params)), params["features.0.weight"].grad.shape
    ((), 'features.0.weight', (32, 1, 3, 3))
    """
    import tinygrad_cnn as tg
    from ..models import build_model
    from ..nn import functional as F

    tg.manual_seed(seed)
    model = build_model("lenet", image_size=image_size)
    x = tg.randn(batch, 1, image_size, image_size)
    labels = tg.randint(0, 10, (batch,))
    loss = F.cross_entropy(model(x), labels)
    loss.backward()
    return loss, dict(model.named_parameters())


def lenet_forward(**options) -> graphviz.Digraph:
    """LeNet's forward graph, one cluster per module, with gradient summaries; by default
    intermediate tensors are shown only as shapes on the edges, so it stays compact.

    >>> g = lenet_forward(); g.name, "conv2d" in g.source
    ('forward', True)
    """
    from .forward_graph import draw_graph

    loss, params = lenet_loss()
    options.setdefault("show_tensors", False)
    return draw_graph(loss, params=params, **options)


def lenet_backward(**options) -> graphviz.Digraph:
    """LeNet's backward graph, numbered in the order the engine walks it.

    >>> g = lenet_backward(); g.name, "MatMulBackward" in g.source
    ('backward', True)
    """
    from .backward_graph import draw_backward

    loss, params = lenet_loss()
    return draw_backward(loss, params=params, **options)
