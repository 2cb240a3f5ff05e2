"""The backward pass: walk the DAG from the output in reverse topological order.

The walk is iterative (no recursion limit on deep graphs). Each node's gradient is
summed over every path that reaches it before its Function's backward runs, which is
what makes a tensor used twice (a diamond) come out right.
"""
from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Dict, List

import numpy as np

from ..kernels import workspace
from .grad_mode import STATE, no_grad

#: Tensor._wrap, set by tensor.py (see function.wrap_array)
wrap_array = None

if TYPE_CHECKING:
    from ..tensor import Tensor


def inputs_first(root: "Tensor", grad_only: bool = False) -> List["Tensor"]:
    """Tensors leading to `root`, each listed after the tensors it is computed from
    (with `grad_only`, just those that require grad: the ones backward visits).

    >>> from tinygrad_cnn import Tensor
    >>> x = Tensor([1.0, 2.0], requires_grad=True)
    >>> [t.shape for t in inputs_first((x * 3.0).sum())]
    [(2,), (), (2,), ()]
    """
    order: List["Tensor"] = []
    visited = set()
    stack = [(root, False)]
    while stack:
        node, expanded = stack.pop()
        if expanded:
            order.append(node)
            continue
        if id(node) in visited:
            continue
        visited.add(id(node))
        stack.append((node, True))
        if node._ctx is not None:
            # reversed so that the first parent is finished first: a stable, readable order
            for parent in reversed(node._ctx.parents):
                if id(parent) not in visited and (parent.requires_grad or not grad_only):
                    stack.append((parent, False))
    return order


def topological_order(root: "Tensor") -> List["Tensor"]:
    """Tensors that require grad and lead to `root`, each before all tensors it is
    computed from: the order in which backward visits them.

    >>> from tinygrad_cnn import Tensor
    >>> x = Tensor([1.0, 2.0], requires_grad=True)
    >>> [t.shape for t in topological_order((x * 3.0).sum())]
    [(), (2,), (2,)]
    """
    order = inputs_first(root, grad_only=True)
    order.reverse()
    return order


def sum_to_shape(grad: np.ndarray, shape: tuple) -> np.ndarray:
    """Undo broadcasting: sum `grad` over the axes that broadcasting added or stretched."""
    if grad.shape == shape:
        return grad
    extra = grad.ndim - len(shape)
    axes = tuple(range(extra)) + tuple(
        i + extra for i, n in enumerate(shape) if n == 1 and grad.shape[i + extra] != 1)
    grad = grad.sum(axis=axes, keepdims=True) if axes else grad
    return grad.reshape(shape)


def _check_finite(fn, grads) -> None:
    for i, g in enumerate(grads):
        if g is not None and not np.all(np.isfinite(g)):
            raise RuntimeError(
                f"Function '{fn.name}Backward' returned nan or inf values in its {i}th output "
                f"(gradient of shape {g.shape}); anomaly detection is on")


def _run_hooks(tensor: "Tensor", grad: np.ndarray) -> np.ndarray:
    from ..tensor import Tensor

    for hook in list(tensor._hooks.values()):
        with no_grad():
            new = hook(Tensor._wrap(grad, False))
        if new is not None:
            grad = np.asarray(new.data if isinstance(new, Tensor) else new, dtype=grad.dtype)
    return grad


def _accumulate(tensor: "Tensor", grad: np.ndarray) -> None:
    if tensor.grad is None:
        tensor.grad = wrap_array(_owned(grad, tensor.data.dtype), False)
    else:
        tensor.grad.data += grad


#: references to a gradient nothing else holds, seen from `_owned`: run_backward's `g`,
#: _accumulate's and _owned's parameters, and getrefcount's argument
_UNSHARED_REFS = 4


def _owned(grad: np.ndarray, dtype: np.dtype) -> np.ndarray:
    """`grad` itself when no other object can see it, else a copy of it.

    As PyTorch does, a gradient that only this walk holds becomes `.grad` as is: copying
    conv's 6.4 MB input gradient on (8,64,56,56) cost 0.5 ms of a ~33 ms fwd+bwd, and a
    second 6.4 MB buffer. Anything that can see the array (another node's pending
    gradient, a saved or user tensor, a hook's result) adds a reference; a view (base set)
    may share memory with anything, so it is copied. The copy goes into a recycled buffer
    (back to the pool when .grad is dropped): a fresh one costs a page fault per 4 KiB.
    """
    if (grad.base is None and grad.dtype == dtype and grad.flags.c_contiguous
            and grad.flags.writeable
            and sys.getrefcount(grad) == _UNSHARED_REFS + workspace.holds(grad)):
        return grad
    buffer = workspace.take(grad.shape, dtype)
    np.copyto(buffer, grad, casting="unsafe")
    return buffer


def run_backward(root: "Tensor", grad: np.ndarray, retain_graph: bool) -> None:
    """Propagate `grad` (d output / d root) to every leaf that requires grad."""
    grads: Dict[int, np.ndarray] = {id(root): grad}
    for node in topological_order(root):
        g = grads.pop(id(node), None)
        if g is None:
            continue
        if node._hooks:
            g = _run_hooks(node, g)
        fn = node._ctx
        if fn is None or node._retains_grad:
            _accumulate(node, g)
        if fn is None:
            continue
        if fn.freed:
            raise RuntimeError(
                f"Trying to backward through the graph a second time (through {fn.name}): "
                "its saved values were freed after the first backward. "
                "Call .backward(retain_graph=True) the first time if you need to.")
        in_grads = fn.backward(g)
        if not isinstance(in_grads, tuple):
            in_grads = (in_grads,)
        if STATE.detect_anomaly:
            _check_finite(fn, in_grads)
        for parent, pg in zip(fn.parents, in_grads):
            if pg is None or not parent.requires_grad:
                continue
            if pg.__class__ is not np.ndarray:  # numpy makes 0-d results scalars
                pg = np.asarray(pg)
            if pg.shape != parent.data.shape:
                pg = sum_to_shape(pg, parent.data.shape)
            if pg.dtype != parent.data.dtype:
                pg = pg.astype(parent.data.dtype)
            key = id(parent)
            grads[key] = grads[key] + pg if key in grads else pg
        in_grads = pg = None  # let `grads` hold the only references (see `_owned`)
        if not retain_graph:
            fn.free()
