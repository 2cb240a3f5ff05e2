"""The training loop: `fit` runs epochs of SGD-style updates, `evaluate` measures a split."""
from __future__ import annotations

import sys
import time
from typing import Any, Callable, Dict, Iterable, List, Optional, TextIO, Union

import numpy as np

from ..autograd.grad_mode import no_grad
from ..nn import functional as F

LossFn = Callable[[Any, Any], Any]


def _batches(loader: Iterable, max_batches: Optional[int]):
    for i, batch in enumerate(loader):
        if max_batches is not None and i >= max_batches:
            return
        yield batch


def _total(loader: Iterable, max_batches: Optional[int]) -> Optional[int]:
    n = len(loader) if hasattr(loader, "__len__") else None
    return n if max_batches is None or n is None else min(n, max_batches)


def evaluate(model, loader: Iterable, loss_fn: LossFn = F.cross_entropy,
             max_batches: Optional[int] = None,
             return_predictions: bool = False) -> Dict[str, Any]:
    """Mean loss and accuracy of `model` over `loader`, in eval mode and without a graph;
    with `return_predictions`, also the arg-max "predictions" and the "targets" as arrays.

    >>> from tinygrad_cnn import nn, tensor, zeros
    >>> model = nn.Linear(4, 2); _ = nn.init.zeros_(model.weight); _ = nn.init.zeros_(model.bias)
    >>> loader = [(zeros(4, 4), tensor([0, 0, 1, 1]))]   # one batch; any iterable of (x, y)
    >>> result = evaluate(model, loader); round(result["loss"], 4), result["accuracy"]
    (0.6931, 0.5)
    >>> evaluate(model, loader, return_predictions=True)["predictions"].tolist()
    [0, 0, 0, 0]
    """
    was_training = model.training
    model.eval()
    loss_sum, predictions, targets = 0.0, [], []
    with no_grad():
        for x, y in _batches(loader, max_batches):
            logits = model(x)
            loss_sum += float(loss_fn(logits, y).item()) * len(y)
            predictions.append(logits._data.argmax(1))
            targets.append(np.asarray(y._data))
    model.train(was_training)
    predicted = np.concatenate(predictions) if predictions else np.zeros(0, np.int64)
    target = np.concatenate(targets) if targets else np.zeros(0, np.int64)
    count = max(len(target), 1)
    result: Dict[str, Any] = {"loss": loss_sum / count,
                              "accuracy": int((predicted == target).sum()) / count}
    if return_predictions:
        result.update(predictions=predicted, targets=target)
    return result


def train_epoch(model, optimizer, loader: Iterable, loss_fn: LossFn = F.cross_entropy,
                progress: Any = None, max_batches: Optional[int] = None,
                batch_scheduler: Any = None) -> Dict[str, float]:
    """One pass over `loader`: forward, loss, backward, step (and `batch_scheduler.step()`,
    for per-batch schedules such as Keras' time-based decay). Returns mean loss and accuracy.

    >>> from tinygrad_cnn import nn, tensor, zeros
    >>> model = nn.Linear(4, 2); _ = nn.init.zeros_(model.weight); _ = nn.init.zeros_(model.bias)
    >>> loader = [(zeros(4, 4), tensor([0, 0, 1, 1]))]   # one batch; any iterable of (x, y)
    >>> from tinygrad_cnn import optim
    >>> result = train_epoch(model, optim.SGD(model.parameters(), lr=0.1), loader)
    >>> round(result["loss"], 4), result["accuracy"], result["images"]
    (0.6931, 0.5, 4)
    """
    model.train()
    loss_sum, correct, count = 0.0, 0, 0
    for x, y in _batches(loader, max_batches):
        optimizer.zero_grad()
        logits = model(x)
        loss = loss_fn(logits, y)
        loss.backward()
        optimizer.step()
        if batch_scheduler is not None:
            batch_scheduler.step()
        loss_sum += float(loss.item()) * len(y)
        correct += int((logits._data.argmax(1) == y._data).sum())
        count += len(y)
        if progress is not None:
            progress.update(1)
            progress.set_postfix(loss=f"{loss_sum / count:.4f}", acc=f"{correct / count:.4f}",
                                 refresh=False)
    return {"loss": loss_sum / max(count, 1), "accuracy": correct / max(count, 1),
            "images": count}


Verbose = Union[int, str]


def resolve_verbose(verbose: Verbose, stream: Optional[TextIO] = None) -> int:
    """Keras' convention: 0 silent, 1 a progress bar per epoch, 2 one line per epoch;
    "auto" is 1 when `stream` (default stderr, where the bars go) is a terminal, else 2,
    so logs and notebooks get one short line per epoch instead of redrawn bars.

    >>> import io
    >>> resolve_verbose("auto", io.StringIO()), resolve_verbose(1)
    (2, 1)
    """
    if verbose == "auto":
        stream = sys.stderr if stream is None else stream
        return 1 if getattr(stream, "isatty", lambda: False)() else 2
    if verbose not in (0, 1, 2):
        raise ValueError(f"verbose must be 0, 1, 2 or 'auto', got {verbose!r}")
    return int(verbose)


