"""`autograd.grad`: the gradients of outputs with respect to chosen inputs, returned
instead of accumulated into `.grad` (no tensor's `.grad` changes), as torch.autograd.grad."""
from __future__ import annotations

from typing import Any, Optional, Sequence, Tuple

import numpy as np

from .engine import run_backward


def _seq(value: Any) -> Tuple[Any, ...]:
    return tuple(value) if isinstance(value, (list, tuple)) else (value,)


def grad(outputs: Any, inputs: Any, grad_outputs: Optional[Any] = None,
         retain_graph: Optional[bool] = None, create_graph: bool = False,
         allow_unused: Optional[bool] = None, materialize_grads: bool = False
         ) -> Tuple[Any, ...]:
    """d(sum of outputs · grad_outputs) / d(each input), as a tuple of tensors.

    >>> from tinygrad_cnn import Tensor
    >>> x = Tensor([1.0, 2.0], requires_grad=True)
    >>> grad((x * x).sum(), x), x.grad
    ((tensor([2., 4.]),), None)
    """
    if create_graph:
        raise NotImplementedError("create_graph=True (higher-order gradients) is not "
                                  "supported: gradients are computed on plain arrays")
    outputs, inputs = _seq(outputs), _seq(inputs)
    seeds = _seq(grad_outputs) if grad_outputs is not None else (None,) * len(outputs)
    if len(seeds) != len(outputs):
        raise RuntimeError(f"grad requires one grad_output per output: got {len(seeds)} for "
                           f"{len(outputs)} outputs")
    for i, t in enumerate(inputs):
        if not t.requires_grad:
            raise RuntimeError(f"One of the differentiated Tensors (input {i}) does not "
                               "require grad")
    total: dict = {}
    for k, (out, seed) in enumerate(zip(outputs, seeds)):
        if not out.requires_grad:
            raise RuntimeError(f"element {k} of tensors does not require grad and does not "
                               "have a grad_fn")
        capture = {id(t): None for t in inputs}
        keep = bool(retain_graph) or k < len(outputs) - 1
        run_backward(out, out._seed_gradient(seed), keep, capture=capture)
        for key, g in capture.items():
            if g is not None:
                total[key] = g if key not in total else total[key] + g
    return tuple(_result(t, total.get(id(t)), allow_unused, materialize_grads, i)
                 for i, t in enumerate(inputs))


def _result(t: Any, g: Optional[np.ndarray], allow_unused: Optional[bool],
            materialize: bool, i: int) -> Any:
    if g is None:
        if materialize:
            return type(t)._wrap(np.zeros(t.shape, t.dtype), False)
        if not allow_unused:
            raise RuntimeError(f"One of the differentiated Tensors (input {i}) appears to not "
                               "have been used in the graph. Set allow_unused=True if this is "
                               "the desired behavior.")
        return None
    return type(t)._wrap(g.astype(t.dtype, copy=False), False)
