"""The visual gradcheck: every op of a graph checked on its own, analytic gradient (its
`backward`) against central finite differences, and drawn coloured by the relative error,
so a wrong custom `Function` lights up red and only it.

How each op is checked: the op's `Function` is run again, alone, on the values it saw in
the graph (as float64 when the op accepts it; each input that requires grad jittered by
1e-4 of its scale so max-pool ties and relu's kink at 0, where no derivative exists, are
not hit), with its recorded
options. Its analytic gradient of `sum(out · v)` (v fixed random, one per op) is compared
with central differences at up to `samples` elements of each input that requires grad.
relative error = max |analytic − numerical| / max(max |analytic|, max |numerical|).
An op whose re-run does not reproduce its output (dropout's random mask) is not checked.

>>> from tinygrad_cnn import Tensor
>>> x = Tensor([[0.5, -1.0]], requires_grad=True)
>>> results = check_ops((x.sigmoid() * 2.0).sum())
>>> [(r.name, r.error < 1e-7) for r in results]
[('Sigmoid', True), ('Mul', True), ('Sum', True)]
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from html import escape
from typing import TYPE_CHECKING, Dict, List, Optional

import numpy as np

from . import style
from .op_labels import op_display_name
from .picture import Picture
from .walk import graph_tensors

if TYPE_CHECKING:
    from ..tensor import Tensor

#: (largest relative error, fill colour, words) from good to wrong
GRADES = ((1e-7, "#B7E1A1", "agrees (< 1e-7)"),
          (1e-4, "#FFF2A8", "< 1e-4"),
          (1e-2, "#F9C68B", "< 1e-2"),
          (math.inf, "#E74C3C", "wrong (≥ 1e-2)"))
UNCHECKED_FILL = "#FFFFFF"
JITTER = 1e-4


@dataclass
class OpCheck:
    """The check of one op: its relative error (nan: not checked) and why not, if so."""
    tensor: "Tensor"
    name: str
    error: float
    analytic: Optional[np.ndarray] = None
    numerical: Optional[np.ndarray] = None
    note: str = ""

    @property
    def fill(self) -> str:
        return grade(self.error)[1]


def grade(error: float):
    """(limit, colour, words) of a relative error.

    >>> grade(3e-9)[2], grade(0.5)[2]
    ('agrees (< 1e-7)', 'wrong (≥ 1e-2)')
    """
    if not math.isfinite(error):
        return (math.nan, UNCHECKED_FILL, "not checked")
    return next(g for g in GRADES if error < g[0])


def check_ops(root: "Tensor", *, samples: int = 8, eps: float = 1e-6,
              seed: int = 0) -> List[OpCheck]:
    """Check every op that leads to `root` (inputs first); see the module doc.

    >>> import tinygrad_cnn as tg
    >>> class Double(tg.Function):
    ...     def forward(self, a): return a * 2
    ...     def backward(self, g): return g * 3          # wrong on purpose
    >>> x = tg.tensor([1.0, 2.0], requires_grad=True)
    >>> [(r.name, round(r.error, 2)) for r in check_ops(Double.apply(x).sum())]
    [('Double', 0.33), ('Sum', 0.0)]
    """
    rng = np.random.default_rng(seed)
    return [_check(t, rng, samples, eps) for t in graph_tensors(root) if t._ctx is not None]


def _check(t, rng, samples: int, eps: float) -> OpCheck:
    from ..autograd.grad_mode import no_grad

    ctx = t._ctx
    wanted = [i for i, p in enumerate(ctx.parents) if p.requires_grad]
    if not wanted:
        return OpCheck(t, ctx.name, math.nan, note="no input requires grad")
    with no_grad():
        again = _run(ctx, [p._data for p in ctx.parents])
    if again is None or again.shape != t._data.shape or not np.allclose(
            again, t._data, rtol=1e-4, atol=1e-5, equal_nan=True):
        return OpCheck(t, ctx.name, math.nan,
                       note="not checked: running it again does not give its output "
                            "(random or stateful)")
    # only the inputs differentiated move off kinks; constants (an exponent 2) stay exact
    inputs = [_jittered(p._data, rng) if p.requires_grad else _as_float64(p._data)
              for p in ctx.parents]
    v = rng.standard_normal(t._data.shape)
    analytic = _analytic(ctx, inputs, v, wanted)
    if analytic is None:
        return OpCheck(t, ctx.name, math.nan, note="not checked: its backward failed")
    got, expected = [], []
    for i in wanted:
        picks = rng.choice(inputs[i].size, size=min(samples, inputs[i].size), replace=False)
        got.append(analytic[i].ravel()[picks])
        expected.append(_numerical(ctx, inputs, v, i, picks, eps))
    got, expected = np.concatenate(got), np.concatenate(expected)
    scale = max(np.abs(got).max(), np.abs(expected).max(), 1e-12)
    return OpCheck(t, ctx.name, float(np.abs(got - expected).max() / scale), got, expected)


def _as_float64(a: np.ndarray) -> np.ndarray:
    return a.astype(np.float64) if a.dtype.kind == "f" else a


def _jittered(a: np.ndarray, rng) -> np.ndarray:
    if a.dtype.kind != "f":
        return a
    a = a.astype(np.float64)
    size = max(float(np.abs(a).max()) if a.size else 0.0, 1.0)
    noise = JITTER * size * rng.uniform(0.1, 1.0, a.shape) * rng.choice([-1, 1], a.shape)
    return np.asarray(a + noise)  # numpy makes a 0-d sum a scalar, whose .flat is a copy


def _options(ctx, arrays) -> dict:
    """The op's options for new input values: batch norm on the batch's own statistics
    recomputes them (they are inputs of its gradient, not constants)."""
    options = dict(ctx.options)
    if ctx.name == "BatchNorm" and options.get("batch_stats"):
        from ..ops.batch_norm import batch_statistics

        options["mean"], options["var"] = batch_statistics(arrays[0])
    return options


def _run(ctx, arrays, requires_grad=None):
    """The op's output on `arrays` (Tensors with requires_grad where asked), or None."""
    from ..tensor import Tensor

    flags = requires_grad or [False] * len(arrays)
    tensors = [Tensor._wrap(a if a.flags.c_contiguous else a.copy(), flag)
               for a, flag in zip(arrays, flags)]
    try:
        out = type(ctx).apply(*tensors, **_options(ctx, arrays))
    except Exception:  # an op that cannot run on these values: reported as not checked
        return None
    out = out[0] if isinstance(out, tuple) else out
    return (out, tensors) if requires_grad else out._data


