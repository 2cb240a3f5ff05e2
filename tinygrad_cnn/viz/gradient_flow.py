"""The gradient-flow view: the backward graph with every edge coloured and thickened by
log10 of the norm of the gradient it carries, so a vanishing (thin, blue) or exploding
(thick, red) path shows at a glance; a colour bar under the picture gives the scale.

The gradients are the engine's own, taken during its backward by temporary hooks
(`viz.record_backward`): nothing is left on the user's graph (no `retain_grad`, no hook,
no `.grad` on intermediate tensors).

>>> from tinygrad_cnn import Tensor
>>> x = Tensor([[1.0, 2.0]], requires_grad=True)
>>> g = draw_gradient_flow((x.sigmoid().sigmoid() * 100.0).sum())
>>> "‖∇‖" in g.source, x.grad is not None
(True, True)
"""
from __future__ import annotations

import math
from html import escape
from typing import TYPE_CHECKING, Dict, List, Optional, Sequence, Tuple

import numpy as np

from . import style
from .backward_graph import Restyle, draw_backward
from .picture import Picture
from .recorder import Step, gradients_by_id, record_backward

if TYPE_CHECKING:
    from ..tensor import Tensor

#: cool (small gradient) to warm (large gradient): blue, grey, red
RAMP = ((59, 76, 192), (170, 170, 170), (180, 4, 38))
#: an edge carrying exactly zero
ZERO_COLOUR = "#BBBBBB"
MIN_WIDTH, MAX_WIDTH = 1.0, 7.0


def draw_gradient_flow(loss: "Tensor", params: Optional[Dict[str, "Tensor"]] = None, *,
                       steps: Optional[List[Step]] = None, direction: str = "auto",
                       rankdir: Optional[str] = None, legend: bool = True) -> Picture:
    """Run `loss.backward()` (leaves get their `.grad` as usual) and draw the backward
    graph with each edge coloured and thickened by log10 ‖∇‖ of the gradient it delivers.

    params: `dict(model.named_parameters())` to name the leaves. steps: a
    `record_backward(loss)` already run (then backward is not run again). The edge into a
    tensor carries that tensor's gradient (its total over all uses when it feeds several
    ops; the tooltip says so). direction/rankdir/legend: as in `draw_backward`.

    >>> from tinygrad_cnn import Tensor
    >>> w = Tensor([3.0, 4.0], requires_grad=True)
    >>> g = draw_gradient_flow((w * 1e-4).sum())
    >>> "‖∇‖ 0.000141" in g.source      # the edge into w: ‖[1e-4, 1e-4]‖
    True
    """
    steps = record_backward(loss) if steps is None else steps
    grads = gradients_by_id(steps)
    norms = {key: float(np.linalg.norm(g.astype(np.float64))) for key, g in grads.items()}
    scale = LogScale.over(norms.values())
    return draw_backward(loss, params, direction=direction, rankdir=rankdir, legend=legend,
                         grads=grads, restyle=_FlowStyle(norms, scale))


class LogScale:
    """Maps a gradient norm to a position 0..1 between two powers of ten.

    >>> s = LogScale(-4, 0); s.position(1e-2), s.position(1e-9), s.position(5.0)
    (0.5, 0.0, 1.0)
    """

    def __init__(self, low: int, high: int):
        self.low, self.high = low, max(high, low + 1)

    @classmethod
    def over(cls, norms: Sequence[float]) -> "LogScale":
        """The powers of ten around the non-zero norms.

        >>> s = LogScale.over([3e-5, 0.0, 2.0]); s.low, s.high
        (-5, 1)
        """
        logs = [math.log10(n) for n in norms if n > 0 and math.isfinite(n)]
        if not logs:
            return cls(0, 1)
        return cls(math.floor(min(logs)), math.ceil(max(logs)))

    def position(self, norm: float) -> float:
        if norm <= 0:
            return 0.0
        return min(1.0, max(0.0, (math.log10(norm) - self.low) / (self.high - self.low)))

    def colour(self, norm: float) -> str:
        return ZERO_COLOUR if norm == 0 else ramp_colour(self.position(norm))

    def width(self, norm: float) -> float:
        return MIN_WIDTH + (MAX_WIDTH - MIN_WIDTH) * self.position(norm)

    def ticks(self) -> List[int]:
        """The powers of ten the colour bar labels (at most 7).

        >>> LogScale(-12, 0).ticks()
        [-12, -10, -8, -6, -4, -2, 0]
        """
        step = max(1, math.ceil((self.high - self.low) / 6))
        return list(range(self.low, self.high + 1, step))


