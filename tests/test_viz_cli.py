"""`tinygrad-cnn draw` writes the picture in the format of the file suffix."""
import dataclasses

import numpy as np
import pytest

from tinygrad_cnn.cli import draw
from tinygrad_cnn.cli.draw import EXAMPLES
from tinygrad_cnn.cli.main import build_parser, main
from tinygrad_cnn.models import available_models


def test_blog_circuit_to_svg(tmp_path, capsys):
    out = tmp_path / "blog.svg"
    assert main(["draw", "--example", "blog-circuit", "--out", str(out)]) == 0
    assert "<svg" in out.read_text() and "wrote" in capsys.readouterr().out
    assert not list(tmp_path.glob("*.gv")) and not (tmp_path / "blog").exists()


@pytest.mark.parametrize("view", ["forward", "backward"])
def test_lenet_views_to_png(tmp_path, view):
    out = tmp_path / f"lenet_{view}.png"
    assert main(["draw", "--model", "lenet", "--view", view, "--out", str(out)]) == 0
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_missing_suffix_is_refused(tmp_path, capsys):
    assert main(["draw", "--example", "blog-circuit", "--out", str(tmp_path / "picture")]) == 2
    assert "has no suffix" in capsys.readouterr().err


@pytest.mark.parametrize("model", available_models())
@pytest.mark.parametrize("view", ["forward", "forward-collapsed", "backward"])
def test_every_model_and_view(tmp_path, model, view):
    out = tmp_path / "m.svg"
    assert main(["draw", "--model", model, "--view", view, "--out", str(out)]) == 0
    svg = out.read_text()
    assert "<svg" in svg and ("Backward" in svg) == (view == "backward")


@pytest.mark.parametrize("example", EXAMPLES)
def test_every_example(tmp_path, example):
    out = tmp_path / "e.svg"
    extra = ["--collapse-depth", "2"] if example == "deep-resnet" else []
    assert main(["draw", "--example", example, "--out", str(out)] + extra) == 0
    assert "<svg" in out.read_text()


@pytest.mark.parametrize("direction, rankdir", [("TB", "TB"), ("LR", "LR")])
def test_direction_is_obeyed(tmp_path, direction, rankdir):
    args = build_parser().parse_args(["draw", "--model", "small", "--direction", direction,
                                      "--out", str(tmp_path / "m.svg")])
    assert draw.build(args).graph_attr["rankdir"] == rankdir
    args.view = "backward"  # the backward view runs against the forward direction
    assert draw.build(args).graph_attr["rankdir"] == {"TB": "BT", "LR": "RL"}[rankdir]


def test_collapse_depth_gives_one_node_per_block(tmp_path):
    args = build_parser().parse_args(["draw", "--example", "deep-resnet", "--collapse-depth",
                                      "2", "--out", str(tmp_path / "d.svg")])
    src = draw.build(args).source
    blocks = {line.split()[0] for line in src.splitlines() if "mod_blocks_" in line
              and "->" not in line}
    assert len(blocks) == 28


def test_checkpoint_is_drawn_with_its_trained_weights(tmp_path, capsys):
    from tinygrad_cnn.models import build_model
    from tinygrad_cnn.training import save_checkpoint
    from tinygrad_cnn.training.session import TrainingConfig

    model = build_model("small", in_channels=1, image_size=(8, 8))
    model.state_dict()  # weights as train saves them
    path = save_checkpoint(tmp_path / "c.npz", {"config": dataclasses.asdict(TrainingConfig()),
                                                "epoch": 1, "model": model.state_dict()})
    out = tmp_path / "c.svg"
    assert main(["draw", "--checkpoint", str(path), "--out", str(out)]) == 0
    args = build_parser().parse_args(["draw", "--checkpoint", str(path), "--out", str(out)])
    _, params = draw._model_loss(args)
    for name, value in model.state_dict().items():
        if name in params:
            np.testing.assert_array_equal(params[name]._data, value)


def test_checkpoint_without_config_is_refused(tmp_path, capsys):
    from tinygrad_cnn.training import save_checkpoint

    path = save_checkpoint(tmp_path / "c.npz", {"w": np.ones(2)})
    assert main(["draw", "--checkpoint", str(path), "--out", str(tmp_path / "c.svg")]) == 2
    assert "no training config" in capsys.readouterr().err


@pytest.mark.parametrize("source", [["--model", "small"], ["--example", "blog-circuit"]],
                         ids=["model", "blog"])
@pytest.mark.parametrize("view", ["gradient-flow", "gradcheck"])
def test_backprop_views(tmp_path, source, view):
    out = tmp_path / "v.svg"
    assert main(["draw", *source, "--view", view, "--out", str(out)]) == 0
    svg = out.read_text()
    assert ("‖∇‖" in svg) == (view == "gradient-flow")
    assert ("rel. error" in svg) == (view == "gradcheck")


def test_frames_view_writes_an_animated_gif(tmp_path, capsys):
    from PIL import Image

    out = tmp_path / "b.gif"
    assert main(["draw", "--example", "blog-circuit", "--view", "frames", "--out", str(out)]) == 0
    assert Image.open(out).n_frames == 10
    assert "MulBackward → SumBackward" in capsys.readouterr().out
    assert main(["draw", "--example", "blog-circuit", "--view", "frames", "--out",
                 str(tmp_path / "b.svg")]) == 2
    assert "must end in .gif" in capsys.readouterr().err
