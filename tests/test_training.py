"""The training loop and CLI: a smoke run, exact resume, evaluation, curves."""
import json

import numpy as np
import pytest

import tinygrad_cnn as tg
from tinygrad_cnn import nn, optim
from tinygrad_cnn.cli.main import main
from tinygrad_cnn.data import DataLoader, TensorDataset
from tinygrad_cnn.training import evaluate, fit, load_checkpoint
from tinygrad_cnn.training.session import TrainingConfig, train


def _cli(capsys, *args):
    assert main(list(args)) == 0
    return json.loads(capsys.readouterr().out.strip().splitlines()[-1])


def test_cli_train_then_evaluate_on_digits(tmp_path, capsys):
    out = tmp_path / "run"
    result = _cli(capsys, "train", "--dataset", "digits", "--epochs", "2", "--max-batches",
                  "4", "--out", str(out), "--no-progress")
    assert result["epoch"] == 2 and 0 <= result["test_accuracy"] <= 1
    assert (out / "checkpoint.npz").is_file() and (out / "curves.png").stat().st_size > 1000
    again = _cli(capsys, "evaluate", "--checkpoint", str(out / "checkpoint.npz"))
    assert again["test_accuracy"] == pytest.approx(result["test_accuracy"])
    assert again["epoch"] == 2


def test_resume_gives_the_same_result_as_an_uninterrupted_run(tmp_path):
    common = dict(dataset="digits", model="lenet", batch_size=32, max_batches=3, seed=3,
                  schedule="exponential")
    straight = train(TrainingConfig(epochs=3, out=str(tmp_path / "a"), **common),
                     verbose=0)
    train(TrainingConfig(epochs=1, out=str(tmp_path / "b"), **common), verbose=0)
    resumed = train(TrainingConfig(epochs=3, out=str(tmp_path / "b"), **common),
                    resume=True, verbose=0)
    assert [r["train_loss"] for r in resumed] == [r["train_loss"] for r in straight]
    assert [r["lr"] for r in resumed] == [r["lr"] for r in straight] == \
        pytest.approx([5e-3, 2.5e-3, 1.25e-3])
    a = load_checkpoint(tmp_path / "a" / "checkpoint.npz")["model"]
    b = load_checkpoint(tmp_path / "b" / "checkpoint.npz")["model"]
    for key in a:  # LeNet has dropout: equal only if the random stream resumed too
        np.testing.assert_array_equal(a[key], b[key])


def test_resume_refuses_a_different_setup(tmp_path):
    train(TrainingConfig(epochs=1, out=str(tmp_path), max_batches=1), verbose=0)
    with pytest.raises(ValueError, match="trained with optimizer='adam'.*asks for 'sgd'"):
        train(TrainingConfig(epochs=2, out=str(tmp_path), max_batches=1, optimizer="sgd"),
              resume=True, verbose=0)


def test_same_seed_same_run(tmp_path):
    runs = [train(TrainingConfig(epochs=1, out=str(tmp_path / str(i)), max_batches=5),
                  verbose=0) for i in range(2)]
    assert runs[0][0]["train_loss"] == runs[1][0]["train_loss"]


def test_fit_learns_a_separable_problem():
    tg.manual_seed(0)
    rng = np.random.default_rng(0)
    x = rng.normal(size=(256, 2)).astype(np.float32)
    y = (x[:, 0] + x[:, 1] > 0).astype(np.int64)
    model = nn.Sequential(nn.Linear(2, 16), nn.ReLU(), nn.Linear(16, 2))
    loader = DataLoader(TensorDataset(x, y), batch_size=32, shuffle=True, seed=0)
    history = fit(model, optim.Adam(model.parameters(), lr=0.05), loader, epochs=5,
                  test_loader=loader, verbose=0)
    assert [r["epoch"] for r in history] == [1, 2, 3, 4, 5]
    assert history[-1]["test_accuracy"] > 0.95
    assert evaluate(model, loader)["accuracy"] == pytest.approx(history[-1]["test_accuracy"])
    assert model.training  # evaluate restores the mode


def test_keras_time_based_decay_steps_per_batch(tmp_path):
    history = train(TrainingConfig(epochs=2, out=str(tmp_path), max_batches=4, lr=0.01,
                                   schedule="inverse-time", decay=0.5), verbose=0)
    # lr_t = lr_0 / (1 + decay * t), t = batches seen before the epoch started
    assert [r["lr"] for r in history] == pytest.approx([0.01, 0.01 / (1 + 0.5 * 4)])


def test_config_rejects_unknown_optimizer():
    with pytest.raises(ValueError, match="unknown optimizer 'lbfgs'"):
        TrainingConfig(optimizer="lbfgs")
    with pytest.raises(ValueError, match="unknown schedule 'warmup'"):
        TrainingConfig(schedule="warmup")


@pytest.mark.slow
def test_readme_main_job_reaches_97_percent_on_digits(tmp_path, capsys):
    result = _cli(capsys, "train", "--dataset", "digits", "--out", str(tmp_path),
                  "--no-progress")
    assert result["test_accuracy"] >= 0.97


@pytest.mark.slow
def test_lenet_reaches_99_percent_on_mnist_in_3_epochs_with_adam(tmp_path, capsys):
    """The issue's acceptance: the tutorial LeNet, Adam, 3 epochs, real MNIST (../shared)."""
    result = _cli(capsys, "train", "--dataset", "mnist", "--model", "lenet", "--epochs", "3",
                  "--optimizer", "adam", "--out", str(tmp_path), "--no-progress")
    assert result["test_accuracy"] >= 0.99
