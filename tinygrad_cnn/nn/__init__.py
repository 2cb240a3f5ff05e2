"""Neural-network building blocks, as `torch.nn`: `Module`, `Parameter`, layers, losses,
the functional API (`nn.functional`) and initialisers (`nn.init`).

>>> from tinygrad_cnn import nn, randn
>>> net = nn.Sequential(nn.Conv2d(1, 8, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
...                     nn.Flatten(), nn.Linear(8 * 4 * 4, 10))
>>> net(randn(2, 1, 8, 8)).shape
(2, 10)
"""
from ..lazy import lazy_names
from . import functional, init, utils
from .module import Module
from .modules import *  # noqa: F401,F403  (every layer class)
from .modules import __all__ as _layers
from .parameter import Parameter

#: imported on first use (lazy.py)
__getattr__, __dir__ = lazy_names(__name__, {
    "summary": ".model_summary:summary", "ModelSummary": ".model_summary:ModelSummary"},
    globals())

__all__ = ["Module", "Parameter", "functional", "init", "utils", "summary", "ModelSummary", *_layers]
