"""Entry point of `tinygrad-cnn` / `python -m tinygrad_cnn`.

Each subcommand lives in its own module exposing `register(subparsers)`, which adds its
parser and sets `func` to the function that runs it.
"""
from __future__ import annotations

import argparse
import importlib
import sys
from typing import List, Optional

SUBCOMMANDS = ("demo", "train", "evaluate", "draw")


def build_parser() -> argparse.ArgumentParser:
    """The `tinygrad-cnn` parser, with every subcommand registered.

    >>> args = build_parser().parse_args(["demo", "--seed", "1"]); args.command, args.seed
    ('demo', 1)
    """
    from .. import __version__

    parser = argparse.ArgumentParser(prog="tinygrad-cnn",
                                     description="Train, inspect and draw small CNNs.")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)
    for name in SUBCOMMANDS:
        try:
            module = importlib.import_module(f"tinygrad_cnn.cli.{name}")
        except ModuleNotFoundError as e:
            if e.name != f"tinygrad_cnn.cli.{name}":
                raise
            continue  # subcommand not written yet
        module.register(sub)
    return parser


def main(argv: Optional[List[str]] = None) -> int:
    """Parse `argv` (default: the command line), run the subcommand, return its status.

    >>> main(["demo"])  # doctest: +ELLIPSIS
    conv(1->4, 3x3) -> relu -> maxpool 2 -> linear(144->10) -> cross-entropy
    ...
    0
    """
    args = build_parser().parse_args(argv)
    return int(args.func(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
