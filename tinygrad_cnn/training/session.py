"""A training session as the CLI runs it: config -> data, model, optimizer -> epochs, with
a checkpoint and a metrics row after every epoch (so `resume` continues exactly), and the
plots (curves, confusion matrix, misclassified images) once at the end or on interrupt."""
from __future__ import annotations

import dataclasses
import time
import warnings
from pathlib import Path
from typing import Any, Dict, Iterable, List, Optional

from .. import creation, optim
from ..checks import integer
from ..errors import ConfigError, DataFileError
from ..models import build_model
from . import reports
from .checkpoint import load_checkpoint, save_checkpoint
from .datasets import augmentation, class_names, load_split
from .loop import Verbose, evaluate, fit

CHECKPOINT, BEST = "checkpoint.npz", "best.npz"
RUN_FILES = (CHECKPOINT, BEST, reports.METRICS, reports.CURVES, reports.CONFUSION,
             reports.MISCLASSIFIED)
KEEP = ("last", "best")
_DEFAULT_EPOCHS = {"digits": 20}
# Adam-family learning rates that reach the targets in the default epochs (measured:
# digits 1e-3 -> 97.5% after 20 epochs, 5e-3 -> 98.6%; MNIST 3 epochs, halving each epoch:
# 1e-3 -> 98.93%, 2e-3 -> 99.09%)
_ADAPTIVE_LR = {"digits": 5e-3, "mnist": 2e-3, "fashion-mnist": 2e-3}
# halving the step each epoch lets the 3-epoch MNIST run settle into a sharper minimum
_DEFAULT_SCHEDULE = {"mnist": "exponential", "fashion-mnist": "exponential"}
SCHEDULES = ("none", "step", "exponential", "cosine", "inverse-time")
OPTIMIZER_CLASSES = {"sgd": optim.SGD, "adam": optim.Adam, "adamw": optim.AdamW,
               "rmsprop": optim.RMSprop, "adagrad": optim.Adagrad, "adadelta": optim.Adadelta,
               "adamax": optim.Adamax, "nadam": optim.NAdam}
OPTIMIZERS = tuple(OPTIMIZER_CLASSES)


@dataclasses.dataclass
class TrainingConfig:
    """Everything `train` needs (the CLI's `train` options); unset fields get per-dataset
    defaults.

    >>> config = TrainingConfig(dataset="mnist")
    >>> config.model, config.epochs, config.schedule, config.lr
    ('lenet', 3, 'exponential', 0.002)
    """

    dataset: str = "digits"
    data_dir: Optional[str] = None
    download: bool = False
    model: Optional[str] = None
    epochs: Optional[int] = None
    batch_size: int = 64
    optimizer: str = "adam"
    lr: Optional[float] = None
    seed: int = 0
    out: Optional[str] = None
    max_batches: Optional[int] = None
    schedule: Optional[str] = None
    gamma: float = 0.5
    decay: float = 1e-4
    augment: bool = False
    keep: str = "last"
    early_stop: Optional[int] = None

    def __post_init__(self) -> None:
        if self.out is None:  # a fresh folder per run: nothing is ever overwritten
            self.out = f"runs/{self.dataset}-{time.strftime('%Y%m%d-%H%M%S')}"
        for name in ("epochs", "max_batches"):  # None: the per-dataset default / no limit
            if getattr(self, name) is not None:
                integer(getattr(self, name), name, 1, "TrainingConfig")
        integer(self.batch_size, "batch_size", 1, "TrainingConfig")
        if self.model is None:
            self.model = "small" if self.dataset == "digits" else "lenet"
        if self.epochs is None:
            self.epochs = _DEFAULT_EPOCHS.get(self.dataset, 3)
        if self.lr is None and self.optimizer.startswith(("adam", "nadam")):
            self.lr = _ADAPTIVE_LR.get(self.dataset)
        if self.schedule is None:
            self.schedule = _DEFAULT_SCHEDULE.get(self.dataset, "none")
        if self.schedule not in SCHEDULES:
            raise ValueError(f"unknown schedule {self.schedule!r}; choose one of "
                             + ", ".join(SCHEDULES))
        if self.optimizer not in OPTIMIZER_CLASSES:
            raise ValueError(f"unknown optimizer {self.optimizer!r}; choose one of "
                             + ", ".join(OPTIMIZER_CLASSES))
        if self.keep not in KEEP:
            raise ValueError(f"unknown keep {self.keep!r}; choose last or best")
        if self.early_stop is not None and self.early_stop < 1:
            raise ValueError(f"early_stop must be a positive number of epochs, "
                             f"got {self.early_stop!r}")

    @classmethod
    def from_args(cls, args: Any) -> "TrainingConfig":
        names = {f.name for f in dataclasses.fields(cls)}
        return cls(**{k: v for k, v in vars(args).items() if k in names})


