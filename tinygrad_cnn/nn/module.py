"""`Module`: the base class of every layer and model.

A Module finds its learnable state by itself: assigning a `Parameter`, a sub-`Module` or a
registered buffer to an attribute records it, so `parameters()`, `state_dict()`, `train()`
and `to()` walk the whole tree without any bookkeeping in user code.

>>> from tinygrad_cnn import nn
>>> net = nn.Sequential(nn.Linear(4, 3), nn.ReLU(), nn.Linear(3, 2))
>>> [name for name, _ in net.named_parameters()]
['0.weight', '0.bias', '2.weight', '2.bias']
"""
from __future__ import annotations

from collections import OrderedDict, namedtuple
from typing import (Any, Callable, Dict, Iterator, List, Mapping, Optional, Sequence, Set,
                    Tuple)

import numpy as np

from ..autograd.function import bump_version
from ..devices import parse_to_args, resolve
from ..tensor import Tensor
from .parameter import Parameter

IncompatibleKeys = namedtuple("IncompatibleKeys", ["missing_keys", "unexpected_keys"])
IncompatibleKeys.__doc__ = """What `Module.load_state_dict` returns: the keys it did not find.

>>> from tinygrad_cnn import nn
>>> nn.Linear(2, 1).load_state_dict({"weight": [[1.0, 2.0]]}, strict=False)
IncompatibleKeys(missing_keys=['bias'], unexpected_keys=[])
"""


class _HookHandle:
    """Returned by `register_forward_hook`; `.remove()` unregisters the hook."""

    def __init__(self, hooks: Dict[int, Callable], key: int) -> None:
        self.hooks, self.key = hooks, key

    def remove(self) -> None:
        self.hooks.pop(self.key, None)


