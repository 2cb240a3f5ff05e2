"""One place for the look of every picture: colours, fonts, and how numbers are written.

Keeping these together is what makes the three views look like one family.

>>> fmt_number(0.000012345), fmt_number(-1.5), fmt_shape((1, 6, 28, 28))
('1.23e-5', '-1.5', '1×6×28×28')
"""
from __future__ import annotations

from html import escape
from typing import Optional, Sequence

import numpy as np

from .picture import Picture

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


#: tensors with at most this many elements are written out in full
FULL_VALUES = 8


def fmt_values(array: np.ndarray) -> str:
    """Every value of a small array (nested brackets), `min · mean · max` of a larger one.

    >>> fmt_values(np.array([2.0, -10.0, 0.0])), fmt_values(np.eye(2)), fmt_values(np.arange(9))
    ('[2, -10, 0]', '[[1, 0], [0, 1]]', '0 · 4 · 8')
    """
    a = np.asarray(array, dtype=np.float64)
    if a.size == 1 or a.size > FULL_VALUES:
        return fmt_summary(a)
    a = a.squeeze() if a.ndim > 2 else a
    text = _nested(a.reshape(-1) if a.ndim > 2 else a)
    return text if len(text) <= LINE_CHARS else _wrapped(text)


#: a list of values longer than this is broken into lines (a picture node stays narrow)
LINE_CHARS = 30


def _wrapped(text: str) -> str:
    """Break `[a, b, c, d, e]` after every fourth value, `[[..], [..]]` after each row.

    >>> print(_wrapped("[0.125, -0.25, 0.5, 1, 2, 3]"))
    [0.125, -0.25, 0.5, 1,
     2, 3]
    """
    if text.startswith("[["):
        return text.replace("], [", "],\n [")
    items = text[1:-1].split(", ")
    rows = [", ".join(items[i:i + 4]) for i in range(0, len(items), 4)]
    return "[" + ",\n ".join(rows) + "]"


def _nested(a: np.ndarray) -> str:
    if a.ndim == 0:
        return fmt_number(a)
    return "[" + ", ".join(_nested(row) for row in a) + "]"


def fmt_stats(array: np.ndarray) -> str:
    """The statistics a tooltip shows: min, mean, max, L2 norm, and the values if few.

    >>> print(fmt_stats(np.array([3.0, -4.0])).replace(chr(92) + "n", " | "))
    min -4 · mean -0.5 · max 3 · norm 5 | values [3, -4]
    """
    a = np.asarray(array, dtype=np.float64)
    if a.size == 0:
        return "empty"
    text = (f"min {fmt_number(a.min())} · mean {fmt_number(a.mean())} · "
            f"max {fmt_number(a.max())} · norm {fmt_number(np.linalg.norm(a))}")
    if a.size <= FULL_VALUES:
        text += f"\\nvalues {fmt_values(a) if a.size > 1 else fmt_number(a.reshape(()))}"
    return text


def tensor_tooltip(title: str, t, show_grad: bool = True) -> str:
    """Everything about a tensor for the hover text: shape, dtype, value and gradient stats.

    >>> from tinygrad_cnn import Tensor
    >>> print(tensor_tooltip("w", Tensor([1.0, 2.0])).replace(chr(92) + "n", " | "))
    w: shape 2, float32 | value min 1 · mean 1.5 · max 2 · norm 2.24 | values [1, 2]
    """
    lines = [f"{title}: shape {fmt_shape(t.shape)}, {t.dtype}",
             "value " + fmt_stats(t._data)]
    grad = getattr(t, "grad", None)
    if show_grad and grad is not None:
        lines.append("∇ gradient " + fmt_stats(getattr(grad, "_data", grad)))
    return "\\n".join(lines)


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
        text = "<br/>".join(escape(piece) for piece in text.split("\n"))
        if i == 0 and bold_first:
            text = f"<b>{text}</b>"
        if colour:
            text = f'<font color="{colour}">{text}</font>'
        parts.append(text)
    return "<" + "<br/>".join(parts) + ">"


def grad_line(grad: Optional[object]) -> Optional[tuple]:
    """The red `∇ ...` line of a tensor's gradient, if it has one: all its values when it
    has at most `FULL_VALUES` elements, `min · mean · max` otherwise.

    >>> grad_line(np.array([0.25])), grad_line(np.array([2.0, -10.0, 0.0])), grad_line(None)
    (('∇ 0.25', '#C0392B'), ('∇ [2, -10, 0]', '#C0392B'), None)
    """
    if grad is None:
        return None
    data = getattr(grad, "_data", grad)
    return (f"∇ {fmt_values(data)}", GRAD_COLOUR)


def new_digraph(name: str, **graph_attr: str) -> Picture:
    """A `Picture` with the house style: one font, soft grey edges. The style sits in the
    graph's attribute dicts (not its body), so `g.graph_attr["rankdir"] = "TB"` works.

    >>> g = new_digraph("demo"); g.node("a"); g.edge("a", "b")
    >>> g.name, "fontname=Helvetica" in g.source, "a -> b" in g.source
    ('demo', True, True)
    """
    g = Picture(name)
    g.graph_attr.update(fontname=FONT, fontsize="11", bgcolor="white", **graph_attr)
    g.node_attr.update(fontname=FONT, fontsize="11", penwidth="1.0", color="#444444")
    g.edge_attr.update(fontname=FONT, fontsize="9", color=EDGE_COLOUR, arrowsize="0.6")
    return g


#: what each fill colour of an op node means, in the legend
CATEGORY_WORDS = {"conv": "convolution", "pool": "pooling", "activation": "activation",
                  "linear": "matmul / linear", "loss": "loss", "arithmetic": "arithmetic",
                  "shape": "reshape / index", "param": "parameter", "input": "data"}


def legend_label(categories: Sequence[str], *, values: bool = True, grads: bool = True,
                 summary: bool = False) -> str:
    """An HTML-like label explaining the colours and numbers of a picture.

    categories: fill families present (keys of CATEGORY_FILL, or 'param'/'input').
    summary: explain `a · b · c` (min · mean · max of a tensor with more than 8 values).

    >>> "gradient" in legend_label(["conv"], summary=True)
    True
    """
    fills = dict(CATEGORY_FILL, param=PARAM_FILL, input=INPUT_FILL)
    numbers = []
    if values:
        numbers.append(f'<font color="{VALUE_COLOUR}">black</font>: forward value')
    if grads:
        numbers.append(f'<font color="{GRAD_COLOUR}">red ∇</font>: gradient of the output')
    if summary:
        numbers.append(f"a · b · c: min · mean · max (more than {FULL_VALUES} values)")
    swatches = "".join(
        f'<td bgcolor="{fills[c]}" border="1" color="#999999">{escape(CATEGORY_WORDS[c])}</td>'
        for c in dict.fromkeys(categories) if c in fills)
    rows = [f"<tr><td>{'; '.join(numbers)}</td></tr>"] if numbers else []
    if swatches:
        rows.append('<tr><td><table border="0" cellspacing="3" cellpadding="2"><tr>'
                    f"{swatches}</tr></table></td></tr>")
    return ('<<table border="0" cellborder="0" cellspacing="0" cellpadding="1">'
            + "".join(rows) + "</table>>")


def add_legend(g: Picture, categories: Sequence[str], **options: bool) -> None:
    """Put `legend_label(...)` under the picture (graphviz's graph label).

    >>> g = new_digraph("demo"); add_legend(g, ["pool"]); g.graph_attr["labelloc"]
    'b'
    """
    g.graph_attr.update(label=legend_label(categories, **options), labelloc="b",
                        labeljust="c", fontsize="10")
