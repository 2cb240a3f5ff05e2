"""Training helpers: the fit/evaluate loop, metrics and atomic checkpoints."""
from .checkpoint import load_checkpoint, save_checkpoint
from .loop import evaluate, fit

__all__ = ["fit", "evaluate", "save_checkpoint", "load_checkpoint"]
