"""Walking the tensor DAG the way the renderers need it.

Unlike `engine.topological_order` (which only keeps tensors that require grad, because
only those get gradients), the forward picture also shows data and constants, so this
walk follows every parent.

>>> from tinygrad_cnn import Tensor
>>> x = Tensor([1.0], requires_grad=True)
>>> [t.shape for t in graph_tensors(x * 2.0)]
[(1,), (), (1,)]
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Dict, List

if TYPE_CHECKING:
    from ..tensor import Tensor


def graph_tensors(root: "Tensor") -> List["Tensor"]:
    """Every tensor that leads to `root`, each before the tensors computed from it.

    >>> from tinygrad_cnn import Tensor
    >>> x = Tensor([1.0, 2.0], requires_grad=True)
    >>> [t.shape for t in graph_tensors((x * 3.0).sum())]
    [(2,), (), (2,), ()]
    """
    order: List["Tensor"] = []
    seen = set()
    stack = [(root, False)]
    while stack:
        node, expanded = stack.pop()
        if expanded:
            order.append(node)
            continue
        if id(node) in seen:
            continue
        seen.add(id(node))
        stack.append((node, True))
        if node._ctx is not None:
            # reversed so that the first parent is finished first: a stable, readable order
            for parent in reversed(node._ctx.parents):
                if id(parent) not in seen:
                    stack.append((parent, False))
    return order


def index_of(tensors: List["Tensor"]) -> Dict[int, int]:
    """Position of each tensor by id (Tensor `==` is elementwise, so never use `in`).

    >>> from tinygrad_cnn import Tensor
    >>> x = Tensor([1.0], requires_grad=True); y = x * 2.0
    >>> index_of(graph_tensors(y))[id(y)]
    2
    """
    return {id(t): i for i, t in enumerate(tensors)}


def retain_all_grads(root: "Tensor") -> None:
    """Ask every non-leaf tensor that requires grad to keep its `.grad` during backward,
    so the pictures can show the engine's own gradients on every edge.

    >>> from tinygrad_cnn import Tensor
    >>> x = Tensor([1.0, -2.0], requires_grad=True)
    >>> h = x * 3.0
    >>> loss = h.relu().sum()
    >>> retain_all_grads(loss); loss.backward(); h.grad
    tensor([1., 0.])
    """
    for t in graph_tensors(root):
        if t._ctx is not None and t.requires_grad:
            t.retain_grad()


def is_scalar_constant(t: "Tensor") -> bool:
    """A one-element leaf without grad, e.g. the 2 in `x ** 2`: drawn folded into its op.

    >>> from tinygrad_cnn import Tensor
    >>> x = Tensor([1.0], requires_grad=True)
    >>> [is_scalar_constant(t) for t in graph_tensors(x * 2.0)]
    [False, True, False]
    """
    return t._ctx is None and not t.requires_grad and t.data.size == 1
