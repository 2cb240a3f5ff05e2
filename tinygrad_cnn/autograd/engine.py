"""The backward pass: walk the DAG from the output in reverse topological order.

The walk is iterative (no recursion limit on deep graphs). Each node's gradient is
summed over every path that reaches it before its Function's backward runs, which is
what makes a tensor used twice (a diamond) come out right.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Callable, Dict, List, Optional, Tuple

import numpy as np

from .function import EDITS
from .grad_mode import STATE, no_grad

#: makes an uninitialised array of (shape, dtype): where a gradient that must be copied goes
Allocate = Callable[[Tuple[int, ...], np.dtype], np.ndarray]

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
                if id(parent) not in visited and (parent._requires_grad or not grad_only):
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
    wrap = type(tensor)._wrap  # the tensor's own class: this layer imports no Tensor
    for hook in list(tensor._hooks.values()):
        with no_grad():
            new = hook(wrap(grad, False))
        if new is not None:
            grad = np.asarray(getattr(new, "_data", new), dtype=grad.dtype)
    return grad


def _adoptable(grad: np.ndarray, owned: bool, dtype: np.dtype) -> bool:
    """Whether a gradient can be kept or written as it is: only this walk holds it, and it
    is a whole, writable, contiguous array of the wanted dtype."""
    return (owned and grad.base is None and grad.dtype == dtype and grad.flags.c_contiguous
            and grad.flags.writeable)


def _summed(held: Tuple[np.ndarray, bool], new: Tuple[np.ndarray, bool]
            ) -> Tuple[np.ndarray, bool]:
    """(gradient, owned) for the sum of two gradients of one tensor (same shape and
    dtype): added into one of them when this walk alone holds it, as `_accumulate` adopts
    one (a fresh sum of conv-sized gradients costs a page fault per 4 KiB)."""
    for (into, owned), (other, _) in ((held, new), (new, held)):
        if _adoptable(into, owned, other.dtype):
            np.add(into, other, out=into)
            return into, True
    return held[0] + new[0], True


def _accumulate(tensor: "Tensor", grad: np.ndarray, owned: bool, allocate: Allocate) -> None:
    """Add `grad` into `tensor.grad`. The first gradient becomes `.grad` as is when only
    this walk holds it (`owned`), as PyTorch does (a copy of conv's input gradient would
    cost a second buffer of its size); otherwise it is copied into `allocate`'s buffer."""
    if tensor.grad is not None:
        tensor.grad._data += grad
        return
    dtype = tensor._data.dtype
    if not _adoptable(grad, owned, dtype):
        copy = allocate(grad.shape, dtype)
        np.copyto(copy, grad, casting="unsafe")
        grad = copy
    tensor.grad = type(tensor)._wrap(grad, False)


def _holds(value: object, array: np.ndarray, depth: int = 0) -> bool:
    """Whether `value` (a Function's saved state) is, views, or contains `array`."""
    if isinstance(value, np.ndarray):
        while value is not None:
            if value is array:
                return True
            value = value.base
        return False
    if depth > 1:
        return False
    if isinstance(value, (tuple, list)):
        return any(_holds(v, array, depth + 1) for v in value)
    state = getattr(value, "__dict__", None)
    return state is not None and any(_holds(v, array, depth + 1) for v in state.values())


_NOT_SAVED = ("parents", "options", "versions", "needs_input_grad")


def saved(fn: object, array: np.ndarray) -> bool:
    """Whether Function `fn` kept `array` (or a view of it) for its backward."""
    return any(_holds(v, array) for k, v in vars(fn).items() if k not in _NOT_SAVED)


