"""Entry point of `tinygrad-cnn` / `python -m tinygrad_cnn`.

Each subcommand lives in its own module exposing `register(subparsers)`, which adds its
parser and sets `func` to the function that runs it.
"""
from __future__ import annotations

import argparse
import importlib
import sys
from typing import List, Optional

from .errors import describe

SUBCOMMANDS = ("demo", "train", "evaluate", "draw")


class OneLineErrorParser(argparse.ArgumentParser):
    """argparse, but a usage error is one line (the flag, the problem, where to look)
    instead of the whole usage text followed by the error."""

    def error(self, message: str):
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def build_parser() -> argparse.ArgumentParser:
    """The `tinygrad-cnn` parser, with every subcommand registered.

    >>> args = build_parser().parse_args(["demo", "--seed", "1"]); args.command, args.seed
    ('demo', 1)
    """
    from .. import __version__

    parser = OneLineErrorParser(prog="tinygrad-cnn",
                                description="Train, inspect and draw small CNNs.")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", required=True,
                                parser_class=OneLineErrorParser)
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
    try:
        return int(args.func(args) or 0)
    except Exception as error:  # noqa: BLE001 - the user's errors become one line
        message = describe(error, args)
        if message is None:
            raise  # a bug: keep the traceback
        print(f"tinygrad-cnn: error: {message}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
