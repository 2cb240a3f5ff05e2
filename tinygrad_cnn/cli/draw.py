"""`tinygrad-cnn draw`: render a picture of a computation to a file.

    tinygrad-cnn draw --example blog-circuit --out blog.svg
    tinygrad-cnn draw --model lenet --view forward --out lenet.png

The output format comes from the file suffix (svg, png, pdf, ... anything `dot` knows).
"""
from __future__ import annotations

import argparse
from pathlib import Path

from ..errors import ConfigError

EXAMPLES = ("blog-circuit",)
MODELS = ("lenet",)
VIEWS = ("forward", "forward-collapsed", "backward")


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the `draw` subcommand to `subparsers`; its `func` is `run`.

    >>> parser = argparse.ArgumentParser(); register(parser.add_subparsers())
    >>> args = parser.parse_args(['draw', '--example', 'blog-circuit', '--out', 'b.svg'])
    >>> args.example, str(args.out), args.func is run
    ('blog-circuit', 'b.svg', True)
    """
    p = subparsers.add_parser("draw", help="draw a computation graph or circuit to a file")
    what = p.add_mutually_exclusive_group(required=True)
    what.add_argument("--example", choices=EXAMPLES, help="a ready-made small circuit")
    what.add_argument("--model", choices=MODELS,
                      help="a forward+backward pass of this model on a random batch")
    p.add_argument("--view", choices=VIEWS, default="forward",
                   help="for --model: the forward graph (by module, or collapsed to one "
                        "node per module) or the backward graph")
    p.add_argument("--out", required=True, type=Path,
                   help="output file; its suffix (.svg, .png, .pdf) picks the format")
    p.set_defaults(func=run)


def build(args: argparse.Namespace):
    """The graphviz.Digraph the arguments ask for.

    >>> build(argparse.Namespace(example="blog-circuit", view="forward")).name
    'circuit'
    """
    from ..viz import examples

    if args.example == "blog-circuit":
        return examples.blog_circuit()
    if args.view == "backward":
        return examples.lenet_backward()
    return examples.lenet_forward(collapse_modules=args.view == "forward-collapsed")


def run(args: argparse.Namespace) -> int:
    """Render the picture to `args.out` (needs graphviz's `dot`); returns the exit status.

    >>> import tempfile
    >>> out = Path(tempfile.mkdtemp()) / "blog.svg"
    >>> run(argparse.Namespace(example="blog-circuit", view="forward", out=out))
    ... # doctest: +ELLIPSIS
    wrote .../blog.svg
    0
    >>> out.read_text().startswith("<?xml")
    True
    """
    out: Path = args.out
    fmt = out.suffix.lstrip(".").lower()
    if not fmt:
        raise ConfigError(f"--out {out} has no suffix; use e.g. {out}.svg or {out}.png")
    graph = build(args)
    out.parent.mkdir(parents=True, exist_ok=True)
    # render writes the DOT source next to the picture; keep only the picture
    written = graph.render(outfile=str(out), format=fmt, cleanup=True)
    print(f"wrote {written}")
    return 0
