"""What `tinygrad-cnn train` prints and leaves behind: quiet logs off a terminal, plots
once, the summary, metrics.csv, --keep/--early-stop, overwrite refusal, resume warnings."""
import csv
import io
import json

import numpy as np
import pytest

from tinygrad_cnn import nn, optim, tensor, zeros
from tinygrad_cnn.cli.main import build_parser, main
from tinygrad_cnn.training import load_checkpoint, loop, reports, session
from tinygrad_cnn.training.session import ResumeWarning, TrainingConfig, train

QUICK = ["--dataset", "digits", "--max-batches", "2"]


def _train(capsys, out, *args):
    status = main(["train", *QUICK, "--out", str(out), *args])
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def test_off_a_terminal_one_line_per_epoch_and_nothing_on_stderr(tmp_path, capsys):
    status, out, err = _train(capsys, tmp_path / "run", "--epochs", "3")
    assert status == 0 and err == ""                      # no bars, no carriage returns
    epoch_lines = [line for line in out.splitlines() if line.startswith("epoch ")]
    assert [line.split()[1] for line in epoch_lines] == ["1/3", "2/3", "3/3"]
    assert "Mult-adds" in out                             # the model summary comes first


def test_auto_progress_is_a_bar_only_on_a_terminal():
    class Terminal(io.StringIO):
        def isatty(self):
            return True

    assert loop.resolve_verbose("auto", Terminal()) == 1
    assert loop.resolve_verbose("auto", io.StringIO()) == 2
    with pytest.raises(ValueError, match="verbose must be 0, 1, 2 or 'auto', got 3"):
        loop.resolve_verbose(3)


def test_progress_flags(tmp_path, capsys):
    _, out, err = _train(capsys, tmp_path / "a", "--epochs", "1", "--progress")
    assert "epoch 1/1" in err and "\r" in err             # asked for: a bar on stderr
    _, out, err = _train(capsys, tmp_path / "b", "--epochs", "2", "--quiet")
    assert err == "" and "epoch 1/2" not in out and "Mult-adds" not in out
    assert out.splitlines()[0].startswith("finished epoch 2/2")


def test_fit_verbose_levels(capsys):
    model = nn.Linear(4, 2)
    loader = [(zeros(4, 4), tensor([0, 0, 1, 1]))]
    loop.fit(model, optim.SGD(model.parameters(), lr=0.1), loader, epochs=2, verbose=0)
    assert capsys.readouterr() == ("", "")
    loop.fit(model, optim.SGD(model.parameters(), lr=0.1), loader, epochs=2, verbose=2)
    assert len(capsys.readouterr().out.splitlines()) == 2


def test_plots_are_drawn_once_at_the_end(tmp_path, monkeypatch):
    calls = []
    real = reports.plot_curves
    monkeypatch.setattr(reports, "plot_curves", lambda h, p: calls.append(len(h)) or real(h, p))
    train(TrainingConfig(epochs=4, max_batches=2, out=str(tmp_path)), verbose=0)
    assert calls == [4]
    for name in ("curves.png", "confusion.png", "misclassified.png"):
        assert (tmp_path / name).read_bytes()[1:4] == b"PNG"


def test_interrupt_saves_the_curves_so_far_and_says_how_to_resume(tmp_path, capsys,
                                                                  monkeypatch):
    real, epochs = loop.train_epoch, []

    def interrupted_in_epoch_3(*args, **kwargs):
        epochs.append(1)
        if len(epochs) == 3:
            raise KeyboardInterrupt
        return real(*args, **kwargs)

    monkeypatch.setattr(loop, "train_epoch", interrupted_in_epoch_3)
    status, out, err = _train(capsys, tmp_path, "--epochs", "5", "--quiet")
    assert status == 130
    assert f"continue with --resume --out {tmp_path}" in err
    assert (tmp_path / "curves.png").exists() and not (tmp_path / "confusion.png").exists()
    assert load_checkpoint(tmp_path / "checkpoint.npz")["epoch"] == 2
    epochs.clear()
    epochs.extend([1, 1])   # the next call is the 3rd: interrupted in the first epoch
    status, _, err = _train(capsys, tmp_path / "new", "--epochs", "5", "--quiet")
    assert status == 130 and "nothing was saved" in err


