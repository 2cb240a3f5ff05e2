"""`tinygrad-cnn evaluate`: test accuracy of a saved checkpoint."""
from __future__ import annotations

import argparse
import json

from .arguments import positive_int


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the `evaluate` subcommand to `subparsers`; its `func` is `run`.

    >>> parser = argparse.ArgumentParser(); register(parser.add_subparsers())
    >>> args = parser.parse_args(['evaluate', '--checkpoint', 'c.npz'])
    >>> args.batch_size, args.func is run
    (256, True)
    """
    p = subparsers.add_parser("evaluate", help="evaluate a checkpoint on its test split")
    p.add_argument("--checkpoint", required=True, help="a checkpoint.npz written by train")
    p.add_argument("--data-dir", default=None, help="override the dataset directory")
    p.add_argument("--batch-size", type=positive_int, default=256)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Print the checkpoint's test loss and accuracy as JSON; returns the exit status.

    With the checkpoint of an untrained model (normally `train` writes it):

    >>> import dataclasses, tempfile
    >>> from tinygrad_cnn.models import build_model
    >>> from tinygrad_cnn.training import save_checkpoint
    >>> from tinygrad_cnn.training.session import TrainingConfig
    >>> model = build_model("small", in_channels=1, image_size=(8, 8))
    >>> path = save_checkpoint(tempfile.mkdtemp() + "/c.npz", {
    ...     "config": dataclasses.asdict(TrainingConfig()), "epoch": 0,
    ...     "model": model.state_dict()})
    >>> run(argparse.Namespace(checkpoint=path, data_dir=None, batch_size=256))
    ... # doctest: +ELLIPSIS
    {"checkpoint": "...c.npz", "dataset": "digits", "epoch": 0, "test_loss": ...}
    0
    """
    from ..training.session import evaluate_checkpoint

    result = evaluate_checkpoint(args.checkpoint, data_dir=args.data_dir,
                                 batch_size=args.batch_size)
    print(json.dumps(result))
    return 0
