"""One place for the look of every picture: colours, fonts, and how numbers are written.

Keeping these together is what makes the three views look like one family.

>>> fmt_number(0.000012345), fmt_number(-1.5), fmt_shape((1, 6, 28, 28))
('1.23e-5', '-1.5', '1×6×28×28')
"""
from __future__ import annotations

from html import escape
from typing import Optional, Sequence

import graphviz
import numpy as np

FONT = "Helvetica"
GRAD_COLOUR = "#C0392B"      # red: every gradient number, in every view
VALUE_COLOUR = "#000000"     # black: every forward value
EDGE_COLOUR = "#555555"
MUTED_COLOUR = "#777777"

#: fill colour of an op node by what the op does
CATEGORY_FILL = {
    "conv": "#DAE8FC",        # blue
    "pool": "#D5E8D4",        # green
    "activation": "#FFE6CC",  # orange
    "linear": "#E1D5E7",      # purple
    "loss": "#F8CECC",        # red
    "arithmetic": "#EEEEEE",  # grey
    "shape": "#FFFFFF",       # white, dashed outline: moves data, computes nothing
}
PARAM_FILL = "#FFF2CC"        # yellow: parameters (leaves that require grad)
INPUT_FILL = "#F5F5F5"        # light grey: data that does not require grad
TENSOR_FILL = "#FFFFFF"
CLUSTER_COLOUR = "#9AA5B1"


def fmt_number(x: float) -> str:
    """Three significant digits, no `e-05` padding, no `-0`.

    >>> fmt_number(3.14159), fmt_number(1234.5), fmt_number(-0.0), fmt_number(2e-7)
    ('3.14', '1234', '0', '2e-7')
    """
    x = float(x)
    if x == 0 or not np.isfinite(x):
        return "0" if x == 0 else str(x)
    if 1e-3 <= abs(x) < 1e5:
        text = f"{x:.4g}" if abs(x) >= 1000 else f"{x:.3g}"
    else:
        text = f"{x:.3g}"
    return text.replace("e-0", "e-").replace("e+0", "e").replace("e+", "e")


def fmt_shape(shape: Sequence[int]) -> str:
    """`2×3`, or `scalar` for a 0-d shape.

    >>> fmt_shape((2, 3)), fmt_shape(())
    ('2×3', 'scalar')
    """
    return "×".join(str(n) for n in shape) if len(shape) else "scalar"


def fmt_summary(array: np.ndarray) -> str:
    """`min · mean · max` of an array, or the single value when it has one element.

    >>> fmt_summary(np.array([1.0, 2.0, 6.0])), fmt_summary(np.array([0.5]))
    ('1 · 3 · 6', '0.5')
    """
    a = np.asarray(array, dtype=np.float64)
    if a.size == 1:
        return fmt_number(a.reshape(()))
    return f"{fmt_number(a.min())} · {fmt_number(a.mean())} · {fmt_number(a.max())}"


def html_lines(*lines: Optional[str], bold_first: bool = False) -> str:
    """An HTML-like graphviz label: one line per entry; entries are (text, colour) or text.
    None entries are skipped so callers can pass optional lines inline.

    >>> html_lines("conv1", None, ("∇ 0.5", "red"), bold_first=True)
    '<<b>conv1</b><br/><font color="red">∇ 0.5</font>>'
    """
    parts = []
    for i, line in enumerate(l for l in lines if l is not None):
        text, colour = line if isinstance(line, tuple) else (line, None)
        text = escape(text)
        if i == 0 and bold_first:
            text = f"<b>{text}</b>"
        if colour:
            text = f'<font color="{colour}">{text}</font>'
        parts.append(text)
    return "<" + "<br/>".join(parts) + ">"


def grad_line(grad: Optional[object]) -> Optional[tuple]:
    """The red `∇ ...` summary line of a tensor's gradient, if it has one.

    >>> grad_line(np.array([0.25])), grad_line(None)
    (('∇ 0.25', '#C0392B'), None)
    """
    if grad is None:
        return None
    data = getattr(grad, "data", grad)
    return (f"∇ {fmt_summary(data)}", GRAD_COLOUR)


def new_digraph(name: str, rankdir: str = "LR", **graph_attr: str) -> graphviz.Digraph:
    """A Digraph with the house style: left to right, one font, soft grey edges.

    >>> g = new_digraph("demo"); g.node("a"); g.edge("a", "b")
    >>> g.name, "rankdir=LR" in g.source, "a -> b" in g.source
    ('demo', True, True)
    """
    g = graphviz.Digraph(name)
    g.attr(rankdir=rankdir, fontname=FONT, fontsize="11", bgcolor="white", **graph_attr)
    g.attr("node", fontname=FONT, fontsize="11", penwidth="1.0", color="#444444")
    g.attr("edge", fontname=FONT, fontsize="9", color=EDGE_COLOUR, arrowsize="0.6")
    return g
