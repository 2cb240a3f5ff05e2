"""In-place ops, as PyTorch has them: `x += y`, `x.add_(y)`, `w.data.normal_(0, 0.02)`.

Every in-place op writes into the tensor's own array (so every alias — `.data`,
`.detach()`, a numpy view — sees it) and bumps its version counter, which backward
checks (autograd/engine.py:check_versions): a tensor a Function kept for its gradient
must not have moved since, else PyTorch's "modified by an inplace operation" error.

The rules, PyTorch's:
- a leaf that requires grad refuses in-place ops while grad mode is on (use `no_grad()`);
- on a tensor inside the graph (a non-leaf, or any tensor when the other operand requires
  grad) the op is *recorded*: the tensor takes the new node as its `grad_fn` and its old
  value becomes that node's input. Ops that had already used the old tensor refuse to
  backward afterwards (strict: the engine walks tensors, not PyTorch's node edges);
- in-place ops on results of view ops (reshape, indexing, ...) that are in the graph are
  refused: their array may share memory with a tensor backward still needs.

>>> from tinygrad_cnn import Tensor, no_grad
>>> w = Tensor([1.0, 2.0], requires_grad=True)
>>> alias = w
>>> (w * w).sum().backward()
>>> with no_grad():
...     w -= 0.5 * w.grad
>>> alias is w, w
(True, tensor([0., 0.], requires_grad=True))
"""
from __future__ import annotations

from typing import Any, Callable, Optional

import numpy as np

from ..autograd.engine import saved
from ..autograd.function import bump_version
from ..autograd.grad_mode import STATE
from ..rng import generator, numpy_generator
from .arithmetic import add, div, mul, pow, sub
from .unary import clamp

#: ops whose result may be a view sharing memory with their input
VIEW_OPS = ("Reshape", "Permute", "Expand", "Getitem")
LEAF_MESSAGE = "a leaf Variable that requires grad is being used in an in-place operation."


def check_writable(t: Any) -> None:
    """PyTorch's refusal of in-place ops on a leaf that requires grad (outside no_grad)."""
    if STATE.grad_enabled and t._requires_grad and t._ctx is None:
        raise RuntimeError(LEAF_MESSAGE)


def assign(t: Any, result: Any, before: Any) -> Any:
    """Write `result` (computed out of place from `t`) into `t`'s array; record it in the
    graph when `result` was recorded. Returns `t`."""
    if result._data.shape != t._data.shape:
        raise RuntimeError(f"output with shape {list(t.shape)} doesn't match the broadcast "
                           f"shape {list(result.shape)}")
    if not np.can_cast(result._data.dtype, t._data.dtype, "same_kind"):
        raise RuntimeError(f"result type {result._data.dtype} can't be cast to the desired "
                           f"output type {t._data.dtype}")
    if result._ctx is not None:
        _rebase(t, result._ctx, before)
    np.copyto(t._data, result._data, casting="unsafe")
    bump_version(t)
    return t


def _rebase(t: Any, node: Any, before: Any) -> None:
    """`t` becomes the output of `node`, whose input `before` is t's old value."""
    if t._ctx is not None and saved(t._ctx, t._data):
        t._ctx.dirty = t._version[0] + 1  # t's maker kept it: backward through it refuses
    node.parents = tuple(before if p is t else p for p in node.parents)
    node.versions = [p._version[0] for p in node.parents]
    t._ctx, t._requires_grad = node, True


def _snapshot(t: Any, args: tuple) -> Any:
    """What the op reads as `t`: t itself, or — when the op will be recorded — a copy of
    its old value standing in t's place in the graph (the op may keep it for backward)."""
    if not STATE.grad_enabled or not (t._requires_grad or any(
            getattr(a, "_requires_grad", False) for a in args)):
        return t
    if t._ctx is not None and t._ctx.name in VIEW_OPS and t._data.base is not None:
        raise RuntimeError(
            f"in-place operation on the result of a view op ({t._ctx.name}) that is part of "
            "the autograd graph is not supported: its memory may be shared with a tensor "
            "backward needs. Use an out-of-place op (y = y + 1).")
    before = type(t)._wrap(t._data.copy(), t._requires_grad)
    before._ctx = t._ctx
    return before


def apply_inplace(t: Any, op: Callable, *args: Any, **kwargs: Any) -> Any:
    """`op(t, *args)` written into `t` (PyTorch's in-place rules above); returns `t`.

    >>> from tinygrad_cnn import Tensor
    >>> t = Tensor([1.0, -1.0]); apply_inplace(t, abs) is t, t
    (True, tensor([1., 1.]))
    """
    check_writable(t)
    before = _snapshot(t, args)
    args = tuple(before if a is t else a for a in args)  # y *= y reads y's old value
    return assign(t, op(before, *args, **kwargs), before)


def _inplace(op: Callable, doc: str) -> Callable:
    def method(self, *args: Any, **kwargs: Any) -> Any:
        return apply_inplace(self, op, *args, **kwargs)
    method.__doc__ = doc
    return method