def epoch_line(record: Dict[str, float], epochs: int) -> str:
    """The one-line report of an epoch.

    >>> print(epoch_line({"epoch": 2, "train_loss": 0.31, "train_accuracy": 0.9, "lr": 1e-3,
    ...                   "seconds": 1.5, "test_loss": 0.29, "test_accuracy": 0.91}, 20))
    epoch  2/20  train loss 0.3100 acc 0.9000  test loss 0.2900 acc 0.9100  lr 0.001  1.5 s
    """
    width = len(str(epochs))
    line = (f"epoch {record['epoch']:>{width}}/{epochs}  train loss {record['train_loss']:.4f} "
            f"acc {record['train_accuracy']:.4f}")
    if "test_loss" in record:
        line += f"  test loss {record['test_loss']:.4f} acc {record['test_accuracy']:.4f}"
    return line + f"  lr {record['lr']:.3g}  {record['seconds']:.1f} s"


def fit(model, optimizer, train_loader: Iterable, epochs: int = 1,
        loss_fn: LossFn = F.cross_entropy, test_loader: Optional[Iterable] = None,
        scheduler: Any = None, batch_scheduler: Any = None, start_epoch: int = 0,
        verbose: Verbose = "auto",
        max_batches: Optional[int] = None,
        on_epoch_end: Optional[Callable[[int, Dict[str, float]], Any]] = None
        ) -> List[Dict[str, float]]:
    """Train for `epochs` (from `start_epoch`, to resume), evaluating after each epoch.

    `scheduler` steps after every epoch, `batch_scheduler` after every batch. Returns one
    record per epoch: train/test loss and accuracy, the learning rate, the epoch's training
    time and image count. `on_epoch_end(epoch, record)` runs after each (e.g. to
    checkpoint); a true return value stops training (early stopping). `verbose`: see
    `resolve_verbose` (bars on a terminal, else one printed line per epoch).

    >>> from tinygrad_cnn import nn, tensor, zeros
    >>> model = nn.Linear(4, 2); _ = nn.init.zeros_(model.weight); _ = nn.init.zeros_(model.bias)
    >>> loader = [(zeros(4, 4), tensor([0, 0, 1, 1]))]   # one batch; any iterable of (x, y)
    >>> from tinygrad_cnn import optim
    >>> history = fit(model, optim.SGD(model.parameters(), lr=0.1), loader, epochs=2,
    ...               test_loader=loader, verbose=2)   # doctest: +ELLIPSIS
    epoch 1/2  train loss 0.6931 acc 0.5000  test loss 0.6931 acc 0.5000  lr 0.1  ... s
    epoch 2/2  train loss 0.6931 acc 0.5000  test loss 0.6931 acc 0.5000  lr 0.1  ... s
    >>> [r["epoch"] for r in history], round(history[-1]["test_loss"], 4), history[-1]["lr"]
    ([1, 2], 0.6931, 0.1)
    """
    level = resolve_verbose(verbose)
    history = []
    for epoch in range(start_epoch, epochs):
        bar = _bar(level, _total(train_loader, max_batches), f"epoch {epoch + 1}/{epochs}")
        lr = float(optimizer.param_groups[0]["lr"])
        start = time.perf_counter()
        train = train_epoch(model, optimizer, train_loader, loss_fn, bar, max_batches,
                            batch_scheduler)
        record = {"epoch": epoch + 1, "train_loss": train["loss"],
                  "train_accuracy": train["accuracy"], "seconds": time.perf_counter() - start,
                  "images": train["images"], "lr": lr}
        if test_loader is not None:
            test = evaluate(model, test_loader, loss_fn, max_batches)
            record.update(test_loss=test["loss"], test_accuracy=test["accuracy"])
        if bar is not None:  # short: a long postfix squeezes the bar itself
            bar.set_postfix(loss=f"{train['loss']:.4f}", acc=f"{train['accuracy']:.4f}",
                            **({"test_acc": f"{record['test_accuracy']:.4f}"}
                               if "test_accuracy" in record else {}))
            bar.close()
        elif level == 2:
            print(epoch_line(record, epochs), flush=True)
        if scheduler is not None:
            scheduler.step()
        history.append(record)
        if on_epoch_end is not None and on_epoch_end(epoch, record):
            break
    return history


def _bar(level: int, total: Optional[int], desc: str) -> Any:
    """A tqdm bar at verbose level 1 (a widget in Jupyter with ipywidgets, else on
    stderr), else None."""
    if level != 1:
        return None
    from tqdm.auto import tqdm

    return tqdm(total=total, desc=desc, unit="batch", leave=True, mininterval=0.5)


def accuracy(logits, labels) -> float:
    """Fraction of rows whose arg-max matches the label.

    >>> accuracy(np.array([[0.9, 0.1], [0.2, 0.8], [0.6, 0.4]]), np.array([0, 1, 1]))
    0.6666666666666666
    """
    return float(np.mean(np.asarray(logits).argmax(1) == np.asarray(labels)))
