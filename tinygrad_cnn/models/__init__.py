"""Ready-made models and the `build_model(name, **kwargs)` registry the CLI uses.

>>> from tinygrad_cnn.models import build_model, available_models
>>> available_models()
['lenet', 'small']
>>> type(build_model("small", num_classes=3)).__name__
'SmallCNN'
"""
from __future__ import annotations

from typing import Any, Callable, Dict, List

from ..nn import Module
from .lenet import LeNet
from .small import SmallCNN

_REGISTRY: Dict[str, Callable[..., Module]] = {"lenet": LeNet, "small": SmallCNN}


def register_model(name: str, factory: Callable[..., Module]) -> None:
    """Make `build_model(name, ...)` call `factory(...)`.

    >>> from tinygrad_cnn import nn
    >>> register_model("tiny-linear", lambda num_classes=10: nn.Linear(4, num_classes))
    >>> build_model("tiny-linear", num_classes=2)
    Linear(in_features=4, out_features=2, bias=True)
    >>> del _REGISTRY["tiny-linear"]   # (keep the registry as it was)
    """
    if name in _REGISTRY:
        raise ValueError(f"a model named '{name}' is already registered")
    _REGISTRY[name] = factory


def available_models() -> List[str]:
    """The names `build_model` accepts, sorted.

    >>> available_models()
    ['lenet', 'small']
    """
    return sorted(_REGISTRY)


def build_model(name: str, **kwargs: Any) -> Module:
    """Build a registered model by name; keyword arguments go to its constructor.

    >>> from tinygrad_cnn import zeros
    >>> build_model("lenet")(zeros(1, 1, 28, 28)).shape
    (1, 10)
    """
    if name not in _REGISTRY:
        raise ValueError(f"unknown model '{name}'; choose one of: "
                         + ", ".join(available_models()))
    return _REGISTRY[name](**kwargs)


__all__ = ["LeNet", "SmallCNN", "available_models", "build_model", "register_model"]