def _build(config: TrainingConfig, image_shape) -> tuple:
    model = build_model(config.model, in_channels=image_shape[0], image_size=image_shape[1:])
    opt_cls = OPTIMIZER_CLASSES[config.optimizer]
    kwargs = {} if config.lr is None else {"lr": config.lr}
    return model, opt_cls(model.parameters(), **kwargs)


def _scheduler(config: TrainingConfig, optimizer) -> tuple:
    """(per-epoch scheduler, per-batch scheduler) for `config.schedule`."""
    sched = optim.lr_scheduler
    per_epoch = {"step": lambda: sched.StepLR(optimizer, step_size=1, gamma=config.gamma),
                 "exponential": lambda: sched.ExponentialLR(optimizer, gamma=config.gamma),
                 "cosine": lambda: sched.CosineAnnealingLR(optimizer, T_max=config.epochs)}
    if config.schedule in per_epoch:
        return per_epoch[config.schedule](), None
    if config.schedule == "inverse-time":  # Keras' `decay`: lr / (1 + decay * iterations)
        return None, sched.InverseTimeLR(optimizer, decay=config.decay)
    return None, None


class ResumeWarning(UserWarning):
    """A resumed run differs from its checkpoint's settings (the message says how)."""


_FIXED = ("dataset", "model", "batch_size", "optimizer", "seed", "schedule")
_KEPT = ("lr", "gamma", "decay")  # live in the saved optimizer/scheduler state
_APPLIED = {"augment": False, "keep": "last", "early_stop": None, "max_batches": None}


def _reconcile(saved: Dict[str, Any], config: TrainingConfig, path: Path) -> List[str]:
    """Check `config` against the checkpoint's; returns a warning per difference that is
    kept from the checkpoint or applied from now on (`config` is updated to the truth)."""
    for key in _FIXED:
        if saved[key] != getattr(config, key):
            raise ConfigError(f"cannot resume {path}: it was trained with {key}="
                              f"{saved[key]!r}, this run asks for {getattr(config, key)!r}")
    messages = []
    for key in _KEPT:
        if saved.get(key) != getattr(config, key):
            messages.append(f"resuming {path} with its {key}={saved.get(key)!r}: this "
                            f"command's {key}={getattr(config, key)!r} is ignored (the optimizer "
                            "and schedule continue from the checkpoint; start a new run "
                            "to change it)")
            setattr(config, key, saved.get(key))
    for key, default in _APPLIED.items():
        if saved.get(key, default) != getattr(config, key):
            messages.append(f"resuming {path} with {key}={getattr(config, key)!r} from now on "
                            f"(it was {saved.get(key, default)!r})")
    return messages


def _open_run(out: Path, config: TrainingConfig, resume: bool, overwrite: bool,
              explicit: Optional[Iterable[str]]) -> Optional[Dict[str, Any]]:
    """The checkpoint to resume from, or None for a new run in an empty (or cleared) `out`."""
    if resume and (out / CHECKPOINT).exists():
        state = load_checkpoint(out / CHECKPOINT)
        if explicit is not None:  # what the command leaves unsaid continues as it was
            chosen = set(explicit) | {"out"}
            for key, value in state["config"].items():
                if key not in chosen and hasattr(config, key):
                    setattr(config, key, value)
        for message in _reconcile(state["config"], config, out / CHECKPOINT):
            warnings.warn(message, ResumeWarning, stacklevel=3)
        if state["epoch"] >= config.epochs:
            warnings.warn(f"{out / CHECKPOINT} has already trained {state['epoch']} epochs: "
                          f"nothing to do for epochs={config.epochs}", ResumeWarning,
                          stacklevel=3)
        return state
    if resume:
        warnings.warn(f"no {CHECKPOINT} in {out} to resume: starting a new run",
                      ResumeWarning, stacklevel=3)
    if out.exists() and not out.is_dir():
        raise FileExistsError(f"{out} is a file, not a run folder")
    existing = sorted(p.name for p in out.iterdir()) if out.is_dir() else []
    if existing and not overwrite:
        shown = ", ".join(existing[:4]) + (", ..." if len(existing) > 4 else "")
        raise FileExistsError(f"refusing to overwrite {out} (it holds {shown}): use --overwrite "
                              "to replace that run, --resume to continue it, or another --out")
    for name in RUN_FILES:  # only our own files: --out may be a folder with other things
        (out / name).unlink(missing_ok=True)
    return None