class Module:
    """Base class for layers and models: subclass it, build layers in `__init__`, and write
    `forward`. Calling the module runs `forward` (and any forward hooks).

    >>> from tinygrad_cnn import nn, randn
    >>> class Net(nn.Module):
    ...     def __init__(self):
    ...         super().__init__()
    ...         self.fc = nn.Linear(4, 2)
    ...     def forward(self, x):
    ...         return self.fc(x).relu()
    >>> Net()(randn(3, 4)).shape
    (3, 2)
    """

    training: bool

    def __init__(self) -> None:
        # object.__setattr__ because our own __setattr__ needs these dicts to exist.
        object.__setattr__(self, "training", True)
        object.__setattr__(self, "_parameters", OrderedDict())
        object.__setattr__(self, "_buffers", OrderedDict())
        object.__setattr__(self, "_non_persistent", set())
        object.__setattr__(self, "_modules", OrderedDict())
        object.__setattr__(self, "_forward_hooks", OrderedDict())

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError(f"{type(self).__name__} has no forward(): define it in the "
                                  "subclass")

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        out = self.forward(*args, **kwargs)
        if not self._forward_hooks:
            return out
        for hook in list(self._forward_hooks.values()):
            result = hook(self, args, out)
            if result is not None:
                out = result
        return out

    def register_forward_hook(self, hook: Callable[["Module", tuple, Any], Any]) -> _HookHandle:
        """Call `hook(module, inputs, output)` after every forward (e.g. to record feature
        maps); a non-None return value replaces the output."""
        key = max(self._forward_hooks, default=-1) + 1
        self._forward_hooks[key] = hook
        return _HookHandle(self._forward_hooks, key)

    # ----- registration -----------------------------------------------------------------
    def _check_new_name(self, name: str) -> None:
        if not isinstance(name, str):
            raise TypeError(f"attribute name should be a string, got {type(name).__name__}")
        if "." in name or name == "":
            raise KeyError(f'attribute name can\'t contain "." and can\'t be empty: "{name}"')
        if "_parameters" not in self.__dict__:
            raise AttributeError("cannot assign before Module.__init__() call")

    def _forget(self, name: str) -> None:
        """Remove `name` from every registry (an attribute lives in exactly one)."""
        for registry in (self._parameters, self._buffers, self._modules):
            registry.pop(name, None)
        self._non_persistent.discard(name)
        self.__dict__.pop(name, None)

    def register_parameter(self, name: str, param: Optional[Parameter]) -> None:
        """Add a parameter (or a None placeholder, e.g. `bias=False`) under `name`."""
        self._check_new_name(name)
        if param is not None and not isinstance(param, Parameter):
            raise TypeError(f"cannot assign '{type(param).__name__}' object to parameter "
                            f"'{name}' (nn.Parameter or None required)")
        self._forget(name)
        self._parameters[name] = param

    def register_buffer(self, name: str, tensor: Optional[Tensor],
                        persistent: bool = True) -> None:
        """Add non-learnable state (e.g. BatchNorm running statistics). Persistent buffers
        are saved in `state_dict()`."""
        self._check_new_name(name)
        if tensor is not None and not isinstance(tensor, Tensor):
            raise TypeError(f"cannot assign '{type(tensor).__name__}' object to buffer "
                            f"'{name}' (Tensor or None required)")
        self._forget(name)
        self._buffers[name] = tensor
        if not persistent:
            self._non_persistent.add(name)

    def add_module(self, name: str, module: Optional["Module"]) -> None:
        """Add a child module under `name` (what `self.name = module` does)."""
        self._check_new_name(name)
        if module is not None and not isinstance(module, Module):
            raise TypeError(f"{type(module).__name__} is not a Module subclass")
        self._forget(name)
        self._modules[name] = module

    def __setattr__(self, name: str, value: Any) -> None:
        if isinstance(value, Parameter):
            self.register_parameter(name, value)
        elif isinstance(value, Module):
            self.add_module(name, value)
        elif name in self.__dict__.get("_parameters", {}):
            if value is not None:
                raise TypeError(f"cannot assign '{type(value).__name__}' as parameter "
                                f"'{name}' (nn.Parameter or None expected)")
            self._parameters[name] = None
        elif name in self.__dict__.get("_modules", {}):
            if value is not None:
                raise TypeError(f"cannot assign '{type(value).__name__}' as child module "
                                f"'{name}' (nn.Module or None expected)")
            self._modules[name] = None
        elif name in self.__dict__.get("_buffers", {}):
            if value is not None and not isinstance(value, Tensor):
                raise TypeError(f"cannot assign '{type(value).__name__}' as buffer '{name}' "
                                "(Tensor or None expected)")
            self._buffers[name] = value
        else:
            object.__setattr__(self, name, value)

    def __getattr__(self, name: str) -> Any:
        # Only called when normal lookup fails: look in the registries.
        d = self.__dict__
        for registry in ("_parameters", "_buffers", "_modules"):
            if registry in d and name in d[registry]:
                return d[registry][name]
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")

    def __delattr__(self, name: str) -> None:
        if any(name in r for r in (self._parameters, self._buffers, self._modules)):
            self._forget(name)
        else:
            object.__delattr__(self, name)

    # ----- traversal --------------------------------------------------------------------
    def named_modules(self, memo: Optional[Set[int]] = None,
                      prefix: str = "") -> Iterator[Tuple[str, "Module"]]:
        """This module and all descendants, each once, with dotted names ('' for self)."""
        memo = set() if memo is None else memo
        if id(self) in memo:
            return
        memo.add(id(self))
        yield prefix, self
        for name, child in self._modules.items():
            if child is not None:
                yield from child.named_modules(memo, f"{prefix}.{name}" if prefix else name)

    def modules(self) -> Iterator["Module"]:
        for _, m in self.named_modules():
            yield m

    def named_children(self) -> Iterator[Tuple[str, "Module"]]:
        seen: Set[int] = set()
        for name, child in self._modules.items():
            if child is not None and id(child) not in seen:
                seen.add(id(child))
                yield name, child

    def children(self) -> Iterator["Module"]:
        for _, child in self.named_children():
            yield child

    def _named_members(self, registry: str, prefix: str,
                       recurse: bool) -> Iterator[Tuple[str, Tensor]]:
        """Walk `registry` ('_parameters' or '_buffers') of the tree; shared tensors once."""
        seen: Set[int] = set()
        modules = self.named_modules(prefix=prefix) if recurse else [(prefix, self)]
        for mod_prefix, module in modules:
            for name, value in getattr(module, registry).items():
                if value is None or id(value) in seen:
                    continue
                seen.add(id(value))
                yield (f"{mod_prefix}.{name}" if mod_prefix else name), value

    def named_parameters(self, prefix: str = "",
                         recurse: bool = True) -> Iterator[Tuple[str, Parameter]]:
        """(dotted name, parameter) pairs, e.g. ('features.0.weight', ...), as in PyTorch."""
        return self._named_members("_parameters", prefix, recurse)

    def parameters(self, recurse: bool = True) -> Iterator[Parameter]:
        """All learnable parameters (what an optimizer needs)."""
        for _, p in self.named_parameters(recurse=recurse):
            yield p

    def named_buffers(self, prefix: str = "",
                      recurse: bool = True) -> Iterator[Tuple[str, Tensor]]:
        return self._named_members("_buffers", prefix, recurse)

    def buffers(self, recurse: bool = True) -> Iterator[Tensor]:
        for _, b in self.named_buffers(recurse=recurse):
            yield b

    def get_submodule(self, target: str) -> "Module":
        """The descendant at a dotted path, e.g. `net.get_submodule('features.0')`."""
        module = self
        for part in target.split(".") if target else []:
            if part not in module._modules:
                raise AttributeError(f"{type(module).__name__} has no submodule `{part}` "
                                     f"(looking up '{target}')")
            module = module._modules[part]
        return module

    def apply(self, fn: Callable[["Module"], None]) -> "Module":
        """Call `fn` on every submodule (children first) then on self; returns self.

        >>> from tinygrad_cnn import nn
        >>> net = nn.Sequential(nn.Linear(2, 2)).apply(lambda m: None)
        """
        for child in self.children():
            child.apply(fn)
        fn(self)
        return self

    # ----- modes and gradients ----------------------------------------------------------
    def train(self, mode: bool = True) -> "Module":
        """Switch this module and its descendants to training (or eval) mode."""
        if not isinstance(mode, bool):
            raise ValueError("training mode is expected to be boolean")
        for m in self.modules():
            m.training = mode
        return self

    def eval(self) -> "Module":
        """Evaluation mode: dropout off, batch norm uses its running statistics."""
        return self.train(False)

    def requires_grad_(self, requires_grad: bool = True) -> "Module":
        """Freeze (False) or unfreeze every parameter, e.g. for transfer learning."""
        for p in self.parameters():
            p.requires_grad_(requires_grad)
        return self

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Forget gradients: set `.grad` to None (or zero it in place)."""
        for p in self.parameters():
            if set_to_none:
                p.grad = None
            elif p.grad is not None:
                p.grad.zero_()

    def num_parameters(self, only_trainable: bool = False) -> int:
        """Total number of scalar parameters (optionally only those requiring grad)."""
        return sum(p.numel() for p in self.parameters()
                   if p.requires_grad or not only_trainable)

    # ----- dtype ------------------------------------------------------------------------
    def to(self, *args: Any, **kwargs: Any) -> "Module":
        """Cast floating parameters and buffers in place (same Parameter objects, so an
        optimizer built earlier still sees them). Devices are read as torch reads them
        ('cpu', device('cpu'), a tensor's); any but the CPU is a clear error."""
        dtype = parse_to_args(*args, **kwargs).dtype
        if dtype is None:
            return self
        dtype = np.dtype(dtype)
        if dtype.kind != "f":
            raise TypeError(f"Module.to only accepts floating point dtypes, got {dtype}")
        for t in list(self.parameters()) + list(self.buffers()):
            if t._data.dtype.kind == "f":
                t._data = t._data.astype(dtype)
                if t.grad is not None:
                    t.grad._data = t.grad._data.astype(dtype)
        return self

    def cpu(self) -> "Module":
        """Return self: modules live on the CPU."""
        return self

    def cuda(self, device: Any = None) -> "Module":
        """Refused with a clear error: there is no GPU backend (see `tinygrad_cnn.cuda`).

        >>> from tinygrad_cnn import nn
        >>> try:
        ...     nn.Linear(1, 1).cuda()
        ... except RuntimeError as error:
        ...     print(str(error)[:25])
        cannot use device 'cuda':
        """
        resolve("cuda" if device is None else f"cuda:{device}" if isinstance(device, int)
                else device)
        return self

    def float(self) -> "Module":
        return self.to(np.float32)

    def double(self) -> "Module":
        return self.to(np.float64)

    # ----- saving and loading -----------------------------------------------------------
    def state_dict(self, prefix: str = "") -> "OrderedDict[str, Tensor]":
        """Parameters and persistent buffers by dotted name, in PyTorch's order, as tensors
        outside the graph (`.clone()`, `.shape`, `.numpy()`, `np.asarray` work).

        Unlike PyTorch (whose tensors share memory with the model), they are *copies*: a
        saved state dict is a snapshot that later training does not change.

        >>> from tinygrad_cnn import nn
        >>> state = nn.Linear(2, 1).state_dict()
        >>> list(state), state["weight"].shape, state["bias"].clone().requires_grad
        (['weight', 'bias'], (1, 2), False)
        """
        return OrderedDict((name, Tensor._wrap(t._data.copy(), False))
                           for name, t in self._state_tensors(prefix))

    def _state_tensors(self, prefix: str = "") -> Iterator[Tuple[str, Tensor]]:
        """Each module's parameters then persistent buffers, depth first (PyTorch's order;
        a tensor shared by two modules appears under both names, as in PyTorch)."""
        own = [*self._parameters.items(),
               *((n, b) for n, b in self._buffers.items() if n not in self._non_persistent)]
        for name, t in own:
            if t is not None:
                yield prefix + name, t
        for name, child in self._modules.items():
            if child is not None:
                yield from child._state_tensors(f"{prefix}{name}.")

    def load_state_dict(self, state_dict: Mapping[str, Any],
                        strict: bool = True) -> IncompatibleKeys:
        """Copy values (arrays, Tensors, or torch tensors) into the parameters and buffers in
        place, keeping their dtype. With `strict`, missing or unexpected keys are an error;
        a shape mismatch always is. Returns (missing_keys, unexpected_keys)."""
        own = dict(self._state_tensors())
        missing = [k for k in own if k not in state_dict]
        unexpected = [k for k in state_dict if k not in own]
        errors = []
        for name, target in own.items():
            if name in state_dict:
                value = np.asarray(state_dict[name]._data if isinstance(state_dict[name], Tensor)
                                   else state_dict[name])
                if value.shape != target.shape:
                    errors.append(f"size mismatch for {name}: copying a param with shape "
                                  f"{value.shape} from checkpoint, the shape in current model "
                                  f"is {target.shape}.")
                else:
                    target._data[...] = value
                    bump_version(target)
        if strict and unexpected:
            errors.insert(0, "Unexpected key(s) in state_dict: "
                          + ", ".join(f'"{k}"' for k in unexpected) + ".")
        if strict and missing:
            errors.insert(0, "Missing key(s) in state_dict: "
                          + ", ".join(f'"{k}"' for k in missing) + ".")
        if errors:
            raise RuntimeError(f"Error(s) in loading state_dict for {type(self).__name__}:\n\t"
                               + "\n\t".join(errors))
        return IncompatibleKeys(missing, unexpected)

    # ----- printing ---------------------------------------------------------------------
    def extra_repr(self) -> str:
        """The text inside the parentheses of this module's repr (layers override it)."""
        return ""

    def __repr__(self) -> str:
        lines = [f"({name}): " + _indent(repr(child)) for name, child in self._modules.items()]
        extra = self.extra_repr()
        if not lines:
            return f"{type(self).__name__}({extra})"
        body = ([extra] if extra else []) + lines
        return f"{type(self).__name__}(\n  " + "\n  ".join(body) + "\n)"

    def summary(self, input_size: Optional[Sequence[int]] = None) -> Any:
        """The repr followed by parameter counts, for a quick look at a model; given an
        `input_size` (batch first), `nn.summary`'s table of output shapes,
        parameters and multiply-adds per layer.

        >>> from tinygrad_cnn import nn
        >>> print(nn.Linear(3, 2).summary())
        Linear(in_features=3, out_features=2, bias=True)
        Parameters: 8 (trainable: 8)
        >>> nn.Linear(3, 2).summary((5, 3)).total_mult_adds
        30
        """
        if input_size is not None:
            from .model_summary import summary

            return summary(self, input_size)
        return (f"{self!r}\nParameters: {self.num_parameters():,} "
                f"(trainable: {self.num_parameters(only_trainable=True):,})")

    def __dir__(self) -> List[str]:
        return sorted(set(super().__dir__()) | set(self._parameters) | set(self._buffers)
                      | set(self._modules))


def _indent(text: str) -> str:
    """Indent every line after the first by two spaces (nested module reprs)."""
    return text.replace("\n", "\n  ")
