"""How each tensor op expands into scalar nodes, for the circuit view.

A rule turns one recorded op into, for every output element (in flat order), either
- a `Ref` to one input element, when the op only moves data (reshape, permute, a sum
  over a single element, ...): no node is drawn, the wire goes straight through; or
- a `Term`: a scalar node (`*`, `+`, `max`, `relu`, ...) whose arguments are `Ref`s to
  input elements or inner `Term`s (the products inside a conv or a matmul).

Each `Term` carries `local`, the partial derivative of the node with respect to each
argument, and `value`; both are computed here from the engine's own input arrays (the
values the engine's forward saw). The circuit replaces the value of each top-level Term
by the engine's output element, and multiplies `local` by the engine's output gradient.

>>> import numpy as np
>>> from tinygrad_cnn import Tensor
>>> y = Tensor([2.0, 3.0], requires_grad=True) * Tensor([4.0, 5.0])
>>> terms = list(expand(y._ctx, [p.data for p in y._ctx.parents], y.data))
>>> terms[1].symbol, terms[1].local, terms[1].value
('*', [5.0, 3.0], 15.0)
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Callable, Dict, Iterator, List, Sequence, Tuple, Union

import numpy as np

from ..ops.reduce import normalize_dims


@dataclass
class Ref:
    """Element `index` (flat) of the op's input number `parent`.

    A reshape only moves data, so each output element is a `Ref`:

    >>> from tinygrad_cnn import Tensor
    >>> y = Tensor([[2.0, 3.0]], requires_grad=True).reshape(2)
    >>> list(expand(y._ctx, [p.data for p in y._ctx.parents], y.data))
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
RULES: Dict[str, Rule] = {}


def expand(ctx, inputs: Sequence[np.ndarray], out: np.ndarray) -> Iterator[Item]:
    """The scalar expansion of one recorded op (one item per output element).

    >>> from tinygrad_cnn import Tensor
    >>> y = Tensor([2.0, 3.0], requires_grad=True).sum()
    >>> [(t.symbol, t.local, t.value) for t in expand(y._ctx, [y._ctx.parents[0].data], y.data)]
    [('+', [1.0, 1.0], 5.0)]
    """
    rule = RULES.get(ctx.name)
    if rule is None:
        raise NotImplementedError(
            f"draw_circuit cannot expand the op '{ctx.name}' into scalar nodes; it knows: "
            + ", ".join(sorted(RULES)) + ". Use draw_graph for this computation.")
    return rule(ctx, list(inputs), out)


def _rule(*names: str):
    def register(fn: Rule) -> Rule:
        for name in names:
            RULES[name] = fn
        return fn
    return register


def _flat_ids(shape: Tuple[int, ...]) -> np.ndarray:
    return np.arange(int(np.prod(shape, dtype=np.int64))).reshape(shape)


# ----- elementwise ops: out[i] = f(a[i], b[i]) with numpy broadcasting ------------------------
# symbol and d(out)/d(each input) from the input values and the output value
_ELEMENTWISE = {
    "Add": ("+", lambda a, b, o: [1.0, 1.0]),
    "Sub": ("−", lambda a, b, o: [1.0, -1.0]),
    "Mul": ("*", lambda a, b, o: [b, a]),
    "Div": ("/", lambda a, b, o: [1 / b, -a / (b * b)]),
    "Pow": ("^", lambda a, b, o: [b * a ** (b - 1), o * math.log(a) if a > 0 else 0.0]),
    "Maximum": ("max", lambda a, b, o: [float(a > b) + 0.5 * (a == b), float(b > a) + 0.5 * (a == b)]),
    "Minimum": ("min", lambda a, b, o: [float(a < b) + 0.5 * (a == b), float(b < a) + 0.5 * (a == b)]),
    "ReLU": ("relu", lambda a, o: [float(a > 0)]),
    "Sigmoid": ("σ", lambda a, o: [o * (1 - o)]),
    "Tanh": ("tanh", lambda a, o: [1 - o * o]),
    "Exp": ("exp", lambda a, o: [o]),
    "Log": ("log", lambda a, o: [1 / a]),
    "Neg": ("−", lambda a, o: [-1.0]),
    "Sqrt": ("√", lambda a, o: [1 / (2 * o)]),
    "Abs": ("abs", lambda a, o: [float(np.sign(a))]),
}


