"""`to_torch`: the same network as a `torch.nn.Module`, with the same weights.

Layers map to the torch.nn class of the same name, built from the same-named attributes
(our layers keep PyTorch's constructor argument names), so a conversion needs no per-layer
code. Containers convert child by child. A model class of our own with a custom
`forward` can only be converted when its forward is known to run its children in order
(`CHAIN_MODELS`: LeNet, SmallCNN); for any other, `to_torch` says so, and
`torch_state_dict` gives the weights for a hand-written torch class.
"""
from __future__ import annotations

import importlib
import inspect
from collections import OrderedDict
from typing import Any, Dict

import numpy as np

from ..models import LeNet, SmallCNN
from ..nn import Module, ModuleDict, ModuleList, Sequential

#: our model classes whose forward is "each child in order", exported as torch Sequentials
CHAIN_MODELS = (LeNet, SmallCNN)


def _torch() -> Any:
    try:
        return importlib.import_module("torch")
    except ImportError:
        raise ImportError("to_torch needs PyTorch: pip install torch") from None


def torch_state_dict(model: Module) -> "OrderedDict[str, Any]":
    """The model's parameters and buffers as torch tensors (copies), by PyTorch's names.

    >>> from tinygrad_cnn import nn
    >>> list(torch_state_dict(nn.BatchNorm2d(2)))
    ['weight', 'bias', 'running_mean', 'running_var', 'num_batches_tracked']
    """
    torch = _torch()
    return OrderedDict((name, torch.from_numpy(np.array(value, copy=True)))
                       for name, value in model.state_dict().items())


def to_torch(model: Module) -> Any:
    """A torch.nn.Module computing what `model` computes, with copies of its weights and
    its train/eval mode.

    >>> from tinygrad_cnn.models import SmallCNN
    >>> type(to_torch(SmallCNN())).__name__
    'Sequential'
    """
    torch = _torch()
    converted = _convert(model, torch.nn)
    converted.load_state_dict(torch_state_dict(model))
    converted.train(model.training)
    return converted


def _convert(module: Module, tnn: Any) -> Any:
    name = type(module).__name__
    if isinstance(module, (Sequential, *CHAIN_MODELS)):
        return tnn.Sequential(OrderedDict((k, _convert(m, tnn))
                                          for k, m in module.named_children()))
    if isinstance(module, ModuleList):
        return tnn.ModuleList([_convert(m, tnn) for m in module])
    if isinstance(module, ModuleDict):
        return tnn.ModuleDict({k: _convert(m, tnn) for k, m in module.items()})
    layer = _library_layer(type(module))
    torch_class = getattr(tnn, layer.__name__, None) if layer is not None else None
    if torch_class is None:
        raise TypeError(
            f"to_torch cannot convert {name}: it is not a layer torch.nn has, and its "
            "forward is custom code. Write the same class in torch and load "
            "export.torch_state_dict(model) into it (or export with to_onnx).")
    return torch_class(**_constructor_args(module, torch_class))


def _library_layer(cls: type) -> Any:
    """The library layer class `cls` is or derives from without changing forward, or None
    (a user's class named like a torch layer, or one overriding forward, is not that layer)."""
    for klass in cls.__mro__:
        if klass.__module__.startswith("tinygrad_cnn.nn.modules"):
            return klass
        if "forward" in klass.__dict__:
            return None
    return None


def _constructor_args(module: Module, torch_class: Any) -> Dict[str, Any]:
    """torch's constructor arguments, read from our same-named attributes."""
    args = {}
    for name in inspect.signature(torch_class).parameters:
        if name == "bias":
            args[name] = getattr(module, "bias", None) is not None
        elif name not in ("device", "dtype") and hasattr(module, name):
            args[name] = getattr(module, name)
    weight = getattr(module, "weight", None)
    if weight is not None:
        args["dtype"] = getattr(_torch(), np.dtype(weight.dtype).name)
    return args
