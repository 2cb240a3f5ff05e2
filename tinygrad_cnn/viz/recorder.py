"""Watch the engine's backward: which tensor it processes at each step, and the gradient
that tensor received — taken from the engine itself, not re-derived.

`record_backward(loss)` puts a temporary hook (the public `Tensor.register_hook`) on every
tensor of the graph that requires grad, runs `loss.backward()`, and removes the hooks.
The engine calls a tensor's hooks exactly when it reaches that tensor with its complete
gradient, just before the tensor's `Function.backward` runs (or, for a leaf, just before
it is accumulated into `.grad`): so the order of the calls *is* the engine's visiting
order, and each hook sees the gradient the engine uses. Nothing is left behind: no hook,
no `retain_grad`, no `.grad` on intermediate tensors; leaves get their `.grad` as from a
plain `loss.backward()`.

>>> from tinygrad_cnn import Tensor
>>> x = Tensor([1.0, -2.0], requires_grad=True)
>>> h = x * 3.0
>>> steps = record_backward(h.relu().sum())
>>> [s.name for s in steps], steps[2].grad.tolist(), h.grad is None, h._hooks
(['SumBackward', 'ReLUBackward', 'MulBackward', 'AccumulateGrad'], [1.0, 0.0], True, {})
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Dict, List, Optional

import numpy as np

from .walk import graph_tensors

if TYPE_CHECKING:
    from ..tensor import Tensor


@dataclass
class Step:
    """One step of the engine's backward: the tensor it reached, and its gradient.

    >>> from tinygrad_cnn import Tensor
    >>> x = Tensor([2.0], requires_grad=True)
    >>> step = record_backward((x * x).sum())[-1]
    >>> step.index, step.name, step.grad.tolist(), step.tensor is x
    (2, 'AccumulateGrad', [4.0], True)
    """
    index: int
    tensor: "Tensor"
    grad: np.ndarray

    @property
    def name(self) -> str:
        ctx = self.tensor._ctx
        return "AccumulateGrad" if ctx is None else f"{ctx.name}Backward"

    @property
    def norm(self) -> float:
        return float(np.linalg.norm(self.grad.astype(np.float64)))


def record_backward(loss: "Tensor", gradient=None, retain_graph: bool = False) -> List[Step]:
    """Run `loss.backward(gradient, retain_graph)` and return its steps, in the order the
    engine visited them (see the module doc). Tensors the gradient never reaches (a
    relu whose every input was blocked upstream still counts: it received zeros) are
    absent only when the engine skips them.

    >>> from tinygrad_cnn import Tensor
    >>> w = Tensor([1.0, 2.0], requires_grad=True)
    >>> [s.name for s in record_backward((w * w).sum())]
    ['SumBackward', 'MulBackward', 'AccumulateGrad']
    """
    if not loss.requires_grad:
        raise ValueError("record_backward: the loss does not require grad, so backward has "
                         "nothing to walk (create inputs with requires_grad=True)")
    steps: List[Step] = []
    handles = []
    try:
        for t in graph_tensors(loss):
            if t.requires_grad:
                handles.append(t.register_hook(_recorder(steps, t)))
        loss.backward(gradient, retain_graph=retain_graph)
    finally:
        for handle in handles:
            handle.remove()
    return steps


def _recorder(steps: List[Step], tensor: "Tensor"):
    def hook(grad):
        steps.append(Step(len(steps), tensor, np.array(grad._data, copy=True)))
    return hook


def gradients_by_id(steps: List[Step]) -> Dict[int, np.ndarray]:
    """The gradient each tensor received, by `id(tensor)`.

    >>> from tinygrad_cnn import Tensor
    >>> w = Tensor([3.0], requires_grad=True); y = w * w
    >>> gradients_by_id(record_backward(y.sum()))[id(y)].tolist()
    [1.0]
    """
    return {id(s.tensor): s.grad for s in steps}


def step_of(steps: List[Step], tensor: "Tensor") -> Optional[int]:
    """The step at which the engine reached `tensor` (None: never).

    >>> from tinygrad_cnn import Tensor
    >>> w = Tensor([3.0], requires_grad=True)
    >>> step_of(record_backward((w * w).sum()), w)
    2
    """
    for s in steps:
        if s.tensor is tensor:
            return s.index
    return None
