"""`Picture`: a `graphviz.Digraph` that fits the page it is shown on.

- Its direction is chosen from the graph's shape (`choose_direction`): dot lays the graph
  out both ways and the picture keeps the one that stays readable in a 900 px column
  (left to right only for short graphs; top to bottom once they get long).
- In Jupyter it shows as inline SVG scaled down to the cell's width (never clipped,
  never scaled up), with hover tooltips that say what a node holds.
- `.write(path)` writes .svg (with those tooltips) or .png/.pdf/... atomically.
Everything else is `graphviz.Digraph`: `.source`, `.render()`, `.pipe()`, `.attr()`.

>>> g = Picture("demo"); g.node("a", tooltip="the first"); g.edge("a", "b")
>>> g.set_direction("TB").graph_attr["rankdir"], "a -> b" in g.source
('TB', True)
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Dict, Optional, Tuple

import graphviz

from ..atomic import write_atomically

#: the column a picture must read in (README on GitHub, a notebook cell), in CSS px
PAGE_PX = 900
#: CSS px per graphviz point (SVG and 96-dpi PNG output)
PX_PER_PT = 96 / 72
DIRECTIONS = ("auto", "TB", "LR", "BT", "RL")
_FLIPPED = {"TB": "BT", "LR": "RL", "BT": "TB", "RL": "LR"}
_NODE_TITLE = re.compile(r'<title>[^<]*</title>(\s*<g id="a_[^"]*"><a xlink:title="([^"]*)")')


class Picture(graphviz.Digraph):
    """A Digraph with a page-fitting direction, a scaled inline-SVG display and `write`.

    >>> g = Picture("p"); g.node("x", label="x"); "<svg" in g._repr_html_()
    True
    """

    def set_direction(self, direction: Optional[str] = "auto", *,
                      reverse: bool = False) -> "Picture":
        """Lay the graph out `direction` ('TB', 'LR', 'BT', 'RL', or 'auto' to choose from
        its shape); `reverse` flips it (the backward view runs against the forward one).

        >>> g = Picture("p"); g.edge("a", "b")
        >>> g.set_direction("LR", reverse=True).graph_attr["rankdir"]
        'RL'
        """
        direction = "auto" if direction in (None, "auto") else str(direction).upper()
        if direction not in DIRECTIONS:
            raise ValueError(f"direction must be one of {', '.join(DIRECTIONS)}; "
                             f"got {direction!r}")
        if direction == "auto":
            direction = choose_direction(self)
        self.graph_attr["rankdir"] = _FLIPPED[direction] if reverse else direction
        return self

    # ----- showing ---------------------------------------------------------------------------
    def svg(self) -> str:
        """The SVG text, each node's hover title replaced by its tooltip (not its id).

        >>> g = Picture("p"); g.node("n1", label="x", tooltip="x = 2")
        >>> "<title>x = 2</title>" in g.svg()
        True
        """
        return _NODE_TITLE.sub(r"<title>\2</title>\1", self.pipe(format="svg", encoding="utf-8"))

    def _repr_html_(self) -> str:
        svg = self.svg()
        svg = svg[svg.index("<svg"):]  # drop the XML prolog and DOCTYPE
        svg = svg.replace("<svg ", '<svg style="max-width:100%;height:auto" ', 1)
        return f'<div class="tinygrad-cnn-picture" style="max-width:100%">{svg}</div>'

    def _repr_svg_(self) -> str:
        return self.svg()

    def _repr_mimebundle_(self, include=None, exclude=None, **_) -> Dict[str, str]:
        """Jupyter shows the HTML (scaled to the cell); plain SVG for other front ends."""
        bundle = {"text/html": self._repr_html_(), "image/svg+xml": self.svg()}
        keep = set(include) if include else set(bundle)
        return {k: v for k, v in bundle.items() if k in keep and k not in set(exclude or ())}

    def write(self, path, *, dpi: int = 96) -> Path:
        """Write the picture to `path` (format from the suffix), atomically.

        >>> import tempfile; from pathlib import Path
        >>> out = Path(tempfile.mkdtemp()) / "g.svg"
        >>> g = Picture("p"); g.edge("a", "b"); g.write(out).read_text().count("<svg")
        1
        """
        path = Path(path)
        fmt = path.suffix.lstrip(".").lower()
        if not fmt:
            raise ValueError(f"{path} has no suffix; use e.g. {path}.svg or {path}.png")
        if fmt == "svg":
            data = self.svg().encode("utf-8")
        else:
            data = self.copy_with(dpi=str(dpi)).pipe(format=fmt)
        return write_atomically(path, data)

    def copy_with(self, **graph_attr: str) -> "Picture":
        """A copy with some graph attributes changed.

        >>> Picture("p").copy_with(dpi="150").graph_attr["dpi"]
        '150'
        """
        other = self.copy()
        other.graph_attr.update(graph_attr)
        return other

    def size_pt(self) -> Tuple[float, float]:
        """(width, height) of the laid-out picture in points (1/72 inch).

        >>> g = Picture("p"); g.node("a", width="1", height="0.5", fixedsize="true")
        >>> g.size_pt()
        (72.0, 36.0)
        """
        return layout_size(self)

    def scale_at(self, page_px: int = PAGE_PX) -> float:
        """The factor the picture is shrunk by to fit `page_px` (1.0 when it fits).

        >>> g = Picture("p"); g.node("a", width="20", fixedsize="true")
        >>> round(g.scale_at(900), 3)   # 20 in = 1920 px
        0.469
        """
        return min(1.0, page_px / (self.size_pt()[0] * PX_PER_PT))


def layout_size(g: graphviz.Digraph) -> Tuple[float, float]:
    """(width, height) in points of `g` as dot lays it out (its `plain` output).

    >>> g = graphviz.Digraph(); g.node("a", width="2", height="1", fixedsize="true")
    >>> layout_size(g)
    (144.0, 72.0)
    """
    first = g.pipe(format="plain", encoding="utf-8").split("\n", 1)[0].split()
    scale, width, height = (float(v) for v in first[1:4])
    return width * scale * 72, height * scale * 72


def choose_direction(g: graphviz.Digraph, page_px: int = PAGE_PX) -> str:
    """'LR' or 'TB': whichever lays `g` out larger in a `page_px` column; when both fit,
    left to right only if that is no taller than top to bottom (a short graph reads as a
    line, a long one as a column).

    >>> chain = graphviz.Digraph()
    >>> for i in range(12): chain.edge(str(i), str(i + 1))
    >>> choose_direction(chain)
    'TB'
    >>> short = graphviz.Digraph(); short.edge("a", "b")
    >>> choose_direction(short)
    'LR'
    """
    sizes = {}
    for direction in ("LR", "TB"):
        trial = g.copy()
        trial.graph_attr["rankdir"] = direction
        sizes[direction] = layout_size(trial)
    page_pt = page_px / PX_PER_PT
    scale = {d: min(1.0, page_pt / w) for d, (w, _) in sizes.items()}
    if scale["LR"] == scale["TB"] == 1.0:
        return "LR" if sizes["LR"][1] <= sizes["TB"][1] else "TB"
    return "LR" if scale["LR"] > scale["TB"] else "TB"


def tooltip(*lines: str) -> str:
    """A graphviz tooltip of several lines (graphviz writes `\\n` as a line break).

    >>> tooltip("shape 2×3", "min 0") == "shape 2×3" + chr(92) + "nmin 0"
    True
    """
    return "\\n".join(line.replace("\\", "/") for line in lines)
