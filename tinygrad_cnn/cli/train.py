"""`tinygrad-cnn train`: train a model on a dataset, checkpoint every epoch, plot curves."""
from __future__ import annotations

import argparse
import json
from pathlib import Path

from ..training.session import OPTIMIZERS, SCHEDULES
from .arguments import non_negative_float, non_negative_int, positive_float, positive_int


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the `train` subcommand to `subparsers`; its `func` is `run`.

    >>> parser = argparse.ArgumentParser(); register(parser.add_subparsers())
    >>> args = parser.parse_args(['train', '--optimizer', 'sgd'])
    >>> args.optimizer, args.func is run
    ('sgd', True)
    """
    p = subparsers.add_parser("train", help="train a CNN (digits, MNIST, Fashion-MNIST)")
    p.add_argument("--dataset", default="digits", choices=("digits", "mnist", "fashion-mnist"))
    p.add_argument("--data-dir", default=None,
                   help="directory with the IDX files (mnist / fashion-mnist)")
    p.add_argument("--download", action="store_true", help="download the IDX files if missing")
    p.add_argument("--model", default=None, choices=("lenet", "small"),
                   help="default: small for digits, lenet otherwise")
    p.add_argument("--epochs", type=positive_int, default=None,
                   help="default: 20 (digits), 3 otherwise")
    p.add_argument("--batch-size", type=positive_int, default=64)
    p.add_argument("--optimizer", default="adam", choices=OPTIMIZERS)
    p.add_argument("--lr", type=positive_float, default=None,
                   help="default: the optimizer's own; Adam-family: 5e-3 on digits, "
                        "2e-3 on (fashion-)mnist")
    p.add_argument("--schedule", default=None, choices=SCHEDULES,
                   help="learning-rate schedule (default: exponential for mnist/fashion-mnist, "
                        "none for digits); inverse-time is Keras' `decay`, stepped per batch")
    p.add_argument("--gamma", type=positive_float, default=0.5,
                   help="lr factor per epoch for the step/exponential schedules")
    p.add_argument("--decay", type=non_negative_float, default=1e-4,
                   help="Keras-style time-based decay per batch (inverse-time schedule)")
    p.add_argument("--seed", type=non_negative_int, default=0)
    p.add_argument("--out", default="runs/latest", help="directory for checkpoint and curves")
    p.add_argument("--resume", action="store_true", help="continue from OUT/checkpoint.npz")
    p.add_argument("--max-batches", type=positive_int, default=None,
                   help="stop each epoch (and evaluation) after this many batches")
    p.add_argument("--no-progress", action="store_true", help="no progress bars")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Train as `args` asks and print the last epoch's record as JSON; returns the exit
    status. A smoke run (one batch of the digits):

    >>> import tempfile
    >>> parser = argparse.ArgumentParser(); register(parser.add_subparsers())
    >>> args = parser.parse_args(["train", "--epochs", "1", "--max-batches", "1",
    ...                           "--no-progress", "--out", tempfile.mkdtemp()])
    >>> run(args)  # doctest: +ELLIPSIS
    {"out": "...", "epoch": 1, "train_loss": ...}
    0
    """
    from ..training.session import TrainingConfig, train

    config = TrainingConfig.from_args(args)
    history = train(config, resume=args.resume, progress=not args.no_progress)
    last = history[-1] if history else {}
    print(json.dumps({"out": str(Path(config.out)), **last}, indent=None))
    return 0
