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
    """Make `build_model(name, ...)` call `factory(...)`."""
    if name in _REGISTRY:
        raise ValueError(f"a model named '{name}' is already registered")
    _REGISTRY[name] = factory


def available_models() -> List[str]:
    return sorted(_REGISTRY)


def build_model(name: str, **kwargs: Any) -> Module:
    """Build a registered model by name; keyword arguments go to its constructor."""
    if name not in _REGISTRY:
        raise ValueError(f"unknown model '{name}'; choose one of: "
                         + ", ".join(available_models()))
    return _REGISTRY[name](**kwargs)


__all__ = ["LeNet", "SmallCNN", "available_models", "build_model", "register_model"]
