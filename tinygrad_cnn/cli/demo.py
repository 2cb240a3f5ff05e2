"""`tinygrad-cnn demo`: build a small CNN, run forward and backward, print loss and gradients."""
from __future__ import annotations

import argparse

import numpy as np

from .arguments import non_negative_int


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the `demo` subcommand to `subparsers`; its `func` is `run`.

    >>> parser = argparse.ArgumentParser(); register(parser.add_subparsers())
    >>> args = parser.parse_args(['demo', '--seed', '3'])
    >>> args.seed, args.func is run
    (3, True)
    """
    p = subparsers.add_parser("demo", help="forward/backward through a small CNN")
    p.add_argument("--seed", type=non_negative_int, default=0)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Forward and backward through a tiny CNN on random data; prints the loss and the
    gradient norms, returns the exit status.

    >>> run(argparse.Namespace(seed=0))  # doctest: +ELLIPSIS
    conv(1->4, 3x3) -> relu -> maxpool 2 -> linear(144->10) -> cross-entropy
    loss = ...  (log 10 = 2.3026 for a random guess)
      |grad conv.weight| = ...
    0
    """
    import tinygrad_cnn as tg
    from tinygrad_cnn.nn import functional as F

    tg.manual_seed(args.seed)
    x = tg.randn(8, 1, 12, 12)  # a batch of 8 greyscale 12x12 images
    labels = tg.randint(0, 10, (8,))
    params = {
        "conv.weight": tg.randn(4, 1, 3, 3) * 0.3, "conv.bias": tg.zeros(4),
        "fc.weight": tg.randn(10, 4 * 6 * 6) * 0.05, "fc.bias": tg.zeros(10),
    }
    for p in params.values():
        p.requires_grad_()
    h = F.conv2d(x, params["conv.weight"], params["conv.bias"], padding=1).relu()
    h = F.max_pool2d(h, 2).flatten(1)
    loss = F.cross_entropy(F.linear(h, params["fc.weight"], params["fc.bias"]), labels)
    loss.backward()
    print("conv(1->4, 3x3) -> relu -> maxpool 2 -> linear(144->10) -> cross-entropy")
    print(f"loss = {loss.item():.4f}  (log 10 = {np.log(10):.4f} for a random guess)")
    for name, p in params.items():
        print(f"  |grad {name:<10}| = {np.linalg.norm(p.grad._data):.4f}  shape {p.shape}")
    return 0
