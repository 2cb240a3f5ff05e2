"""Command-line errors: every mistake the user can fix is one line on stderr that names the
flag and what to do, with exit status 2 and no traceback; bugs keep their traceback."""
import os
import subprocess
import sys
import urllib.request
from pathlib import Path

import numpy as np
import pytest

from tinygrad_cnn.cli.main import main
from tinygrad_cnn.training import save_checkpoint

REPO = Path(__file__).resolve().parents[1]


def _one_line_error(capsys, argv):
    """Run the CLI in-process; returns its single stderr line (and checks the exit status)."""
    try:
        status = main(argv)
    except SystemExit as exit_:  # argparse's usage errors
        status = exit_.code
    err = capsys.readouterr().err
    assert status == 2, err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert "Traceback" not in err
    return lines[0]


@pytest.mark.parametrize("argv, flag, problem", [
    (["train", "--epochs", "0"], "--epochs", "must be a positive integer, got '0'"),
    (["train", "--epochs", "-1"], "--epochs", "must be a positive integer, got '-1'"),
    (["train", "--epochs", "1.5"], "--epochs", "must be a positive integer, got '1.5'"),
    (["train", "--max-batches", "0"], "--max-batches", "must be a positive integer"),
    (["train", "--max-batches", "-3"], "--max-batches", "got '-3'"),
    (["train", "--batch-size", "0"], "--batch-size", "must be a positive integer, got '0'"),
    (["train", "--lr", "-1"], "--lr", "must be a positive number, got '-1'"),
    (["train", "--lr", "0"], "--lr", "must be a positive number, got '0'"),
    (["train", "--lr", "nan"], "--lr", "got 'nan'"),
    (["train", "--lr", "fast"], "--lr", "got 'fast'"),
    (["train", "--gamma", "-1", "--schedule", "step"], "--gamma", "must be a positive number"),
    (["train", "--gamma", "inf"], "--gamma", "got 'inf'"),
    (["train", "--decay", "-1"], "--decay", "must be a non-negative number, got '-1'"),
    (["train", "--seed", "-2"], "--seed", "must be a non-negative integer, got '-2'"),
    (["evaluate", "--checkpoint", "c.npz", "--batch-size", "0"], "--batch-size", "got '0'"),
    (["demo", "--seed", "x"], "--seed", "got 'x'"),
])
def test_bad_numeric_flags_are_refused_in_one_line(capsys, argv, flag, problem):
    line = _one_line_error(capsys, argv)
    assert line.startswith(f"tinygrad-cnn {argv[0]}: error: argument {flag}: must be ")
    assert problem in line
    assert line.endswith(f"(see tinygrad-cnn {argv[0]} --help)")


def test_missing_data_names_the_cli_flags(capsys, tmp_path):
    line = _one_line_error(capsys, ["train", "--dataset", "mnist", "--data-dir",
                                    str(tmp_path), "--no-progress"])
    assert line == (f"tinygrad-cnn: error: MNIST file train-images-idx3-ubyte(.gz) not found "
                    f"in {tmp_path}: add --download to fetch it, or point --data-dir at a "
                    "directory with the original IDX files")
    assert "download=True" not in line


def test_offline_download_says_what_to_do(capsys, tmp_path, monkeypatch):
    for proxy in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY"):
        monkeypatch.setenv(proxy, "http://127.0.0.1:9")  # nothing listens: offline
    monkeypatch.delenv("no_proxy", raising=False)
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.setattr(urllib.request, "_opener", None)  # rebuilt with the proxies above
    line = _one_line_error(capsys, ["train", "--dataset", "fashion-mnist", "--data-dir",
                                    str(tmp_path), "--download", "--no-progress"])
    assert line.startswith("tinygrad-cnn: error: could not download "
                           "train-images-idx3-ubyte.gz (http")
    assert line.endswith(f"retry --download when online, or put the IDX files into "
                         f"{tmp_path} or a directory given with --data-dir")


def test_missing_checkpoint_names_the_flag(capsys, tmp_path):
    missing = tmp_path / "none.npz"
    line = _one_line_error(capsys, ["evaluate", "--checkpoint", str(missing)])
    assert line == (f"tinygrad-cnn: error: --checkpoint {missing}: no such file; "
                    "`tinygrad-cnn train --out DIR` writes DIR/checkpoint.npz")