def test_summary_and_json_line(tmp_path, capsys):
    status, out, _ = _train(capsys, tmp_path, "--epochs", "2", "--quiet")
    lines = out.splitlines()
    run = json.loads(lines[-1])
    assert lines[0] == (f"finished epoch 2/2 in {run['wall_seconds']:.1f} s (training "
                        f"{run['train_seconds']:.1f} s, {run['images_per_second']:,.0f} images/s)")
    assert lines[1] == (f"test accuracy {run['test_accuracy']:.2%} at the last epoch; best "
                        f"{run['best_test_accuracy']:.2%} at epoch {run['best_epoch']}")
    assert lines[2:5] == [f"checkpoint  {tmp_path}/checkpoint.npz",
                          f"metrics     {tmp_path}/metrics.csv",
                          f"plots       {tmp_path}/curves.png, {tmp_path}/confusion.png, "
                          f"{tmp_path}/misclassified.png"]
    assert run["images_per_second"] == pytest.approx(2 * 2 * 64 / run["train_seconds"])
    assert run["wall_seconds"] > run["train_seconds"] and "seconds" not in run
    status, out, _ = _train(capsys, tmp_path, "--epochs", "1", "--json", "--overwrite")
    assert len(out.splitlines()) == 1 and json.loads(out)["epoch"] == 1


def test_metrics_csv_has_one_row_per_epoch_also_after_resume(tmp_path):
    history = train(TrainingConfig(epochs=2, max_batches=2, out=str(tmp_path)), verbose=0)
    history = train(TrainingConfig(epochs=3, max_batches=2, out=str(tmp_path)), resume=True,
                    verbose=0)
    with open(tmp_path / "metrics.csv") as f:
        rows = list(csv.DictReader(f))
    assert list(rows[0]) == list(reports.COLUMNS)
    assert [int(r["epoch"]) for r in rows] == [1, 2, 3]
    for row, record in zip(rows, history):
        assert float(row["test_accuracy"]) == record["test_accuracy"]
        assert float(row["train_loss"]) == record["train_loss"]
        assert int(row["images"]) == 128


def test_keep_best_and_early_stop(tmp_path):
    # lr 0 never improves on epoch 1, so patience 2 stops after epoch 3
    config = TrainingConfig(epochs=10, max_batches=2, out=str(tmp_path), lr=0.0,
                            optimizer="sgd", keep="best", early_stop=2)
    history = train(config, verbose=0)
    assert [r["epoch"] for r in history] == [1, 2, 3]
    assert load_checkpoint(tmp_path / "best.npz")["epoch"] == 1
    assert load_checkpoint(tmp_path / "checkpoint.npz")["epoch"] == 3
    run = session.run_summary(config, history, 1.0)
    assert run["stopped_early"] and run["best_checkpoint"] == str(tmp_path / "best.npz")
    with pytest.raises(ValueError, match="early_stop must be a positive number.*got 0"):
        TrainingConfig(early_stop=0)


def test_keep_best_saves_the_improving_epochs(tmp_path, monkeypatch):
    saved = []
    real = session.save_checkpoint
    monkeypatch.setattr(session, "save_checkpoint",
                        lambda path, state: saved.append((path.name, state["epoch"]))
                        or real(path, state))
    history = train(TrainingConfig(epochs=4, max_batches=3, out=str(tmp_path), keep="best"),
                    verbose=0)
    accuracy = [r["test_accuracy"] for r in history]
    improving = [i + 1 for i, a in enumerate(accuracy) if a > max(accuracy[:i], default=-1)]
    assert [e for name, e in saved if name == "best.npz"] == improving
    assert [e for name, e in saved if name == "checkpoint.npz"] == [1, 2, 3, 4]


def test_a_non_empty_run_folder_is_not_overwritten(tmp_path, capsys):
    assert _train(capsys, tmp_path, "--epochs", "1")[0] == 0
    before = (tmp_path / "checkpoint.npz").read_bytes()
    status, out, err = _train(capsys, tmp_path, "--epochs", "1", "--seed", "1")
    assert status == 2 and out == ""
    assert err.startswith(f"tinygrad-cnn: error: refusing to overwrite {tmp_path}")
    assert "--overwrite" in err and (tmp_path / "checkpoint.npz").read_bytes() == before
    (tmp_path / "notes.txt").write_text("mine")
    status, _, _ = _train(capsys, tmp_path, "--epochs", "1", "--seed", "1", "--overwrite")
    assert status == 0 and (tmp_path / "checkpoint.npz").read_bytes() != before
    assert (tmp_path / "notes.txt").read_text() == "mine"   # only our files are replaced


def test_overwrite_removes_the_previous_runs_files(tmp_path):
    train(TrainingConfig(epochs=1, max_batches=1, out=str(tmp_path), keep="best"), verbose=0)
    assert (tmp_path / "best.npz").exists()
    train(TrainingConfig(epochs=1, max_batches=1, out=str(tmp_path)), verbose=0,
          overwrite=True)
    assert not (tmp_path / "best.npz").exists()   # no stale best model of another run


def test_default_out_is_a_fresh_folder_per_run():
    config = TrainingConfig(dataset="mnist")
    assert config.out.startswith("runs/mnist-") and len(config.out) == len("runs/mnist-") + 15