def _restore(state: Dict[str, Any], model, optimizer, schedulers) -> tuple:
    model.load_state_dict(state["model"])
    optimizer.load_state_dict(state["optimizer"])
    for scheduler, saved_state in zip(schedulers, state["schedulers"]):
        if scheduler is not None:
            scheduler.load_state_dict(saved_state)
    creation.generator().bit_generator.state = state["rng"]
    return state["epoch"], state["history"]


def best_record(history: List[Dict[str, float]]) -> Dict[str, float]:
    """The epoch with the highest test accuracy (the earliest of equals).

    >>> best_record([{"epoch": 1, "test_accuracy": 0.5}, {"epoch": 2, "test_accuracy": 0.7},
    ...              {"epoch": 3, "test_accuracy": 0.7}])["epoch"]
    2
    """
    return max(history, key=lambda r: (r.get("test_accuracy", 0.0), -r["epoch"]))


def _patience_exhausted(history: List[Dict[str, float]], patience: Optional[int]) -> bool:
    """True when `patience` epochs have passed without a better test accuracy."""
    return patience is not None and history[-1]["epoch"] - best_record(history)["epoch"] >= patience


def train(config: TrainingConfig, resume: bool = False, verbose: Verbose = "auto",
          overwrite: bool = False, show_model: bool = False,
          explicit: Optional[Iterable[str]] = None) -> List[Dict[str, float]]:
    """Run (or continue) the training described by `config`; returns the epoch history.

    After every epoch `config.out` gets `checkpoint.npz` (and `best.npz` when
    `config.keep == "best"` and the test accuracy improved) and `metrics.csv`; at the end
    `curves.png`, `confusion.png` and `misclassified.png` (on Ctrl-C, the curves so far).
    A non-empty `out` is refused unless `overwrite` (our files in it are replaced) or
    `resume`. `verbose`: 0 silent, 1 bars, 2 a line per epoch, "auto" (bars on a terminal);
    `show_model` prints the model's summary table first. On resume, the checkpoint's
    settings replace every `config` field not named in `explicit` (the options a command
    line gave; None: all of `config` is meant), and each meant difference is warned about.

    A smoke run, one batch of the 8x8 digits:

    >>> import os, tempfile
    >>> out = tempfile.mkdtemp()
    >>> history = train(TrainingConfig(epochs=1, max_batches=1, out=out), verbose=0)
    >>> len(history), sorted(os.listdir(out))
    (1, ['checkpoint.npz', 'confusion.png', 'curves.png', 'metrics.csv', 'misclassified.png'])
    """
    from ..data import DataLoader, TensorDataset

    out = Path(config.out)
    state = _open_run(out, config, resume, overwrite, explicit)  # may update config
    creation.manual_seed(config.seed)
    (x_train, y_train), (x_test, y_test) = load_split(config.dataset, config.data_dir,
                                                     config.download)
    model, optimizer = _build(config, x_train.shape[1:])
    if show_model:
        from ..nn import summary

        print(summary(model, (1,) + x_train.shape[1:]), flush=True)
    schedulers = _scheduler(config, optimizer)
    start, history = _restore(state, model, optimizer, schedulers) if state else (0, [])
    transform = augmentation(config.dataset) if config.augment else None
    train_loader = DataLoader(TensorDataset(x_train, y_train), batch_size=config.batch_size,
                              shuffle=True, seed=config.seed, transform=transform)
    test_loader = DataLoader(TensorDataset(x_test, y_test), batch_size=256)
    train_loader.set_epoch(start)
    out.mkdir(parents=True, exist_ok=True)

    def end_of_epoch(epoch: int, record: Dict[str, float]) -> bool:
        history.append(record)
        state = {"config": dataclasses.asdict(config), "epoch": epoch + 1, "history": history,
                 "model": model.state_dict(), "optimizer": optimizer.state_dict(),
                 "schedulers": [s.state_dict() if s is not None else None for s in schedulers],
                 "rng": creation.generator().bit_generator.state}
        save_checkpoint(out / CHECKPOINT, state)
        if config.keep == "best" and best_record(history) is record:
            save_checkpoint(out / BEST, state)
        reports.write_metrics(history, out / reports.METRICS)
        return _patience_exhausted(history, config.early_stop)

    try:
        fit(model, optimizer, train_loader, config.epochs, test_loader=test_loader,
            scheduler=schedulers[0], batch_scheduler=schedulers[1], start_epoch=start,
            verbose=verbose, max_batches=config.max_batches, on_epoch_end=end_of_epoch)
    except KeyboardInterrupt:
        if history:
            reports.plot_curves(history, out / reports.CURVES)
        raise
    if history:
        _final_plots(config, model, test_loader, x_test, history)
    return history


