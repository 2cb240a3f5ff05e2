"""`tinygrad-cnn train`: train a model on a dataset, checkpoint every epoch, then report
(a human summary and one JSON line; `--json` for the JSON only)."""
from __future__ import annotations

import argparse
import json
import sys
import time
import warnings
from pathlib import Path
from typing import Any, Dict

from ..training.session import CHECKPOINT, KEEP, OPTIMIZERS, SCHEDULES
from ..errors import ConfigError
from .arguments import non_negative_float, non_negative_int, positive_float, positive_int


def _unset(default: Any) -> bool:
    return default is None or default is False  # (0 == False: a default of 0 is shown)


class DefaultsHelpFormatter(argparse.ArgumentDefaultsHelpFormatter):
    """argparse's '(default: X)' after each option's help, except where the help already
    says it or there is nothing to say (an unset or False default)."""

    def _get_help_string(self, action: argparse.Action) -> str:
        if _unset(action.default) or "default" in (action.help or ""):
            return action.help or ""
        return super()._get_help_string(action)


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the `train` subcommand to `subparsers`; its `func` is `run`.

    >>> parser = argparse.ArgumentParser(); register(parser.add_subparsers())
    >>> args = parser.parse_args(['train', '--optimizer', 'sgd'])
    >>> args.optimizer, args.func is run
    ('sgd', True)
    """
    p = subparsers.add_parser("train", help="train a CNN (digits, MNIST, Fashion-MNIST)",
                              formatter_class=DefaultsHelpFormatter)
    p.add_argument("--dataset", default="digits", choices=("digits", "mnist", "fashion-mnist"))
    p.add_argument("--data-dir", default=None,
                   help="directory with the IDX files (mnist / fashion-mnist)")
    p.add_argument("--download", action="store_true", help="download the IDX files if missing")
    p.add_argument("--model", default=None, choices=("lenet", "small"),
                   help="default: small for digits, lenet otherwise")
    p.add_argument("--epochs", type=positive_int, default=None,
                   help="default: 20 (digits), 3 otherwise")
    p.add_argument("--batch-size", type=positive_int, default=64)
    p.add_argument("--optimizer", default="adam", choices=OPTIMIZERS)
    p.add_argument("--lr", type=positive_float, default=None,
                   help="default: the optimizer's own; Adam-family: 5e-3 on digits, "
                        "2e-3 on (fashion-)mnist")
    p.add_argument("--schedule", default=None, choices=SCHEDULES,
                   help="learning-rate schedule (default: exponential for mnist/fashion-mnist, "
                        "none for digits); inverse-time is Keras' `decay`, stepped per batch")
    p.add_argument("--gamma", type=positive_float, default=0.5,
                   help="lr factor per epoch for the step/exponential schedules")
    p.add_argument("--decay", type=non_negative_float, default=1e-4,
                   help="Keras-style time-based decay per batch (inverse-time schedule)")
    p.add_argument("--seed", type=non_negative_int, default=0)
    p.add_argument("--out", default=None,
                   help="run folder for checkpoint, metrics.csv and plots (default: a new "
                        "runs/DATASET-DATE-TIME); a non-empty one needs --overwrite or --resume")
    p.add_argument("--resume", action="store_true", help="continue from OUT/checkpoint.npz")
    p.add_argument("--max-batches", type=positive_int, default=None,
                   help="stop each epoch (and evaluation) after this many batches")
    _add_run_options(p)
    for action in p._actions:  # options without a help text still show their default
        if action.help is None and not _unset(action.default):
            action.help = "(default: %(default)s)"
    # --resume keeps the checkpoint's value of every option left at its default
    p.set_defaults(func=run, option_defaults={a.dest: a.default for a in p._actions})


def _add_run_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--overwrite", action="store_true",
                   help="replace the run already in OUT (its checkpoint, metrics, plots)")
    p.add_argument("--augment", action="store_true",
                   help="random shifts (crop with padding) and flips for fashion-mnist; "
                        "shifts and rotations up to 10 degrees for digits and mnist")
    p.add_argument("--keep", default="last", choices=KEEP,
                   help="best: also save the epoch with the best test accuracy as OUT/best.npz "
                        "(OUT/checkpoint.npz is always the last epoch, for --resume)")
    p.add_argument("--early-stop", type=positive_int, default=None, metavar="PATIENCE",
                   help="stop after PATIENCE epochs without a better test accuracy")
    p.add_argument("--progress", action=argparse.BooleanOptionalAction, default=None,
                   help="progress bars (default: on a terminal; otherwise one line per epoch)")
    p.add_argument("-q", "--quiet", action="store_true",
                   help="no model summary and no per-epoch output; only the final report")
    p.add_argument("--json", action="store_true",
                   help="print only the final report, as one JSON line (for scripts)")


def _verbose(args: argparse.Namespace) -> Any:
    """fit's verbose level: bars when asked (or on a terminal), else a line per epoch."""
    if args.progress:
        return 1
    if args.quiet or args.json:
        return 0
    return "auto" if args.progress is None else 2


