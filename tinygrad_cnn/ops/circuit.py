"""The vocabulary of circuit rules: how one recorded op expands into scalar nodes.

Each op declares its rule beside its Function (`circuit = elementwise("*")`, ...); the
circuit view (`viz.circuit`) calls `expand`. A rule turns one recorded op into, for every
output element (in flat order), either
- a `Ref` to one input element, when the op only moves data (reshape, permute, a sum
  over a single element, ...): no node is drawn, the wire goes straight through; or
- a `Term`: a scalar node (`*`, `+`, `max`, `relu`, ...) whose arguments are `Ref`s to
  input elements or inner `Term`s (the products inside a conv or a matmul).

Each `Term` carries `local`, the partial derivative of the node with respect to each
argument, and `value`. The local derivatives of elementwise ops and reductions are not
restated here: they come from the op's own `backward`, run on the inputs the engine's
forward saw with a gradient of ones. The circuit replaces the value of each top-level Term
by the engine's output element, and multiplies `local` by the engine's output gradient.

>>> from tinygrad_cnn import Tensor
>>> y = Tensor([2.0, 3.0], requires_grad=True) * Tensor([4.0, 5.0])
>>> terms = list(expand(y._ctx, [p._data for p in y._ctx.parents], y._data))
>>> terms[1].symbol, terms[1].local, terms[1].value
('*', [5.0, 3.0], 15.0)
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Iterator, List, Sequence, Tuple, Union

import numpy as np

from ..autograd.function import Function
from ..kernels.geometry import Pair, pad4, pair


@dataclass
class Ref:
    """Element `index` (flat) of the op's input number `parent`.

    A reshape only moves data, so each output element is a `Ref`:

    >>> from tinygrad_cnn import Tensor
    >>> y = Tensor([[2.0, 3.0]], requires_grad=True).reshape(2)
    >>> list(expand(y._ctx, [p._data for p in y._ctx.parents], y._data))
    [Ref(parent=0, index=0), Ref(parent=0, index=1)]
    """
    parent: int
    index: int


@dataclass
class Term:
    """One scalar node: `symbol` applied to `args`, with d(node)/d(arg) in `local`.

    >>> Term("+", [Ref(0, 0), Ref(1, 0)], local=[1.0, 1.0], value=5.0).symbol
    '+'
    """
    symbol: str
    args: List[Union[Ref, "Term"]]
    local: List[float]
    value: float
    folded: List[str] = field(default_factory=list)  # constants written into the symbol


Item = Union[Ref, Term]
Rule = Callable[..., Iterator[Item]]


def expand(ctx, inputs: Sequence[np.ndarray], out: np.ndarray) -> Iterator[Item]:
    """The scalar expansion of one recorded op (one item per output element).

    >>> from tinygrad_cnn import Tensor
    >>> y = Tensor([2.0, 3.0], requires_grad=True).sum()
    >>> [(t.symbol, t.local, t.value) for t in expand(y._ctx, [y._ctx.parents[0]._data], y._data)]
    [('+', [1.0, 1.0], 5.0)]
    """
    rule = type(ctx).circuit
    if rule is None:
        raise NotImplementedError(
            f"draw_circuit cannot expand the op '{ctx.name}' into scalar nodes; it knows: "
            + ", ".join(drawable_ops()) + ". Use draw_graph for this computation.")
    return rule(ctx, list(inputs), out)


def drawable_ops() -> List[str]:
    """Names of the ops that have a circuit rule."""
    return sorted(name for name, op in Function.registry.items() if op.circuit is not None)


def node_per_element(name: str) -> bool:
    """Whether the op `name` always draws one scalar node per output element."""
    op = Function.registry.get(name)
    return op is not None and getattr(op.circuit, "node_per_element", False)


def flat_ids(shape: Tuple[int, ...]) -> np.ndarray:
    return np.arange(int(np.prod(shape, dtype=np.int64))).reshape(shape)


def rerun(ctx, inputs: List[np.ndarray]):
    """The op run again on the same inputs and options, ready for its own `backward`."""
    op = type(ctx)()
    op.needs_input_grad = (True,) * len(inputs)
    op.forward(*inputs, **ctx.options)
    return op


def _grads(op, grad: np.ndarray) -> List[np.ndarray]:
    grads = op.backward(grad)
    return [np.asarray(g) for g in (grads if isinstance(grads, tuple) else (grads,))]


def local_gradients(ctx, inputs: List[np.ndarray], out: np.ndarray) -> tuple:
    """(op, [d out / d input for each input]): the op run again on the same inputs and
    options, and its own backward with a gradient of ones (for elementwise ops that is
    each output element's local derivative; their arrays are in out's shape)."""
    op = rerun(ctx, inputs)
    return op, _grads(op, np.ones(out.shape, out.dtype))


def jacobian(symbol: str) -> Rule:
    """One `symbol` node per output element whose arguments are every input element it
    depends on (a softmax row, a batch-norm channel, a pooling window, ...). Row o of the
    Jacobian is the op's own backward run with a gradient that is 1 at o and 0 elsewhere,
    so no derivative is restated here; wires carry the nonzero local derivatives.

    >>> from tinygrad_cnn import Tensor
    >>> y = Tensor([[1.0, 2.0]], requires_grad=True).log_softmax(1)
    >>> [round(v, 3) for v in next(expand(y._ctx, [y._ctx.parents[0]._data], y._data)).local]
    [0.731, -0.731]
    """
    def rule(ctx, inputs, out) -> Iterator[Item]:
        op = rerun(ctx, inputs)
        for o in range(out.size):
            one_hot = np.zeros(out.shape, out.dtype)
            one_hot.flat[o] = 1
            args: List[Item] = []
            local: List[float] = []
            for k, g in enumerate(_grads(op, one_hot)):
                for j in np.flatnonzero(g):
                    args.append(Ref(k, int(j)))
                    local.append(float(g.flat[j]))
            yield sum_term(symbol, args, local, float(out.flat[o]))
    return rule


def elementwise(symbol: str) -> Rule:
    """out[i] = f(a[i], b[i], ...) with numpy broadcasting: one `symbol` node each."""
    def rule(ctx, inputs, out) -> Iterator[Item]:
        maps = [np.broadcast_to(flat_ids(a.shape), out.shape).ravel() for a in inputs]
        local = [np.broadcast_to(g, out.shape).ravel()
                 for g in local_gradients(ctx, inputs, out)[1]]
        for o in range(out.size):
            yield Term(symbol, [Ref(k, int(m[o])) for k, m in enumerate(maps)],
                       [float(g[o]) for g in local], float(out.flat[o]))
    rule.node_per_element = True
    return rule


def moves(index_map: Callable[[np.ndarray, dict], np.ndarray]) -> Rule:
    """Every output element is one input element: `index_map(input ids, options)`."""
    def rule(ctx, inputs, out) -> Iterator[Item]:
        for index in np.asarray(index_map(flat_ids(inputs[0].shape), ctx.options)).ravel():
            yield Ref(0, int(index))
    return rule


def sum_term(symbol: str, refs: List[Item], local: List[float], value: float) -> Item:
    """A reduction node, or the element itself when only one element is reduced."""
    if len(refs) == 1 and local[0] == 1.0:
        return refs[0]
    return Term(symbol, refs, local, value)


def reduction(symbol: Callable[[dict], str]) -> Rule:
    """One `symbol(options)` node per output element over the input elements reduced into
    it; each input element feeds one output, so backward's ones-gradient is its local."""
    def rule(ctx, inputs, out) -> Iterator[Item]:
        a = inputs[0]
        op, grads = local_gradients(ctx, inputs, out)
        axes = op.axes  # the reduced axes, as the op's forward resolved them
        keep = [i for i in range(a.ndim) if i not in axes]
        count = int(np.prod([a.shape[i] for i in axes], dtype=np.int64))
        groups = flat_ids(a.shape).transpose(keep + list(axes)).reshape(-1, count)
        local = np.broadcast_to(grads[0], a.shape).ravel()
        for row, value in zip(groups, out.ravel()):
            yield sum_term(symbol(ctx.options), [Ref(0, int(i)) for i in row],
                           [float(local[i]) for i in row], float(value))
    return rule


