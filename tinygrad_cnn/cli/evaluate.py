"""`tinygrad-cnn evaluate`: test accuracy of a saved checkpoint."""
from __future__ import annotations

import argparse
import json


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("evaluate", help="evaluate a checkpoint on its test split")
    p.add_argument("--checkpoint", required=True, help="a checkpoint.npz written by train")
    p.add_argument("--data-dir", default=None, help="override the dataset directory")
    p.add_argument("--batch-size", type=int, default=256)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..training.session import evaluate_checkpoint

    result = evaluate_checkpoint(args.checkpoint, data_dir=args.data_dir,
                                 batch_size=args.batch_size)
    print(json.dumps(result))
    return 0