def _final_plots(config: TrainingConfig, model, test_loader, x_test, history) -> None:
    """Curves, confusion matrix and misclassified test images of the trained model."""
    out = Path(config.out)
    reports.plot_curves(history, out / reports.CURVES)
    result = evaluate(model, test_loader, max_batches=config.max_batches,
                      return_predictions=True)
    labels = class_names(config.dataset)
    counts = reports.confusion_matrix(result["targets"], result["predictions"], len(labels))
    reports.plot_confusion(counts, out / reports.CONFUSION, labels,
                           f"{config.dataset} test set after epoch {history[-1]['epoch']}: "
                           f"accuracy {result['accuracy']:.2%}")
    reports.plot_misclassified(x_test, result["targets"], result["predictions"],
                               out / reports.MISCLASSIFIED, labels)


def run_summary(config: TrainingConfig, history: List[Dict[str, float]],
                wall_seconds: float) -> Dict[str, Any]:
    """The numbers and paths a finished run reports (the CLI prints them, and as JSON).

    >>> run = run_summary(TrainingConfig(epochs=3, out="runs/x"), [
    ...     {"epoch": 1, "test_accuracy": 0.8, "seconds": 1.0, "images": 100},
    ...     {"epoch": 2, "test_accuracy": 0.7, "seconds": 1.0, "images": 100}], 5.0)
    >>> run["best_epoch"], run["images_per_second"], run["stopped_early"], run["checkpoint"]
    (1, 100.0, True, 'runs/x/checkpoint.npz')
    """
    out = Path(config.out)
    last, best = history[-1], best_record(history)
    seconds = sum(r["seconds"] for r in history)
    plots = [str(out / name) for name in (reports.CURVES, reports.CONFUSION,
                                          reports.MISCLASSIFIED) if (out / name).exists()]
    epoch_only = ("seconds", "images")  # per-epoch numbers; the run's totals follow
    return {"out": str(out), **{k: v for k, v in last.items() if k not in epoch_only},
            "best_epoch": best["epoch"], "best_test_accuracy": best.get("test_accuracy"),
            "epochs": config.epochs, "stopped_early": last["epoch"] < config.epochs,
            "wall_seconds": wall_seconds, "train_seconds": seconds,
            "images_per_second": sum(r["images"] for r in history) / max(seconds, 1e-9),
            "checkpoint": str(out / CHECKPOINT),
            "best_checkpoint": str(out / BEST) if config.keep == "best" else None,
            "metrics": str(out / reports.METRICS), "plots": plots}


def evaluate_checkpoint(path: str, data_dir: Optional[str] = None,
                        batch_size: int = 256) -> Dict[str, Any]:
    """Rebuild the checkpoint's model and measure it on its dataset's test split.

    With the checkpoint of an untrained model (normally `train` writes it):

    >>> import tempfile
    >>> config = TrainingConfig()
    >>> model = build_model(config.model, in_channels=1, image_size=(8, 8))
    >>> path = save_checkpoint(tempfile.mkdtemp() + "/c.npz", {
    ...     "config": dataclasses.asdict(config), "epoch": 0, "model": model.state_dict()})
    >>> result = evaluate_checkpoint(str(path))
    >>> result["dataset"], result["epoch"], 0 <= result["test_accuracy"] <= 1
    ('digits', 0, True)
    """
    from ..data import DataLoader, TensorDataset

    state = load_checkpoint(path)
    if not isinstance(state, dict) or not {"config", "epoch", "model"} <= set(state):
        raise DataFileError(f"{path} is a checkpoint, but not one written by training (it "
                            "has no config, epoch and model)")
    config = TrainingConfig(**state["config"])
    if data_dir is not None:
        config.data_dir = data_dir
    _, (x_test, y_test) = load_split(config.dataset, config.data_dir, download=False)
    model, _ = _build(config, x_test.shape[1:])
    model.load_state_dict(state["model"])
    result = evaluate(model, DataLoader(TensorDataset(x_test, y_test), batch_size=batch_size))
    return {"checkpoint": str(path), "dataset": config.dataset, "epoch": state["epoch"],
            "test_loss": result["loss"], "test_accuracy": result["accuracy"]}