def winner_share(values: np.ndarray, best: float) -> List[float]:
    """The engine's max gradient within one window: to the first winner."""
    winners = np.arange(len(values)) == int(np.argmax(values == best))
    return list(winners / winners.sum())


def dot(pairs: List[Tuple[Ref, Ref, float, float]], extra: List[Ref], value: float) -> Term:
    """`+` over the products `x*w` (and extra summands such as a bias)."""
    products: List[Item] = [Term("*", [rx, rw], [w, x], x * w) for rx, rw, x, w in pairs]
    args = products + list(extra)
    return Term("+", args, [1.0] * len(args), value)


def window(y: int, x: int, kernel: Pair, options: dict,
           shape) -> Iterator[Tuple[int, int, int, int]]:
    """(ky, kx, iy, ix) of a kernel window at output (y, x), skipping zero padding."""
    (kh, kw), (sy, sx) = kernel, pair(options.get("stride") or kernel, "stride")
    top, _, left, _ = pad4(options.get("padding", 0))
    dy, dx = pair(options.get("dilation", 1), "dilation")
    for ky in range(kh):
        for kx in range(kw):
            iy, ix = y * sy - top + ky * dy, x * sx - left + kx * dx
            if 0 <= iy < shape[-2] and 0 <= ix < shape[-1]:
                yield ky, kx, iy, ix


def batched(shape: Tuple[int, ...]) -> Tuple[int, ...]:
    """An unbatched (C, H, W) shape as batch 1."""
    return (1,) * (4 - len(shape)) + tuple(shape)
