"""The training loop: `fit` runs epochs of SGD-style updates, `evaluate` measures a split."""
from __future__ import annotations

import time
from typing import Any, Callable, Dict, Iterable, List, Optional

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
             max_batches: Optional[int] = None) -> Dict[str, float]:
    """Mean loss and accuracy of `model` over `loader`, in eval mode and without a graph.

    >>> from tinygrad_cnn import nn, tensor, zeros
    >>> model = nn.Linear(4, 2); _ = nn.init.zeros_(model.weight); _ = nn.init.zeros_(model.bias)
    >>> loader = [(zeros(4, 4), tensor([0, 0, 1, 1]))]   # one batch; any iterable of (x, y)
    >>> result = evaluate(model, loader); round(result["loss"], 4), result["accuracy"]
    (0.6931, 0.5)
    """
    was_training = model.training
    model.eval()
    loss_sum, correct, count = 0.0, 0, 0
    with no_grad():
        for x, y in _batches(loader, max_batches):
            logits = model(x)
            loss_sum += float(loss_fn(logits, y).item()) * len(y)
            correct += int((logits.data.argmax(1) == y.data).sum())
            count += len(y)
    model.train(was_training)
    return {"loss": loss_sum / max(count, 1), "accuracy": correct / max(count, 1)}


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
    >>> round(result["loss"], 4), result["accuracy"]
    (0.6931, 0.5)
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
        correct += int((logits.data.argmax(1) == y.data).sum())
        count += len(y)
        if progress is not None:
            progress.update(1)
            progress.set_postfix(loss=f"{loss_sum / count:.4f}", acc=f"{correct / count:.4f}")
    return {"loss": loss_sum / max(count, 1), "accuracy": correct / max(count, 1)}


def fit(model, optimizer, train_loader: Iterable, epochs: int = 1,
        loss_fn: LossFn = F.cross_entropy, test_loader: Optional[Iterable] = None,
        scheduler: Any = None, batch_scheduler: Any = None, start_epoch: int = 0,
        progress: bool = True,
        max_batches: Optional[int] = None,
        on_epoch_end: Optional[Callable[[int, Dict[str, float]], None]] = None
        ) -> List[Dict[str, float]]:
    """Train for `epochs` (from `start_epoch`, to resume), evaluating after each epoch.

    `scheduler` steps after every epoch, `batch_scheduler` after every batch. Returns one
    record per epoch: train/test loss and accuracy, the learning rate and the epoch's wall
    time. `on_epoch_end(epoch, record)` runs after each (e.g. to checkpoint).

    >>> from tinygrad_cnn import nn, tensor, zeros
    >>> model = nn.Linear(4, 2); _ = nn.init.zeros_(model.weight); _ = nn.init.zeros_(model.bias)
    >>> loader = [(zeros(4, 4), tensor([0, 0, 1, 1]))]   # one batch; any iterable of (x, y)
    >>> from tinygrad_cnn import optim
    >>> history = fit(model, optim.SGD(model.parameters(), lr=0.1), loader, epochs=2,
    ...               test_loader=loader, progress=False)
    >>> [r["epoch"] for r in history], round(history[-1]["test_loss"], 4), history[-1]["lr"]
    ([1, 2], 0.6931, 0.1)
    """
    from tqdm.auto import tqdm

    history = []
    for epoch in range(start_epoch, epochs):
        bar = tqdm(total=_total(train_loader, max_batches), desc=f"epoch {epoch + 1}/{epochs}",
                   unit="batch", leave=True, disable=not progress)
        lr = float(optimizer.param_groups[0]["lr"])
        start = time.perf_counter()
        train = train_epoch(model, optimizer, train_loader, loss_fn, bar, max_batches,
                            batch_scheduler)
        seconds = time.perf_counter() - start
        record = {"epoch": epoch + 1, "train_loss": train["loss"],
                  "train_accuracy": train["accuracy"], "seconds": seconds, "lr": lr}
        if test_loader is not None:
            test = evaluate(model, test_loader, loss_fn, max_batches)
            record.update(test_loss=test["loss"], test_accuracy=test["accuracy"])
            bar.set_postfix(loss=f"{train['loss']:.4f}", acc=f"{train['accuracy']:.4f}",
                            test_acc=f"{test['accuracy']:.4f}")
        bar.close()
        if scheduler is not None:
            scheduler.step()
        history.append(record)
        if on_epoch_end is not None:
            on_epoch_end(epoch, record)
    return history


def accuracy(logits, labels) -> float:
    """Fraction of rows whose arg-max matches the label.

    >>> accuracy(np.array([[0.9, 0.1], [0.2, 0.8], [0.6, 0.4]]), np.array([0, 1, 1]))
    0.6666666666666666
    """
    return float(np.mean(np.asarray(logits).argmax(1) == np.asarray(labels)))
