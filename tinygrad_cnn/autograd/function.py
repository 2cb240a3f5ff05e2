"""`Function`: one differentiable op, its forward and its local gradient side by side.

Subclasses implement `forward(self, *arrays, **options) -> ndarray` on numpy data and
`backward(self, grad) -> one gradient per tensor input` (None where no gradient flows).
`apply` runs forward and, when any input requires grad, records the node in the DAG:
the output tensor points to this Function, which points to its input tensors.
Gradients returned by `backward` may have the broadcast shape of the output; the engine
sums them back to each input's shape, so ops never repeat that logic. They are new
arrays or the gradient `backward` was given (never an array the Function keeps): the
engine then knows which gradients only it holds, and hands those to `.grad` uncopied.
"""
from __future__ import annotations

from typing import Any, Callable, Dict, Optional, Tuple

import numpy as np

from .grad_mode import STATE


#: the version of a tensor never changed in place (a shared constant: no cell per tensor)
UNCHANGED = (0,)
#: in-place changes of any tensor so far: a node recorded at the current count has seen
#: none since, so backward skips its version check (`engine.check_versions`)
EDITS = [0]
#: the input versions a node records while nothing was ever changed in place: all 0
#: (one shared tuple per input count instead of reading every input's counter)
NEVER_EDITED = tuple((0,) * n for n in range(8))


def bump_version(t: Any) -> None:
    """Count one in-place change of tensor `t` (its own counter is made on the first)."""
    cell = t._version
    if cell.__class__ is tuple:
        cell = t._version = [0]
    cell[0] += 1
    EDITS[0] += 1


def shared_version(t: Any) -> list:
    """`t`'s version counter, made if needed, for an alias (`.data`, `detach()`) to share."""
    if t._version.__class__ is tuple:
        t._version = [t._version[0]]
    return t._version


class Function:
    """One op: `forward`, `backward`, and how pictures show it (`label`, `category`,
    `circuit`). Every subclass is listed in `Function.registry` by class name."""

    #: every Function subclass by class name (what the pictures look ops up by)
    registry: Dict[str, type] = {}
    #: the op's name in pictures (PyTorch's functional name); None: snake_case class name
    label: Optional[str] = None
    #: its colour family in pictures (`viz.style.CATEGORY_FILL`)
    category = "arithmetic"
    #: how the circuit view expands it into scalar nodes (`ops.circuit`); None: it can't
    circuit: Optional[Callable] = None
    #: input tensors (set only when the node is recorded)
    parents: Tuple[Any, ...] = ()
    #: non-tensor options given to the op (stride, dim, ...), shown by the graph renderer
    options: dict = {}
    #: which inputs need a gradient; backward may skip the others
    needs_input_grad: Tuple[bool, ...] = ()
    saved_tensors: Tuple[Any, ...] = ()
    freed = False
    #: set by an in-place op that overwrote this node's output while the node kept it
    #: (the version its backward then refuses at); 0: untouched
    dirty = 0
    #: `EDITS` when the node was recorded (-1: not recorded by `apply`, always checked)
    edits = -1
    #: a non-differentiable side output (e.g. max-pool indices); apply then returns a pair
    aux: Optional[np.ndarray] = None

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        Function.registry[cls.__name__] = cls

    def forward(self, *arrays: np.ndarray, **options: Any) -> np.ndarray:
        raise NotImplementedError

    def backward(self, grad: np.ndarray) -> Any:
        raise NotImplementedError

    def save_for_backward(self, *arrays: Any) -> None:
        """Keep what backward needs; the engine frees it after backward (unless retain_graph)."""
        self.saved_tensors = arrays

    def free(self) -> None:
        """Drop everything saved for backward so memory goes back as soon as the gradient
        has flowed; keep the graph's structure (parents, options) for the renderer."""
        d = self.__dict__  # a recorded node always has these three (set by apply)
        self.__dict__ = {"parents": d["parents"], "options": d["options"],
                         "versions": d["versions"],
                         "needs_input_grad": d["needs_input_grad"], "freed": True}

    @property
    def name(self) -> str:
        return type(self).__name__

    def __repr__(self) -> str:
        return f"<{self.name}Backward>"

    @classmethod
    def apply(cls, *inputs: Any, **options: Any) -> Any:
        """Run the op on Tensors and record it in the graph when gradients are wanted."""
        ctx = cls()
        requires_grad = False
        if STATE.grad_enabled:
            needs = tuple([t._requires_grad for t in inputs])
            requires_grad = True in needs
            ctx.needs_input_grad = needs
        out = ctx.forward(*[t._data for t in inputs], **options)
        if out.__class__ is not np.ndarray:  # numpy turns 0-d results into scalars
            out = np.asarray(out)
        wrap = inputs[0]._wrap  # the inputs' own class: this layer imports no Tensor
        out = wrap(out, requires_grad)
        if requires_grad:
            ctx.parents = inputs
            ctx.options = options
            # each input's in-place version now: backward refuses if one it kept has moved
            ctx.versions = (NEVER_EDITED[len(inputs)] if EDITS[0] == 0 and len(inputs) < 8
                            else [t._version[0] for t in inputs])
            ctx.edits = EDITS[0]
            out._ctx = ctx
        if ctx.aux is not None:
            return out, wrap(ctx.aux, False)
        return out