def ramp_colour(position: float) -> str:
    """The colour at `position` (0..1) along `RAMP`, as #RRGGBB.

    >>> ramp_colour(0.0), ramp_colour(1.0)
    ('#3B4CC0', '#B40426')
    """
    x = min(1.0, max(0.0, position)) * (len(RAMP) - 1)
    i = min(int(x), len(RAMP) - 2)
    f = x - i
    rgb = [round(a + (b - a) * f) for a, b in zip(RAMP[i], RAMP[i + 1])]
    return "#" + "".join(f"{c:02X}" for c in rgb)


def colour_bar(scale: LogScale, title: str = "edge colour and width: log₁₀ ‖∇‖") -> str:
    """HTML-like rows (graphviz) of a colour bar labelled with powers of ten.

    >>> "10^-2" in colour_bar(LogScale(-2, 0))
    True
    """
    cells = "".join(
        f'<td bgcolor="{ramp_colour(scale.position(10.0 ** p))}" width="46">'
        f'<font color="white"><b>10^{p}</b></font></td>' for p in scale.ticks())
    zero = f'<td bgcolor="{ZERO_COLOUR}" width="46">0</td>'
    return (f"<tr><td>{escape(title)}</td></tr>"
            f'<tr><td><table border="0" cellspacing="1" cellpadding="2"><tr>{cells}{zero}'
            "</tr></table></td></tr>")


def add_to_legend(g: Picture, rows: str) -> None:
    """Append HTML-like table rows at the end of the picture's legend."""
    label = g.graph_attr.get("label")
    if label is None:
        g.graph_attr.update(label=f'<<table border="0">{rows}</table>>', labelloc="b")
        return
    cut = label.rindex("</table>>")
    g.graph_attr["label"] = label[:cut] + rows + label[cut:]


class _FlowStyle(Restyle):
    def __init__(self, norms: Dict[int, float], scale: LogScale):
        self.norms, self.scale = norms, scale

    def edge(self, tensor, parent, attrs: dict) -> dict:
        norm = self.norms.get(id(parent))
        if norm is None:
            return dict(attrs, style="dotted", tooltip="no gradient reached this tensor")
        text = f"‖∇‖ {style.fmt_number(norm)}"
        colour = self.scale.colour(norm)
        shape = style.fmt_shape(parent.shape)
        return dict(label=style.html_lines(shape, (text, colour)), color=colour,
                    penwidth=f"{self.scale.width(norm):.2f}",
                    tooltip=f"gradient delivered to the input: norm {style.fmt_number(norm)} "
                            f"(log10 {math.log10(norm):.2f})" if norm > 0 else "gradient 0",
                    **({"style": "dashed"} if norm == 0 else {}))

    def legend(self, g: Picture) -> None:
        add_to_legend(g, colour_bar(self.scale))


def norm_table(steps: List[Step]) -> List[Tuple[str, float]]:
    """(step name, gradient norm) in the engine's order: the numbers behind the colours.

    >>> from tinygrad_cnn import Tensor
    >>> w = Tensor([3.0, 4.0], requires_grad=True)
    >>> norm_table(record_backward((w * 2.0).sum()))[-1]
    ('AccumulateGrad', 2.8284271247461903)
    """
    return [(s.name, s.norm) for s in steps]