def test_resume_warns_that_a_new_lr_is_ignored(tmp_path):
    train(TrainingConfig(epochs=1, max_batches=1, out=str(tmp_path)), verbose=0)
    with pytest.warns(ResumeWarning, match=r"its lr=0.005: this command's lr=0.1 is ignored"):
        history = train(TrainingConfig(epochs=2, max_batches=1, out=str(tmp_path), lr=0.1),
                        resume=True, verbose=0)
    assert [r["lr"] for r in history] == [0.005, 0.005]
    assert load_checkpoint(tmp_path / "checkpoint.npz")["config"]["lr"] == 0.005
    with pytest.warns(ResumeWarning, match=r"augment=True from now on \(it was False\)"):
        train(TrainingConfig(epochs=3, max_batches=1, out=str(tmp_path), augment=True),
              resume=True, verbose=0)


def test_resume_warnings_on_the_command_line(tmp_path, capsys):
    _train(capsys, tmp_path, "--epochs", "1")
    status, _, err = _train(capsys, tmp_path, "--epochs", "2", "--resume", "--lr", "0.1")
    assert status == 0
    assert err.startswith("tinygrad-cnn train: warning: resuming")
    assert "lr=0.1 is ignored" in err
    status, _, err = _train(capsys, tmp_path, "--epochs", "2", "--resume")
    assert "already trained 2 epochs" in err
    assert main(["train", "--resume"]) == 2
    assert "--resume needs --out" in capsys.readouterr().err


def test_resume_continues_with_the_runs_own_options(tmp_path, capsys):
    _train(capsys, tmp_path, "--epochs", "1", "--augment", "--keep", "best", "--lr", "0.01",
           "--early-stop", "4")
    status, out, err = _train(capsys, tmp_path, "--epochs", "2", "--resume", "--quiet")
    assert status == 0 and err == ""                # nothing given differs: no warning
    saved = load_checkpoint(tmp_path / "checkpoint.npz")["config"]
    assert (saved["augment"], saved["keep"], saved["lr"], saved["early_stop"]) == \
        (True, "best", 0.01, 4)
    assert json.loads(out.splitlines()[-1])["lr"] == 0.01
    status, _, err = _train(capsys, tmp_path, "--epochs", "3", "--resume", "--quiet",
                            "--early-stop", "9")
    assert err.splitlines() == [f"tinygrad-cnn train: warning: resuming {tmp_path}/"
                                "checkpoint.npz with early_stop=9 from now on (it was 4)"]


def test_resume_needs_only_the_run_folder(tmp_path, capsys):
    _train(capsys, tmp_path, "--epochs", "2", "--model", "lenet", "--seed", "3",
           "--batch-size", "16")
    (tmp_path / "checkpoint.npz").replace(tmp_path / "after2.npz")
    _train(capsys, tmp_path / "b", "--epochs", "1", "--model", "lenet", "--seed", "3",
           "--batch-size", "16")
    status, out, err = main(["train", "--resume", "--epochs", "2", "--out",
                             str(tmp_path / "b"), "--json"]), *capsys.readouterr()
    assert status == 0 and err == ""
    a = load_checkpoint(tmp_path / "after2.npz")["model"]
    b = load_checkpoint(tmp_path / "b" / "checkpoint.npz")["model"]
    for key in a:   # seed, model, batch size and max-batches all came from the checkpoint
        np.testing.assert_array_equal(a[key], b[key])


def test_augmented_training_runs_and_is_reproducible(tmp_path):
    runs = [train(TrainingConfig(epochs=1, max_batches=3, augment=True,
                                 out=str(tmp_path / str(i))), verbose=0) for i in range(2)]
    plain = train(TrainingConfig(epochs=1, max_batches=3, out=str(tmp_path / "p")), verbose=0)
    assert runs[0][0]["train_loss"] == runs[1][0]["train_loss"] != plain[0]["train_loss"]


def test_help_shows_defaults_and_version(capsys):
    parser = build_parser()
    with pytest.raises(SystemExit):
        parser.parse_args(["train", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    for shown in ("--batch-size BATCH_SIZE (default: 64)", "--seed SEED (default: 0)",
                  "(default: 0.5)", "--keep {last,best}", "(default: last)",
                  "default: a new runs/DATASET-DATE-TIME"):
        assert shown in text
    assert "(default: None)" not in text and "(default: False)" not in text
    with pytest.raises(SystemExit):
        parser.parse_args(["--version"])
    assert capsys.readouterr().out.strip() == "tinygrad-cnn 0.1.0"


def test_confusion_matrix_counts():
    counts = reports.confusion_matrix(np.array([0, 1, 2, 2]), np.array([0, 2, 2, 1]), 3)
    assert counts.tolist() == [[1, 0, 0], [0, 0, 1], [0, 1, 1]]