def _elementwise(ctx, inputs, out) -> Iterator[Item]:
    symbol, local = _ELEMENTWISE[ctx.name]
    maps = [np.broadcast_to(_flat_ids(a.shape), out.shape).ravel() for a in inputs]
    flats = [a.ravel() for a in inputs]
    for o in range(out.size):
        values = [float(a[m[o]]) for a, m in zip(flats, maps)]
        value = float(out.flat[o])
        yield Term(symbol, [Ref(k, int(m[o])) for k, m in enumerate(maps)],
                   [float(d) for d in local(*values, value)], value)


for _name in _ELEMENTWISE:
    RULES[_name] = _elementwise


# ----- data movement: every output element is one input element ------------------------------
_INDEX_MAPS = {
    "Reshape": lambda ids, o: ids,
    "Identity": lambda ids, o: ids,
    "Cast": lambda ids, o: ids,
    "Permute": lambda ids, o: ids.transpose(o["dims"]),
    "Expand": lambda ids, o: np.broadcast_to(ids, o["shape"]),
    "Getitem": lambda ids, o: ids[o["index"]],
}


@_rule(*_INDEX_MAPS)
def _alias(ctx, inputs, out) -> Iterator[Item]:
    ids = _INDEX_MAPS[ctx.name](_flat_ids(inputs[0].shape), ctx.options)
    for index in np.asarray(ids).ravel():
        yield Ref(0, int(index))


def _sum_term(symbol: str, refs: List[Item], local: List[float], value: float) -> Item:
    """A reduction node, or the element itself when only one element is reduced."""
    if len(refs) == 1 and local[0] == 1.0:
        return refs[0]
    return Term(symbol, refs, local, value)


# ----- reductions ------------------------------------------------------------------------------
def _groups(shape: Tuple[int, ...], axes: Tuple[int, ...]) -> np.ndarray:
    """Row r lists the flat input indices that reduce into output element r."""
    keep = [i for i in range(len(shape)) if i not in axes]
    count = int(np.prod([shape[i] for i in axes], dtype=np.int64))
    return _flat_ids(shape).transpose(keep + list(axes)).reshape(-1, count)


@_rule("Sum", "Mean", "Max")
def _reduction(ctx, inputs, out) -> Iterator[Item]:
    a = inputs[0]
    dim = ctx.options.get("dim")
    groups = _groups(a.shape, normalize_dims(dim, a.ndim))
    flat = a.ravel()
    for row, value in zip(groups, out.ravel()):
        refs = [Ref(0, int(i)) for i in row]
        if ctx.name == "Sum":
            yield _sum_term("+", refs, [1.0] * len(row), float(value))
        elif ctx.name == "Mean":
            yield _sum_term("mean", refs, [1.0 / len(row)] * len(row), float(value))
        else:
            yield _sum_term("min" if ctx.options.get("smallest") else "max", refs,
                            _winner_share(flat[row], float(value), isinstance(dim, int)),
                            float(value))


def _winner_share(values: np.ndarray, best: float, first_only: bool) -> List[float]:
    """The engine's max gradient: to the first winner (max along one dim, max-pool) or
    shared by all tied winners (max over everything)."""
    winners = values == best
    if first_only:
        winners = np.arange(len(values)) == int(np.argmax(winners))
    return list(winners / winners.sum())


# ----- matmul and conv: products, then one sum ---------------------------------------------------
def _dot(pairs: List[Tuple[Ref, Ref, float, float]], extra: List[Ref], value: float) -> Term:
    """`+` over the products `x*w` (and extra summands such as a bias)."""
    products: List[Item] = [Term("*", [rx, rw], [w, x], x * w) for rx, rw, x, w in pairs]
    args = products + list(extra)
    return Term("+", args, [1.0] * len(args), value)


