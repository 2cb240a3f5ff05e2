"""`Optimizer`: the base every update rule shares.

It owns what is common to all optimizers — parameter groups with per-group options,
per-parameter state, `zero_grad`, `state_dict`/`load_state_dict` and the `step` loop —
so each optimizer file only holds its own update rule (`_init_state` and `_update`).
"""
from __future__ import annotations

import copy
from typing import Any, Callable, Dict, Iterable, List, Optional, Tuple, Union

import numpy as np

from ..autograd.function import bump_version
from ..autograd.grad_mode import enable_grad
from ..tensor import Tensor

ParamsT = Union[Iterable[Tensor], Iterable[Dict[str, Any]]]


class Optimizer:
    """Base class: subclasses define `_init_state(param, state, group)` and
    `_update(param, grad, state, group)`, which work on numpy arrays in place.

    >>> from tinygrad_cnn import Tensor, optim
    >>> w = Tensor([1.0, 2.0], requires_grad=True)
    >>> opt = optim.SGD([w], lr=0.1)
    >>> (w * w).sum().backward(); opt.step(); [round(v, 4) for v in w.tolist()]
    [0.8, 1.6]
    """

    def __init__(self, params: ParamsT, defaults: Dict[str, Any]) -> None:
        self.defaults = defaults
        self.param_groups: List[Dict[str, Any]] = []
        self.state: Dict[Tensor, Dict[str, Any]] = {}
        if isinstance(params, Tensor):
            raise TypeError("params argument given to the optimizer should be an iterable of "
                            f"Tensors or dicts, but got {type(params).__name__}")
        groups = list(params) if not isinstance(params, set) else [{"params": params}]
        if not groups:
            raise ValueError("optimizer got an empty parameter list")
        if not isinstance(groups[0], dict):
            groups = [{"params": groups}]
        for group in groups:
            self.add_param_group(group)

    def __repr__(self) -> str:
        lines = [f"{type(self).__name__} ("]
        for i, group in enumerate(self.param_groups):
            lines.append(f"Parameter Group {i}")
            lines += [f"    {k}: {v}" for k, v in sorted(group.items()) if k != "params"]
        return "\n".join(lines) + "\n)"

    # ----- parameter groups -------------------------------------------------------------
    def add_param_group(self, param_group: Dict[str, Any]) -> None:
        """Add a group of parameters with its own options (missing ones take the defaults).

        >>> from tinygrad_cnn import zeros, optim
        >>> a, b = zeros(2, requires_grad=True), zeros(2, requires_grad=True)
        >>> opt = optim.SGD([a], lr=0.1); opt.add_param_group({"params": [b], "lr": 0.01})
        >>> [g["lr"] for g in opt.param_groups]
        [0.1, 0.01]
        """
        if not isinstance(param_group, dict):
            raise TypeError(f"param_group must be a dict, but got {type(param_group).__name__}")
        group = dict(param_group)
        params = group["params"]
        if isinstance(params, set):
            raise TypeError("optimizer parameters need to be organized in ordered collections, "
                            "but the ordering of tensors in sets will change between runs. "
                            "Please use a list instead.")
        group["params"] = [params] if isinstance(params, Tensor) else list(params)
        for p in group["params"]:
            self._check_param(p)
        for name, default in self.defaults.items():
            group.setdefault(name, default)
        # Identity, not ==: Tensor.__eq__ is elementwise.
        seen = {id(p) for g in self.param_groups for p in g["params"]}
        if any(id(p) in seen for p in group["params"]):
            raise ValueError("some parameters appear in more than one parameter group")
        self.param_groups.append(group)

    @staticmethod
    def _check_param(p: Any) -> None:
        if not isinstance(p, Tensor):
            raise TypeError("optimizer can only optimize Tensors, but one of the params is "
                            f"{type(p).__name__}")
        if not p.is_leaf:
            raise ValueError("can't optimize a non-leaf Tensor")

    def _all_params(self) -> List[Tensor]:
        return [p for group in self.param_groups for p in group["params"]]

    # ----- the update loop --------------------------------------------------------------
    def zero_grad(self, set_to_none: bool = True) -> None:
        """Reset every parameter's gradient: to None (default) or to zeros in place."""
        for p in self._all_params():
            if p.grad is None:
                continue
            if set_to_none:
                p.grad = None
            else:
                p.grad.zero_()

    def step(self, closure: Optional[Callable[[], Any]] = None) -> Any:
        """Update every parameter that has a gradient; returns `closure()` if given
        (the closure re-evaluates the loss, e.g. to call backward)."""
        loss = None
        if closure is not None:
            with enable_grad():
                loss = closure()
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is None:
                    continue
                state = self.state.setdefault(p, {})
                if not state:
                    self._init_state(p._data, state, group)
                self._update(p._data, self._direction(p, group), state, group)
                bump_version(p)  # an in-place update, as PyTorch counts it
        return loss

    def _direction(self, p: Tensor, group: Dict[str, Any]) -> np.ndarray:
        """The gradient the rule follows: negated for `maximize`, plus the classic L2 term
        `weight_decay * param` unless the rule decays weights itself (`decoupled`)."""
        grad = p.grad._data
        if group.get("maximize", False):
            grad = -grad
        decay = group.get("weight_decay", 0)
        if decay != 0 and not group.get("decoupled_weight_decay", False):
            grad = grad + decay * p._data
        return grad

    #: per-parameter running arrays, zero-initialised like the parameter before its first step
    state_buffers: Tuple[str, ...] = ()
    #: whether the state keeps a step count (PyTorch's SGD keeps none)
    counts_steps = True

    def _init_state(self, param: np.ndarray, state: Dict[str, Any],
                    group: Dict[str, Any]) -> None:
        """Fill the empty per-parameter `state` before its first update: a step count and
        the zero buffers named in `state_buffers` (extend for conditional ones)."""
        if self.counts_steps:
            state["step"] = 0
        for name in self.state_buffers:
            state[name] = np.zeros_like(param)

    def _update(self, param: np.ndarray, grad: np.ndarray, state: Dict[str, Any],
                group: Dict[str, Any]) -> None:
        """Apply one update of `param` in place (grad already maximize/L2-adjusted)."""
        raise NotImplementedError(f"{type(self).__name__} does not define _update")

    # ----- saving and loading -----------------------------------------------------------
    def state_dict(self) -> Dict[str, Any]:
        """PyTorch's layout: {'state': {index: {...}}, 'param_groups': [{..., 'params':
        [index, ...]}]}, indices counting parameters across groups. Arrays are copied so
        later steps do not change a saved dict."""
        index = {id(p): i for i, p in enumerate(self._all_params())}
        groups = [{**{k: v for k, v in g.items() if k != "params"},
                   "params": [index[id(p)] for p in g["params"]]} for g in self.param_groups]
        state = {index[id(p)]: copy.deepcopy(s) for p, s in self.state.items() if s}
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict: Dict[str, Any]) -> None:
        """Restore options and state saved by `state_dict` into this optimizer, whose
        groups must have the same sizes. The dict is copied, not kept."""
        saved_groups = state_dict["param_groups"]
        if len(saved_groups) != len(self.param_groups):
            raise ValueError("loaded state dict has a different number of parameter groups: "
                             f"{len(saved_groups)} saved, {len(self.param_groups)} here")
        for i, (saved, ours) in enumerate(zip(saved_groups, self.param_groups)):
            if len(saved["params"]) != len(ours["params"]):
                raise ValueError(
                    f"loaded state dict contains a parameter group that doesn't match the size "
                    f"of optimizer's group: group {i} has {len(saved['params'])} params saved, "
                    f"{len(ours['params'])} here")
        by_index = {i: p for saved, ours in zip(saved_groups, self.param_groups)
                    for i, p in zip(saved["params"], ours["params"])}
        self.state = {}
        for i, s in state_dict["state"].items():
            p = by_index[int(i)]
            self.state[p] = {k: self._cast_state(v, p, i, k) for k, v in s.items()}
        self.param_groups = [{**copy.deepcopy({k: v for k, v in saved.items() if k != "params"}),
                              "params": ours["params"]}
                             for saved, ours in zip(saved_groups, self.param_groups)]

    @staticmethod
    def _cast_state(value: Any, p: Tensor, index: int, key: str) -> Any:
        """Copy a saved state entry; arrays take the parameter's dtype (as torch does)."""
        if not isinstance(value, np.ndarray):
            return copy.deepcopy(value)
        if value.ndim == 0:  # a scalar such as 'step' that went through np.save
            return value.item()
        if value.shape != p.shape:
            raise ValueError(f"loaded state '{key}' of parameter {index} has shape "
                             f"{value.shape} but the parameter has shape {p.shape}")
        return value.astype(p.dtype, copy=True)
