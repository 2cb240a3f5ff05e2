"""`tinygrad-cnn draw`: render a picture of a computation to a file.

    tinygrad-cnn draw --example blog-circuit --out blog.svg
    tinygrad-cnn draw --model lenet --view backward --out lenet.png
    tinygrad-cnn draw --checkpoint runs/digits/checkpoint.npz --view forward-collapsed --out m.svg
    tinygrad-cnn draw --example deep-resnet --collapse-depth 2 --direction TB --out deep.png
    tinygrad-cnn draw --model lenet --view gradient-flow --out flow.svg
    tinygrad-cnn draw --example blog-circuit --view frames --out backprop.gif

A model (registered, or the one a checkpoint holds, with its trained weights) is drawn
after one forward and backward pass on a random batch of two images of its input size.
The output format comes from the file suffix (svg, png, pdf, ... anything `dot` knows);
the step-by-step frames are an animated GIF (--out must end in .gif). The views that
watch backward (gradient-flow, frames) run it themselves; gradcheck re-runs each op alone.
"""
from __future__ import annotations

import argparse
from pathlib import Path

from ..errors import ConfigError

EXAMPLES = ("blog-circuit", "resnet-block", "deep-resnet")
#: views that show backprop itself (the example blog-circuit draws them on its circuit)
BACKPROP_VIEWS = ("gradient-flow", "gradcheck", "frames")
VIEWS = ("forward", "forward-collapsed", "backward") + BACKPROP_VIEWS
DIRECTIONS = ("auto", "TB", "LR")
#: input size of the datasets `train` knows, to rebuild a checkpoint's model
IMAGE_SIZES = {"digits": 8, "mnist": 28, "fashion-mnist": 28}


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the `draw` subcommand to `subparsers`; its `func` is `run`.

    >>> parser = argparse.ArgumentParser(); register(parser.add_subparsers())
    >>> args = parser.parse_args(['draw', '--example', 'blog-circuit', '--out', 'b.svg'])
    >>> args.example, str(args.out), args.direction, args.func is run
    ('blog-circuit', 'b.svg', 'auto', True)
    """
    from ..models import available_models

    p = subparsers.add_parser("draw", help="draw a computation graph or circuit to a file")
    what = p.add_mutually_exclusive_group(required=True)
    what.add_argument("--example", choices=EXAMPLES, help="a ready-made picture")
    what.add_argument("--model", choices=available_models(),
                      help="a forward+backward pass of this model on a random batch")
    what.add_argument("--checkpoint", type=Path,
                      help="a checkpoint.npz written by train: its model, trained weights")
    p.add_argument("--view", choices=VIEWS, default="forward",
                   help="forward graph (by module, or one node per module), backward graph, "
                        "gradient flow (edges by log10 of the gradient's norm), gradcheck "
                        "(ops coloured by analytic-vs-numerical error), frames (backprop "
                        "step by step, an animated .gif)")
    p.add_argument("--direction", choices=DIRECTIONS, default="auto",
                   help="layout: auto (from the graph's shape), TB (top to bottom), LR")
    p.add_argument("--collapse-depth", type=int, default=None, metavar="N",
                   help="forward view: one node per module named by N parts of the parameter "
                        "names (2: one per residual block)")
    p.add_argument("--loss", choices=("half_sse", "sse"), default="half_sse",
                   help="blog-circuit: ½Σ(y−a)² (the lecture's) or Σ(y−a)²")
    p.add_argument("--out", required=True, type=Path,
                   help="output file; its suffix (.svg, .png, .pdf) picks the format")
    p.set_defaults(func=run)


def build(args: argparse.Namespace):
    """The picture the arguments ask for.

    >>> build(argparse.Namespace(example="blog-circuit", direction="auto", loss="sse")).name
    'circuit'
    """
    from ..viz import examples

    options = {"direction": getattr(args, "direction", "auto")}
    view = getattr(args, "view", "forward")
    example = getattr(args, "example", None)
    if example == "blog-circuit":
        if view in BACKPROP_VIEWS:
            loss, names = examples.blog_tensors(getattr(args, "loss", "half_sse"))
            return _backprop_view(loss, names, view, options, circuit=True)
        return examples.blog_circuit(loss=getattr(args, "loss", "half_sse"), **options)
    options.update(_view_options(args))
    fresh = view in BACKPROP_VIEWS  # these run backward themselves
    if example == "resnet-block":
        loss, params = examples.resnet_loss(blocks=1, backward=not fresh)
        options.setdefault("group_modules", False)
    elif example == "deep-resnet":
        loss, params = examples.resnet_loss(blocks=28, backward=not fresh)
    else:
        loss, params = _model_loss(args, backward=not fresh)
    if fresh:
        return _backprop_view(loss, params, view, options)
    return _draw(loss, params, view, options)


def _backprop_view(loss, names, view: str, options: dict, circuit: bool = False):
    """gradient-flow, gradcheck or frames of `loss` (names: parameters or circuit inputs)."""
    from ..viz import backprop_frames, draw_gradcheck, draw_gradient_flow

    options.pop("collapse_depth", None)
    options.pop("group_modules", None)
    if view == "gradient-flow":
        return draw_gradient_flow(loss, None if circuit else names, **options)
    if view == "gradcheck":
        return draw_gradcheck(loss, None if circuit else names, show_tensors=False, **options)
    if circuit:
        return backprop_frames(loss, view="circuit", names=names, **options)
    return backprop_frames(loss, names, **options)


def _view_options(args: argparse.Namespace) -> dict:
    depth = getattr(args, "collapse_depth", None)
    if depth is not None and depth < 1:
        raise ConfigError(f"--collapse-depth must be at least 1, got {depth}")
    if depth is not None and getattr(args, "view", "forward") not in VIEWS[:2]:
        raise ConfigError("--collapse-depth applies to the forward views only")
    return {} if depth is None else {"collapse_depth": depth}


def _draw(loss, params, view: str, options: dict):
    from ..viz import draw_backward, draw_graph

    if view == "backward":
        options.pop("group_modules", None)
        return draw_backward(loss, params=params, **options)
    return draw_graph(loss, params=params, show_tensors=False,
                      collapse_modules=view == "forward-collapsed", **options)


def _model_loss(args: argparse.Namespace, backward: bool = True):
    """(loss, named parameters) of the model on two random images, after backward unless
    `backward` is False."""
    import tinygrad_cnn as tg
    from ..models import build_model
    from ..nn import functional as F

    if getattr(args, "checkpoint", None) is not None:
        model, in_channels, size = _checkpoint_model(args.checkpoint)
    else:
        size = 28 if args.model == "lenet" else 8
        model, in_channels = build_model(args.model, image_size=size), 1
    tg.manual_seed(0)
    x = tg.randn(2, in_channels, size, size)
    loss = F.cross_entropy(model(x), tg.randint(0, 10, (2,)))
    if backward:
        loss.backward()
    return loss, dict(model.named_parameters())


def _checkpoint_model(path: Path):
    """The checkpoint's model with its weights, its input channels and image size."""
    from ..models import build_model
    from ..training import load_checkpoint
    from ..training.session import TrainingConfig

    state = load_checkpoint(path)
    if not isinstance(state.get("config"), dict) or "model" not in state:
        raise ConfigError(f"{path} has no training config and model weights (was it "
                         "written by `tinygrad-cnn train`?); draw --model NAME instead")
    config = TrainingConfig(**state["config"])
    if config.dataset not in IMAGE_SIZES:
        raise ConfigError(f"{path} was trained on {config.dataset!r}, whose image size "
                         f"draw does not know ({', '.join(IMAGE_SIZES)})")
    size = IMAGE_SIZES[config.dataset]
    model = build_model(config.model, in_channels=1, image_size=(size, size))
    model.load_state_dict(state["model"])
    return model, 1, size


def run(args: argparse.Namespace) -> int:
    """Render the picture to `args.out` (needs graphviz's `dot`); returns the exit status.

    >>> import tempfile
    >>> out = Path(tempfile.mkdtemp()) / "blog.svg"
    >>> run(argparse.Namespace(example="blog-circuit", direction="auto", loss="half_sse",
    ...                        out=out))  # doctest: +ELLIPSIS
    wrote .../blog.svg (... × ... pt)
    0
    >>> out.read_text().startswith("<?xml")
    True
    """
    out: Path = args.out
    if not out.suffix:
        raise ConfigError(f"--out {out} has no suffix; use e.g. {out}.svg or {out}.png")
    if getattr(args, "view", None) == "frames" and out.suffix.lower() != ".gif":
        raise ConfigError(f"--view frames writes an animated GIF; --out {out} must end "
                         "in .gif")
    picture = build(args)
    if getattr(args, "view", None) == "frames":
        picture.write_gif(out)
        print(f"wrote {out} ({len(picture)} frames: {' → '.join(picture.names)})")
        return 0
    picture.write(out)
    width, height = picture.size_pt()
    print(f"wrote {out} ({width:.0f} × {height:.0f} pt)")
    return 0