def report(run: Dict[str, Any]) -> str:
    """The human summary of a finished run (`session.run_summary`'s numbers).

    >>> print(report({"epoch": 3, "epochs": 3, "wall_seconds": 4.0, "train_seconds": 2.5,
    ...     "images_per_second": 1200.0, "test_accuracy": 0.9, "best_test_accuracy": 0.91,
    ...     "best_epoch": 2, "stopped_early": False, "checkpoint": "r/checkpoint.npz",
    ...     "best_checkpoint": None, "metrics": "r/metrics.csv",
    ...     "plots": ["r/curves.png", "r/confusion.png"]}))
    finished epoch 3/3 in 4.0 s (training 2.5 s, 1,200 images/s)
    test accuracy 90.00% at the last epoch; best 91.00% at epoch 2
    checkpoint  r/checkpoint.npz
    metrics     r/metrics.csv
    plots       r/curves.png, r/confusion.png
    """
    lines = [f"{'stopped early at' if run['stopped_early'] else 'finished'} epoch "
             f"{run['epoch']}/{run['epochs']} in {run['wall_seconds']:.1f} s (training "
             f"{run['train_seconds']:.1f} s, {run['images_per_second']:,.0f} images/s)",
             f"test accuracy {run['test_accuracy']:.2%} at the last epoch; best "
             f"{run['best_test_accuracy']:.2%} at epoch {run['best_epoch']}",
             f"checkpoint  {run['checkpoint']}"
             + (f" (best epoch: {run['best_checkpoint']})" if run["best_checkpoint"] else ""),
             f"metrics     {run['metrics']}"]
    if run["plots"]:
        lines.append(f"plots       {', '.join(run['plots'])}")
    return "\n".join(lines)


def _show_warning(message, category, filename, lineno, file=None, line=None) -> None:
    print(f"tinygrad-cnn train: warning: {message}", file=sys.stderr, flush=True)


def run(args: argparse.Namespace) -> int:
    """Train as `args` asks, print a summary and the run's numbers as one JSON line (only
    that line with --json); returns the exit status. A smoke run (one batch of digits):

    >>> import tempfile
    >>> parser = argparse.ArgumentParser(); register(parser.add_subparsers())
    >>> args = parser.parse_args(["train", "--epochs", "1", "--max-batches", "1", "--json",
    ...                           "--out", tempfile.mkdtemp()])
    >>> run(args)  # doctest: +ELLIPSIS
    {"out": "...", "epoch": 1, "train_loss": ..., "best_epoch": 1, ...}
    0
    """
    from ..training.session import TrainingConfig, run_summary, train

    start = time.perf_counter()
    if args.resume and args.out is None:
        raise ConfigError("--resume needs --out, the folder of the run to continue")
    config = TrainingConfig.from_args(args)
    try:
        with warnings.catch_warnings():
            warnings.showwarning = _show_warning
            history = train(config, resume=args.resume, verbose=_verbose(args),
                            overwrite=args.overwrite, show_model=not (args.quiet or args.json),
                            explicit=_explicit(args))
    except KeyboardInterrupt:
        saved = (Path(config.out) / CHECKPOINT).exists()
        print("\ninterrupted: " + (f"the finished epochs are saved in {config.out}; continue "
                                   f"with --resume --out {config.out}" if saved else
                                   "before the end of the first epoch; nothing was saved"),
              file=sys.stderr)
        return 130
    if not history:
        raise ConfigError(f"no epoch was trained in {config.out}")
    summary = run_summary(config, history, time.perf_counter() - start)
    if not args.json:
        print(report(summary))
    print(json.dumps(summary), flush=True)
    return 0


def _explicit(args: argparse.Namespace) -> set:
    """The options the command line set to something other than their default."""
    defaults = getattr(args, "option_defaults", {})
    return {k for k, v in vars(args).items() if k in defaults and v != defaults[k]}


