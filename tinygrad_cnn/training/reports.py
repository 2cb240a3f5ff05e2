"""What a training run leaves in its folder besides the checkpoint: `metrics.csv` (one row
per epoch), the curves, the confusion matrix and misclassified test images (PNGs); each
written atomically (a temporary file renamed over the target)."""
from __future__ import annotations

import csv
import io
import tempfile  # noqa: F401  (the doctests use it)
from pathlib import Path
from typing import Dict, List, Optional, Sequence

import numpy as np

from ..atomic import replacing, write_atomically

METRICS, CURVES = "metrics.csv", "curves.png"
CONFUSION, MISCLASSIFIED = "confusion.png", "misclassified.png"
COLUMNS = ("epoch", "train_loss", "train_accuracy", "test_loss", "test_accuracy", "lr",
           "seconds", "images")


def write_metrics(history: List[Dict[str, float]], path: Path) -> None:
    """The epoch records as CSV, one row per epoch (columns `COLUMNS`), for pandas or a
    spreadsheet.

    >>> path = Path(tempfile.mkdtemp()) / METRICS
    >>> write_metrics([{"epoch": 1, "train_loss": 0.5, "lr": 0.01}], path)
    >>> print(path.read_text().strip())
    epoch,train_loss,train_accuracy,test_loss,test_accuracy,lr,seconds,images
    1,0.5,,,,0.01,,
    """
    text = io.StringIO()
    writer = csv.DictWriter(text, COLUMNS, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    writer.writerows(history)
    write_atomically(path, text.getvalue().encode())


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")  # files only: no display needed
    import matplotlib.pyplot as plt

    return plt


def _save(fig, path: Path) -> None:
    with replacing(path) as tmp:
        fig.savefig(tmp, dpi=110, format="png")
    _pyplot().close(fig)


def plot_curves(history: List[Dict[str, float]], path: Path) -> None:
    """Loss and accuracy per epoch (train and test) as a PNG.

    >>> path = Path(tempfile.mkdtemp()) / CURVES
    >>> plot_curves([{"epoch": 1, "train_loss": 0.5, "train_accuracy": 0.8},
    ...              {"epoch": 2, "train_loss": 0.3, "train_accuracy": 0.9}], path)
    >>> path.read_bytes()[1:4]
    b'PNG'
    """
    plt = _pyplot()
    epochs = [r["epoch"] for r in history]
    fig, (ax_loss, ax_acc) = plt.subplots(1, 2, figsize=(9, 3.5))
    for ax, key in ((ax_loss, "loss"), (ax_acc, "accuracy")):
        ax.plot(epochs, [r[f"train_{key}"] for r in history], "o-", label="train")
        if "test_" + key in history[0]:
            ax.plot(epochs, [r[f"test_{key}"] for r in history], "s-", label="test")
        ax.set_xlabel("epoch"), ax.set_title(key), ax.grid(alpha=0.3), ax.legend()
    fig.tight_layout()
    _save(fig, path)


def confusion_matrix(targets: np.ndarray, predictions: np.ndarray,
                     num_classes: Optional[int] = None) -> np.ndarray:
    """Counts[true, predicted].

    >>> confusion_matrix(np.array([0, 1, 1]), np.array([0, 0, 1])).tolist()
    [[1, 0], [1, 1]]
    """
    n = num_classes or int(max(targets.max(initial=0), predictions.max(initial=0))) + 1
    counts = np.zeros((n, n), dtype=np.int64)
    np.add.at(counts, (targets, predictions), 1)
    return counts


def plot_confusion(counts: np.ndarray, path: Path, labels: Sequence[str],
                   title: str = "") -> None:
    """The confusion matrix as a PNG: rows true, columns predicted, counts in the cells.

    >>> path = Path(tempfile.mkdtemp()) / CONFUSION
    >>> plot_confusion(np.eye(3, dtype=int), path, ["a", "b", "c"]); path.read_bytes()[1:4]
    b'PNG'
    """
    plt = _pyplot()
    n = len(counts)
    fig, ax = plt.subplots(figsize=(5.5, 5))
    shade = np.log1p(counts)
    ax.imshow(shade, cmap="Blues")
    for i, j in zip(*np.nonzero(counts)):  # white on the dark cells, black on the light
        ax.text(j, i, counts[i, j], ha="center", va="center", fontsize=7,
                color="white" if shade[i, j] > 0.6 * shade.max() else "black")
    ax.set_xticks(range(n), labels, rotation=45, ha="right", fontsize=8)
    ax.set_yticks(range(n), labels, fontsize=8)
    ax.set_xlabel("predicted"), ax.set_ylabel("true"), ax.set_title(title, fontsize=10)
    fig.tight_layout()
    _save(fig, path)


def plot_misclassified(images: np.ndarray, targets: np.ndarray, predictions: np.ndarray,
                       path: Path, labels: Sequence[str], count: int = 12) -> int:
    """The first `count` misclassified test images, titled 'true -> predicted'; returns how
    many are wrong in all (no file when none is).

    >>> path = Path(tempfile.mkdtemp()) / MISCLASSIFIED
    >>> plot_misclassified(np.zeros((3, 1, 8, 8)), np.array([0, 1, 2]), np.array([0, 2, 2]),
    ...                    path, ["0", "1", "2"]), path.read_bytes()[1:4]
    (1, b'PNG')
    """
    wrong = np.flatnonzero(targets != predictions)
    if len(wrong) == 0:
        return 0
    plt = _pyplot()
    columns = min(count, len(wrong))
    fig, axes = plt.subplots(1, columns, figsize=(max(4.0, 0.75 * columns), 1.5),
                             squeeze=False)
    for ax in axes.flat:
        ax.axis("off")
    for ax, i in zip(axes.flat, wrong[:count]):
        ax.imshow(images[i, 0], cmap="gray")
        ax.set_title(f"{labels[targets[i]]}\n→ {labels[predictions[i]]}", fontsize=7)
    fig.suptitle(f"{len(wrong)} of {len(targets)} test images misclassified (true → predicted)",
                 fontsize=9)
    fig.tight_layout()
    _save(fig, path)
    return len(wrong)