def test_corrupt_or_foreign_checkpoint_names_the_flag(capsys, tmp_path):
    corrupt = tmp_path / "corrupt.npz"
    corrupt.write_bytes(b"PK not really")
    line = _one_line_error(capsys, ["evaluate", "--checkpoint", str(corrupt)])
    assert line.startswith(f"tinygrad-cnn: error: --checkpoint: {corrupt} is not a readable "
                           "tinygrad_cnn checkpoint")
    foreign = save_checkpoint(tmp_path / "foreign.npz", {"weights": np.ones(2)})
    line = _one_line_error(capsys, ["evaluate", "--checkpoint", str(foreign)])
    assert line == (f"tinygrad-cnn: error: --checkpoint: {foreign} is a checkpoint, but not "
                    "one written by training (it has no config, epoch and model)")


def test_resume_of_a_different_setup_names_the_flag(capsys, tmp_path):
    common = ["train", "--epochs", "1", "--max-batches", "1", "--no-progress",
              "--out", str(tmp_path)]
    assert main(common) == 0
    capsys.readouterr()
    line = _one_line_error(capsys, common + ["--resume", "--optimizer", "sgd"])
    assert line.startswith(f"tinygrad-cnn: error: --resume: cannot resume "
                           f"{tmp_path / 'checkpoint.npz'}: it was trained with "
                           "optimizer='adam', this run asks for 'sgd'")
    assert line.endswith("train without --resume, or give another --out")


def test_draw_without_a_format_names_the_flag(capsys, tmp_path):
    out = tmp_path / "picture"
    line = _one_line_error(capsys, ["draw", "--example", "blog-circuit", "--out", str(out)])
    assert line == (f"tinygrad-cnn: error: --out {out} has no suffix; use e.g. {out}.svg or "
                    f"{out}.png")


def _run(argv, **env):
    return subprocess.run([sys.executable, "-m", "tinygrad_cnn", *argv], cwd=REPO,
                          capture_output=True, text=True, env={**os.environ, **env},
                          timeout=120)


def test_missing_graphviz_gives_an_install_hint_without_traceback(tmp_path):
    no_dot = tmp_path / "bin"  # a PATH with python's directory only: no `dot`
    no_dot.mkdir()
    result = _run(["draw", "--example", "blog-circuit", "--out", str(tmp_path / "b.svg")],
                  PATH=str(no_dot))
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "tinygrad-cnn: error: Graphviz's `dot` program is not installed (it renders the "
        "pictures): install Graphviz, e.g. `apt-get install graphviz` (Debian/Ubuntu), "
        "`brew install graphviz` (macOS) or `conda install graphviz`, then run this again"]
    assert not (tmp_path / "b.svg").exists()


def test_a_real_process_exits_2_with_one_line(tmp_path):
    result = _run(["train", "--epochs", "0"])
    assert (result.returncode, result.stdout) == (2, "")
    assert len(result.stderr.strip().splitlines()) == 1
    result = _run(["train", "--dataset", "mnist", "--data-dir", str(tmp_path)])
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        f"tinygrad-cnn: error: MNIST file train-images-idx3-ubyte(.gz) not found in "
        f"{tmp_path}: add --download to fetch it, or point --data-dir at a directory with "
        "the original IDX files"]


def test_a_bug_keeps_its_traceback(monkeypatch):
    def broken(args):
        raise KeyError("a bug")

    monkeypatch.setattr("tinygrad_cnn.cli.demo.run", broken)
    with pytest.raises(KeyError, match="a bug"):
        main(["demo"])


def test_resume_of_a_corrupt_checkpoint_names_the_flag(capsys, tmp_path):
    (tmp_path / "checkpoint.npz").write_bytes(b"PK broken")
    line = _one_line_error(capsys, ["train", "--epochs", "1", "--max-batches", "1",
                                    "--no-progress", "--out", str(tmp_path), "--resume"])
    assert line.startswith(f"tinygrad-cnn: error: --resume: {tmp_path / 'checkpoint.npz'} "
                           "is not a readable tinygrad_cnn checkpoint")


def test_corrupt_idx_file_is_one_line_naming_the_file(capsys, tmp_path):
    from tinygrad_cnn.data import MNIST

    for name, _ in MNIST.files.values():
        (tmp_path / f"{name}.gz").write_bytes(b"not gzip")
    line = _one_line_error(capsys, ["train", "--dataset", "mnist", "--data-dir",
                                    str(tmp_path), "--no-progress", "--out",
                                    str(tmp_path / "run")])
    assert line.startswith(f"tinygrad-cnn: error: {tmp_path / 'train-images-idx3-ubyte.gz'}: "
                           "cannot read it as a gzip IDX file")
