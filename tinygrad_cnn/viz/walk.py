"""Walking the tensor DAG the way the renderers need it.

The forward picture also shows data and constants, so it walks every parent
(`engine.inputs_first` without `grad_only`); the backward picture walks what the engine
walks (`engine.topological_order`).

>>> from tinygrad_cnn import Tensor
>>> x = Tensor([1.0], requires_grad=True)
>>> [t.shape for t in graph_tensors(x * 2.0)]
[(1,), (), (1,)]
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Dict, List

from ..autograd.engine import inputs_first

if TYPE_CHECKING:
    from ..tensor import Tensor


def graph_tensors(root: "Tensor") -> List["Tensor"]:
    """Every tensor that leads to `root`, each before the tensors computed from it.

    >>> from tinygrad_cnn import Tensor
    >>> x = Tensor([1.0, 2.0], requires_grad=True)
    >>> [t.shape for t in graph_tensors((x * 3.0).sum())]
    [(2,), (), (2,), ()]
    """
    return inputs_first(root)


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
    return t._ctx is None and not t.requires_grad and t._data.size == 1
