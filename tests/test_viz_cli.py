"""`tinygrad-cnn draw` writes the picture in the format of the file suffix."""
import pytest

from tinygrad_cnn.cli.main import main


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