add_ = _inplace(add, """`self += other` (times alpha) in place.

    >>> from tinygrad_cnn import Tensor
    >>> t = Tensor([1.0, 2.0]); t.add_(Tensor([1.0, 1.0]), alpha=2)
    tensor([3., 4.])
    """)
sub_ = _inplace(sub, """`self -= other` in place (see add_).""")
mul_ = _inplace(mul, """`self *= other` in place (see add_).""")
div_ = _inplace(div, """`self /= other` in place (see add_).""")
pow_ = _inplace(pow, """`self **= other` in place (see add_).""")
clamp_ = _inplace(clamp, """Clamp to [min, max] in place (see add_).

    >>> from tinygrad_cnn import Tensor
    >>> Tensor([-2.0, 0.5, 3.0]).clamp_(-1, 1)
    tensor([-1.0000,  0.5000,  1.0000])
    """)


def iadd(self, other: Any) -> Any:
    """`t += other`: in place (the same object, its array written), as in PyTorch."""
    return add_(self, other)


def isub(self, other: Any) -> Any:
    """`t -= other` in place (see iadd)."""
    return sub_(self, other)


def imul(self, other: Any) -> Any:
    """`t *= other` in place (see iadd)."""
    return mul_(self, other)


def itruediv(self, other: Any) -> Any:
    """`t /= other` in place (see iadd)."""
    return div_(self, other)


def _write(t: Any, values: Any) -> Any:
    """Overwrite `t` with `values` (broadcast), outside the graph."""
    check_writable(t)
    if STATE.grad_enabled and t._ctx is not None:
        raise RuntimeError("filling a tensor that is part of the autograd graph in place is "
                           "not supported: use torch.no_grad() or an out-of-place op")
    t._data[...] = values
    bump_version(t)
    return t


def fill_(self, value: Any) -> Any:
    """Fill with `value` in place.

    >>> from tinygrad_cnn import Tensor
    >>> Tensor([1.0, 2.0]).fill_(7)
    tensor([7., 7.])
    """
    return _write(self, getattr(value, "_data", value))


def zero_(self) -> Any:
    """Fill with zeros in place, e.g. to reset a `.grad`.

    >>> from tinygrad_cnn import Tensor
    >>> Tensor([1.0, 2.0]).zero_()
    tensor([0., 0.])
    """
    return _write(self, 0)


def copy_(self, src: Any) -> Any:
    """Copy `src` (broadcast, cast to self's dtype) into self, in place; a `src` that
    requires grad is recorded (the gradient flows back to it).

    >>> from tinygrad_cnn import Tensor
    >>> Tensor([1.0, 2.0]).copy_(Tensor([5, 6], dtype="int64"))
    tensor([5., 6.])
    """
    check_writable(self)
    if STATE.grad_enabled and getattr(src, "_requires_grad", False):
        before = _snapshot(self, (src,))
        return assign(self, add(mul(before, 0.0), src.type(self.dtype)), before)
    return _write(self, np.broadcast_to(np.asarray(getattr(src, "_data", src)), self.shape))


def normal_(self, mean: float = 0.0, std: float = 1.0, generator: Optional[Any] = None) -> Any:
    """Fill with draws from N(mean, std²) in place (the library's generator unless given).

    >>> from tinygrad_cnn import zeros, manual_seed
    >>> manual_seed(0); w = zeros(1000).normal_(0, 0.02)
    >>> round(float(w.std()), 2)
    0.02
    """
    return _write(self, _rng(generator).normal(mean, std, self.shape))


def uniform_(self, a: float = 0.0, b: float = 1.0, generator: Optional[Any] = None) -> Any:
    """Fill with draws from U(a, b) in place.

    >>> from tinygrad_cnn import zeros
    >>> w = zeros(1000).uniform_(-1, 1)
    >>> bool(w.min() >= -1 and w.max() < 1)
    True
    """
    return _write(self, _rng(generator).uniform(a, b, self.shape))


def _rng(given: Optional[Any]) -> np.random.Generator:
    return numpy_generator(given, default=generator())


def setitem(self, index: Any, value: Any) -> None:
    """`t[index] = value`: written in place (outside the graph), as in PyTorch.

    >>> from tinygrad_cnn import Tensor
    >>> t = Tensor([1.0, 2.0, 3.0]); t[1:] = 0; t
    tensor([1., 0., 0.])
    """
    if STATE.grad_enabled and (self._ctx is not None or getattr(value, "_requires_grad", False)):
        raise RuntimeError("assigning into a tensor that is part of the autograd graph "
                           "(t[i] = v) is not supported: build the result out of place, "
                           "e.g. with torch.where or torch.cat")
    check_writable(self)
    index = getattr(index, "_data", index)
    if isinstance(index, tuple):
        index = tuple(getattr(i, "_data", i) for i in index)
    self._data[index] = getattr(value, "_data", value)
    bump_version(self)