def _analytic(ctx, inputs, v, wanted) -> Optional[Dict[int, np.ndarray]]:
    from ..tensor import Tensor

    ran = _run(ctx, inputs, [i in wanted for i in range(len(inputs))])
    if ran is None:
        return None
    out, tensors = ran
    try:
        (out * Tensor._wrap(v.astype(out._data.dtype), False)).sum().backward()
    except Exception:
        return None
    return {i: tensors[i].grad._data.astype(np.float64) for i in wanted}


def _numerical(ctx, inputs, v, i: int, picks, eps: float) -> np.ndarray:
    from ..autograd.grad_mode import no_grad

    result = []
    for k in picks:
        values = []
        for sign in (1.0, -1.0):
            moved = [a.copy() for a in inputs]
            moved[i].flat[k] += sign * eps
            with no_grad():
                values.append(float((_run(ctx, moved) * v).sum()))
        result.append((values[0] - values[1]) / (2 * eps))
    return np.array(result)


def draw_gradcheck(root: "Tensor", params: Optional[Dict[str, "Tensor"]] = None, *,
                   samples: int = 8, eps: float = 1e-6, seed: int = 0,
                   **draw_options) -> Picture:
    """The forward graph of `root` with every op filled by the relative error of its
    gradient (green: agrees, red: wrong); the error and the numbers compared are in its
    label and tooltip. draw_options go to `draw_graph` (e.g. `show_tensors=False`).

    >>> from tinygrad_cnn import Tensor
    >>> x = Tensor([[0.5, -1.0]], requires_grad=True)
    >>> g = draw_gradcheck((x.tanh() * 3.0).sum())
    >>> g.source.count("#B7E1A1") >= 3       # three ops, all green
    True
    """
    from .forward_graph import draw_graph

    results = {id(r.tensor): r for r in check_ops(root, samples=samples, eps=eps, seed=seed)}
    draw_options.setdefault("group_modules", False)  # the fills are the message: no boxes
    return draw_graph(root, params, restyle=_CheckStyle(results), **draw_options)


class _CheckStyle:
    def __init__(self, results: Dict[int, OpCheck]):
        self.results = results

    def node(self, t, attrs: dict) -> dict:
        r = self.results[id(t)]
        limit, fill, words = grade(r.error)
        line = (f"rel. error {style.fmt_number(r.error)}" if math.isfinite(r.error)
                else "not checked")
        label = attrs["label"][:-1] + f'<br/><font point-size="10"><b>{escape(line)}</b></font>>'
        tip = [f"gradcheck of {op_display_name(r.name)}: {words}", r.note or line]
        if r.analytic is not None:
            tip += ["analytic   " + _few(r.analytic), "numerical " + _few(r.numerical)]
        extra = {"penwidth": "2.5", "color": "#922B21"} if fill == GRADES[-1][1] else {}
        return dict(attrs, label=label, fillcolor=fill, tooltip="\\n".join(tip), **extra)

    def legend(self, g: Picture) -> None:
        """The grades replace the op-family colours, so the legend is theirs alone."""
        cells = "".join(f'<td bgcolor="{fill}" border="1" color="#999999">{escape(words)}</td>'
                        for _, fill, words in GRADES)
        g.graph_attr["label"] = (
            '<<table border="0" cellborder="0" cellspacing="0" cellpadding="1">'
            "<tr><td>op fill: relative error of its gradient, analytic (backward) vs "
            "finite differences (hover an op for the numbers)</td></tr>"
            f'<tr><td><table border="0" cellspacing="3" cellpadding="2"><tr>{cells}'
            "</tr></table></td></tr></table>>")


def _few(values: np.ndarray) -> str:
    return "[" + ", ".join(style.fmt_number(v) for v in values[:6]) + \
        (", …]" if len(values) > 6 else "]")