def check_versions(node: "Tensor") -> None:
    """PyTorch's rule: a tensor kept for a gradient must not have been modified in place
    since (its version moved), else the gradient would be silently wrong."""
    fn = node._ctx
    culprit = None
    if fn.dirty or (node._version[0] and saved(fn, node._data)):
        culprit, version, expected = node, fn.dirty or node._version[0], 0
    for parent, expected_version in zip(fn.parents, fn.versions):
        if parent._version[0] != expected_version and (parent._ctx is not None
                                                       or saved(fn, parent._data)):
            culprit, version, expected = parent, parent._version[0], expected_version
    if culprit is not None:
        raise RuntimeError(
            "one of the variables needed for gradient computation has been modified by an "
            f"inplace operation: [{culprit._data.dtype} {list(culprit.shape)}], needed by "
            f"{fn.name}Backward, is at version {version}; expected version {expected} "
            "instead. Hint: use an out-of-place op (y = y * 2, not y *= 2) on "
            "tensors that backward still needs.")


def _shared(parents: tuple, grads: tuple) -> bool:
    """Whether one array goes to two of the inputs that take a gradient (Add's `g, g`)."""
    if len(grads) == 2:  # the common case, without a loop
        return grads[0] is grads[1] is not None and parents[0]._requires_grad \
            and parents[1]._requires_grad
    taken: list = []
    for parent, pg in zip(parents, grads):
        if pg is not None and parent._requires_grad:
            if any(pg is other for other in taken):
                return True
            taken.append(pg)
    return False


def run_backward(root: "Tensor", grad: np.ndarray, retain_graph: bool,
                 allocate: Allocate = np.empty, capture: Optional[dict] = None) -> None:
    """Propagate `grad` (d output / d root) to every leaf that requires grad.

    Each pending gradient carries whether only this walk holds it ("owned"): a Function's
    backward returns fresh arrays or the gradient it was given (the `Function` contract),
    so a result is owned unless it is a view, the given gradient when that was not owned,
    or one array handed to two inputs (Add's `g, g`). The seed, hook results and a
    gradient kept by retain_grad are not owned. Owned gradients become `.grad` uncopied.
    With `capture` ({id(tensor): None, ...}, autograd.grad's), no `.grad` is written: the
    gradients reaching those tensors are stored in it instead.
    """
    pending: Dict[int, Tuple[np.ndarray, bool]] = {id(root): (grad, False)}
    for node in topological_order(root):
        g, owned = pending.pop(id(node), (None, False))
        if g is None:
            continue
        if node._hooks:
            g, owned = _run_hooks(node, g), False  # a hook may keep what it was given
        fn = node._ctx
        if capture is not None:
            if id(node) in capture:
                capture[id(node)] = g.copy()
        elif fn is None or node._retains_grad:
            _accumulate(node, g, owned, allocate)
            owned = False
        if fn is None:
            continue
        if fn.freed:
            raise RuntimeError(
                f"Trying to backward through the graph a second time (through {fn.name}): "
                "its saved values were freed after the first backward. "
                "Call .backward(retain_graph=True) the first time if you need to.")
        if fn.edits != EDITS[0]:  # something was changed in place since fn was recorded
            check_versions(node)
        in_grads = fn.backward(g)
        if not isinstance(in_grads, tuple):
            in_grads = (in_grads,)
        if STATE.detect_anomaly:
            _check_finite(fn, in_grads)
        shared = len(in_grads) > 1 and _shared(fn.parents, in_grads)
        for parent, pg in zip(fn.parents, in_grads):
            if pg is None or not parent._requires_grad:
                continue
            fresh = not shared and (owned or pg is not g)
            if pg.__class__ is not np.ndarray:  # numpy makes 0-d results scalars
                pg, fresh = np.asarray(pg), True
            if pg.shape != parent._data.shape:
                pg, fresh = sum_to_shape(pg, parent._data.shape), True
            if pg.dtype != parent._data.dtype:
                pg, fresh = pg.astype(parent._data.dtype), True
            key = id(parent)
            if key in pending:
                pg, fresh = _summed(pending[key], (pg, fresh))
            pending[key] = (pg, fresh)
        if not retain_graph:
            fn.free()