@_rule("MatMul")
def _matmul(ctx, inputs, out) -> Iterator[Item]:
    a, b = inputs
    if a.ndim > 2 or b.ndim > 2:
        raise NotImplementedError("draw_circuit expands matmul of 1-D and 2-D tensors only, "
                                  f"got shapes {a.shape} and {b.shape}")
    k = a.shape[-1]
    cols = 1 if b.ndim == 1 else b.shape[1]
    fa, fb = a.ravel(), b.ravel()
    for o, value in enumerate(out.ravel()):
        i, j = divmod(o, cols)  # a 1-D side is a single row / column
        pairs = [(Ref(0, i * k + q), Ref(1, q * cols + j), float(fa[i * k + q]),
                  float(fb[q * cols + j])) for q in range(k)]
        yield _dot(pairs, [], float(value))


def _pair(v) -> Tuple[int, int]:
    return (int(v[0]), int(v[1])) if isinstance(v, (tuple, list)) else (int(v), int(v))


def _top_left(padding) -> Tuple[int, int]:
    """Padding before rows and columns from an int, (ph, pw) or (top, bottom, left, right)."""
    if isinstance(padding, (tuple, list)) and len(padding) == 4:
        return int(padding[0]), int(padding[2])
    return _pair(padding)


def _window(y: int, x: int, kh: int, kw: int, o: dict,
            shape) -> Iterator[Tuple[int, int, int, int]]:
    """(ky, kx, iy, ix) of a kernel window at output (y, x), skipping zero padding."""
    (sy, sx), (py, px) = _pair(o.get("stride") or (kh, kw)), _top_left(o.get("padding", 0))
    dy, dx = _pair(o.get("dilation", 1))
    for ky in range(kh):
        for kx in range(kw):
            iy, ix = y * sy - py + ky * dy, x * sx - px + kx * dx
            if 0 <= iy < shape[-2] and 0 <= ix < shape[-1]:
                yield ky, kx, iy, ix


@_rule("Conv2d")
def _conv2d(ctx, inputs, out) -> Iterator[Item]:
    x, w = inputs[0], inputs[1]
    x_shape = (1,) * (4 - x.ndim) + x.shape  # an unbatched (C, H, W) input is batch 1
    out_shape = (1,) * (4 - out.ndim) + out.shape
    groups = int(ctx.options.get("groups", 1))
    per_group_out, cin = w.shape[0] // groups, w.shape[1]
    for o, value in enumerate(out.ravel()):
        n, co, y, xx = np.unravel_index(o, out_shape)
        first_ci = (co // per_group_out) * cin
        pairs = []
        for ci in range(cin):
            for ky, kx, iy, ix in _window(y, xx, w.shape[2], w.shape[3], ctx.options, x_shape):
                xi = np.ravel_multi_index((n, first_ci + ci, iy, ix), x_shape)
                wi = np.ravel_multi_index((co, ci, ky, kx), w.shape)
                pairs.append((Ref(0, int(xi)), Ref(1, int(wi)), float(x.flat[xi]),
                              float(w.flat[wi])))
        bias = [Ref(2, int(co))] if len(inputs) > 2 else []
        yield _dot(pairs, bias, float(value))


@_rule("MaxPool2d", "AvgPool2d")
def _pool2d(ctx, inputs, out) -> Iterator[Item]:
    x = inputs[0]
    x_shape = (1,) * (4 - x.ndim) + x.shape  # an unbatched (C, H, W) input is batch 1
    out_shape = (1,) * (4 - out.ndim) + out.shape
    kh, kw = _pair(ctx.options["kernel_size"])
    for o, value in enumerate(out.ravel()):
        n, c, y, xx = np.unravel_index(o, out_shape)
        ids = [int(np.ravel_multi_index((n, c, iy, ix), x_shape))
               for _, _, iy, ix in _window(y, xx, kh, kw, ctx.options, x_shape)]
        refs = [Ref(0, i) for i in ids]
        if ctx.name == "MaxPool2d":
            yield _sum_term("max", refs, _winner_share(x.ravel()[ids], float(value), True),
                            float(value))
        else:
            divisor = kh * kw if ctx.options.get("count_include_pad", True) else len(ids)
            yield _sum_term("mean", refs, [1.0 / divisor] * len(ids), float(value))
