"""The forward view: the tensor-level DAG that produced a tensor.

Op nodes are rounded, filled boxes coloured by what the op does (see `style`); value
nodes are ellipses: parameters yellow, data grey, computed tensors white. Scalar
constants (the 2 in `x ** 2`) are folded into their op's label. With `params`, leaves
are named after the model's parameters and the ops of each module are drawn inside a
cluster, or collapsed into one node per module so a whole network stays readable.
"""
from __future__ import annotations

import re
from typing import TYPE_CHECKING, Dict, List, Optional, Tuple

from . import style
from .modules import assign_modules, collapse_to_depth, param_names
from .op_labels import op_arguments, op_category, op_display_name
from .picture import PX_PER_PT, Picture
from .walk import graph_tensors, index_of, is_scalar_constant

if TYPE_CHECKING:
    from ..tensor import Tensor


#: label height (px) below which a picture shrunk to the page no longer reads
MIN_LABEL_PX = 8.0


def draw_graph(tensor: "Tensor", params: Optional[Dict[str, "Tensor"]] = None, *,
               show_values: Optional[bool] = None, show_grads: bool = True,
               show_tensors: bool = True, group_modules: bool = True,
               collapse_modules: bool = False, collapse_depth: Optional[int] = None,
               direction: str = "auto", rankdir: Optional[str] = None,
               legend: bool = True, restyle=None) -> Picture:
    """Draw the ops and tensors that produced `tensor`, inputs first.

    params: `dict(model.named_parameters())`, to name the parameters and group by module.
    show_values: None (default) writes out the values of tensors with at most 8 elements;
    True adds `min · mean · max` to bigger ones too; False shows no values. show_grads: add
    the red `∇` of each `.grad` that exists (leaves after backward; others if
    `retain_grad()` was called), in full up to 8 elements, else `min · mean · max`.
    show_tensors=False hides intermediate tensors (their shape goes on the edge instead).
    collapse_modules: one node per module instead of one cluster of ops per module.
    collapse_depth: one node per module named by the first `collapse_depth` parts of the
    parameter names (`layer1.0.conv1.weight` at depth 2 -> `layer1.0`), so each repeated
    block is one node. direction: 'auto' (from the graph's shape), 'TB' or 'LR';
    rankdir: the same, graphviz's name for it (wins over direction). legend: explain the
    colours and numbers under the picture. Hover a node (SVG) for its full statistics.
    restyle: an object whose `node(t, attrs)` returns the attributes of the op node that
    computed `t`, and `legend(g)` adds to the legend (the gradcheck view uses it).

    >>> from tinygrad_cnn import Tensor
    >>> w = Tensor([[1.0, 2.0]], requires_grad=True)
    >>> g = draw_graph((w * 3.0).relu().sum(), params={"w": w})
    >>> "relu" in g.source
    True
    """
    drawing = _ForwardDrawing(tensor, params, show_values, show_grads, show_tensors,
                              group_modules, collapse_modules or collapse_depth is not None)
    drawing.restyle = restyle
    if collapse_depth is not None:
        drawing.module = collapse_to_depth(drawing.tensors, drawing.module, collapse_depth)
    g = drawing.digraph()
    if legend:
        style.add_legend(g, drawing.categories(), values=drawing.shows_values(),
                         grads=drawing.shows_grads(), summary=drawing.shows_summaries())
        if restyle is not None:
            restyle.legend(g)
    g.set_direction(rankdir or direction)
    if rankdir is None and direction == "auto":
        _say_if_too_big(g, len(drawing.nodes_drawn()), params is not None)
    return g


def _say_if_too_big(g: Picture, nodes: int, has_params: bool) -> None:
    """A picture whose labels would be under MIN_LABEL_PX at 900 px says so above itself,
    in a font that stays readable, and names the collapsed view."""
    scale = g.scale_at()
    shrunk = float(g.node_attr.get("fontsize", 11)) * PX_PER_PT * scale
    if shrunk >= MIN_LABEL_PX:
        return
    fix = ("draw_graph(..., collapse_depth=1)" if has_params else
           "draw_graph(..., params=dict(model.named_parameters()), collapse_depth=1)")
    lines = [f"{nodes} nodes: too big to read at 900 px (text shrinks to {shrunk:.0f} px).",
             f"{fix} draws one node per module;", "collapse_depth=2 one per block."]
    size = round(12 / scale)
    note = "".join(f'<tr><td><font point-size="{size}">{style.escape(line)}</font></td></tr>'
                   for line in lines)
    legend = g.graph_attr.get("label", "<<table></table>>")
    g.graph_attr.update(label=legend.replace('cellpadding="1">', 'cellpadding="1">' + note, 1)
                        if "label" in g.graph_attr else f'<<table border="0">{note}</table>>',
                        labelloc="t")
    g.too_big = True


class _ForwardDrawing:
    """Decides, for each tensor of the DAG, which picture node stands for it."""

    def __init__(self, root, params, show_values, show_grads, show_tensors, group_modules,
                 collapse_modules):
        self.root = root
        self.tensors = graph_tensors(root)
        self.pos = index_of(self.tensors)
        self.names = param_names(params)
        self.module = assign_modules(self.tensors, self.names) if params else {}
        self.show_values, self.show_grads = show_values, show_grads
        self.show_tensors = show_tensors
        self.group, self.collapse = group_modules, collapse_modules
        self.nodes: Dict[str, List[Tuple[str, dict]]] = {}   # cluster ('' = none) -> nodes
        self.fills: List[str] = []                             # legend: colour families
        self.edges: Dict[Tuple[str, str], Optional[str]] = {}
        self.restyle = None

    # ----- which node stands for a tensor ------------------------------------------------
    def _collapsed_module(self, t) -> Optional[str]:
        return self.module.get(id(t)) if self.collapse else None

    def _tensor_drawn(self, t) -> bool:
        if is_scalar_constant(t) and id(t) not in self.names or self._collapsed_module(t):
            return False
        return t is self.root or t._ctx is None or self.show_tensors

    def _endpoint(self, t) -> Tuple[str, Optional[str]]:
        """The node an edge out of `t` starts from, and the edge label it needs."""
        i = self.pos[id(t)]
        if self._tensor_drawn(t):
            return f"t{i}", None
        label = style.fmt_shape(t.shape)
        module = self._collapsed_module(t)
        return (_module_id(module), label) if module else (f"op{i}", label)

    def _op_node(self, t) -> str:
        module = self._collapsed_module(t)
        return _module_id(module) if module else f"op{self.pos[id(t)]}"

    # ----- building ------------------------------------------------------------------------
    def _add_node(self, node_id: str, t, attrs: dict) -> None:
        cluster = self.module.get(id(t), "") if self.group and not self.collapse else ""
        self.nodes.setdefault(cluster, []).append((node_id, attrs))

    def _add_edge(self, src: str, dst: str, label: Optional[str]) -> None:
        if src != dst and (src, dst) not in self.edges:
            self.edges[(src, dst)] = label

    def _visit(self, t) -> None:
        i = self.pos[id(t)]
        if self._tensor_drawn(t):
            self._add_node(f"t{i}", t, self._tensor_attrs(t))
        if t._ctx is None:
            return
        op = self._op_node(t)
        constants = []
        for parent in t._ctx.parents:
            if is_scalar_constant(parent) and id(parent) not in self.names:
                constants.append(style.fmt_number(parent._data.reshape(())))
                continue
            src, label = self._endpoint(parent)
            self._add_edge(src, op, label)
        if not self._collapsed_module(t):
            attrs = _op_attrs(t._ctx, constants)
            self._add_node(op, t, self.restyle.node(t, attrs) if self.restyle else attrs)
        if self._tensor_drawn(t):
            self._add_edge(op, f"t{i}", None)

    def nodes_drawn(self) -> List[str]:
        return [n for nodes in self.nodes.values() for n, _ in nodes] + self._collapsed_modules()

    def categories(self) -> List[str]:
        found = [op_category(t._ctx.name) for t in self.tensors
                 if t._ctx is not None and not self._collapsed_module(t)]
        leaves = [t for t in self.tensors if t._ctx is None and self._tensor_drawn(t)]
        if any(id(t) in self.names or t.requires_grad for t in leaves) or self.collapse:
            found.append("param")
        if any(id(t) not in self.names and not t.requires_grad for t in leaves):
            found.append("input")
        return found

    def shows_values(self) -> bool:
        return self.show_values is not False and any(
            self._tensor_drawn(t) and self._value_line(t) for t in self.tensors)

    def shows_grads(self) -> bool:
        return self.show_grads and any(t.grad is not None for t in self.tensors
                                       if self._tensor_drawn(t) or id(t) in self.names)

    def shows_summaries(self) -> bool:
        big = [t for t in self.tensors if self._tensor_drawn(t) or id(t) in self.names]
        return any((self.show_values and t._data.size > style.FULL_VALUES)
                   or (self.show_grads and t.grad is not None
                       and t.grad._data.size > style.FULL_VALUES) for t in big)

    def digraph(self) -> Picture:
        for t in self.tensors:
            self._visit(t)
        g = style.new_digraph("forward", nodesep="0.25", ranksep="0.35")
        for module in self._collapsed_modules():
            g.node(_module_id(module), **self._module_attrs(module))
        for cluster, nodes in self.nodes.items():
            if cluster == "" and ("" not in self.module.values() or not self.group
                                  or self.collapse):
                _emit_nodes(g, nodes)
                continue
            with g.subgraph(name="cluster_" + _safe(cluster)) as sub:
                sub.attr(label=cluster or "(model)", style="rounded,dashed",
                         color=style.CLUSTER_COLOUR, fontcolor=style.MUTED_COLOUR)
                _emit_nodes(sub, nodes)
        for (src, dst), label in self.edges.items():
            g.edge(src, dst, **({"label": label} if label else {}))
        return g

    # ----- labels ---------------------------------------------------------------------------
    def _tensor_attrs(self, t) -> dict:
        title = self._tensor_title(t)
        lines = [title, f"{style.fmt_shape(t.shape)}  {t.dtype}", self._value_line(t)]
        if self.show_grads:
            lines.append(style.grad_line(t.grad))
        if id(t) in self.names:
            fill = style.PARAM_FILL
        elif t._ctx is None:
            fill = style.PARAM_FILL if t.requires_grad else style.INPUT_FILL
        else:
            fill = style.TENSOR_FILL
        label = style.html_lines(*lines, bold_first=title is not None)
        tip = style.tensor_tooltip(title or "tensor", t, self.show_grads)
        return dict(label=label, shape="ellipse", style="filled", fillcolor=fill,
                    margin="0.05,0.02", tooltip=tip)

    def _value_line(self, t) -> Optional[str]:
        """All values of a small tensor (None: default); a summary of any (True)."""
        if self.show_values is False or not t._data.size:
            return None
        if t._data.size <= style.FULL_VALUES or self.show_values:
            return style.fmt_values(t._data)
        return None

    def _tensor_title(self, t) -> Optional[str]:
        if id(t) in self.names:
            return self.names[id(t)]
        if t is self.root:
            return "output"
        if t._ctx is None:
            return "leaf" if t.requires_grad else "input"
        return None

    def _collapsed_modules(self) -> List[str]:
        if not self.collapse:
            return []
        return list(dict.fromkeys(self.module[id(t)] for t in self.tensors
                                  if id(t) in self.module))

    def _module_attrs(self, module: str) -> dict:
        members = [t for t in self.tensors if self.module.get(id(t)) == module]
        names = [op_display_name(t._ctx.name) for t in members if t._ctx is not None]
        params = [t for t in members if id(t) in self.names]
        lines: list = [module or "(model)", _op_chain(names)]
        tips = [f"module {module or '(model)'}", "ops: " + " → ".join(names)]
        for t in params:
            short = self.names[id(t)][len(module) + 1 if module else 0:]
            tips.append(style.tensor_tooltip(short, t, self.show_grads))
            if len(params) > 2:
                continue  # a whole block: its parameters are in the tooltip
            lines.append(f"{short} {style.fmt_shape(t.shape)}")
            if self.show_grads:
                lines.append(style.grad_line(t.grad))
        if len(params) > 2:
            count = sum(t._data.size for t in params)
            lines.append(f"{len(params)} parameters, {count:,} values")
        return dict(label=style.html_lines(*lines, bold_first=True), shape="box",
                    style="rounded,filled", fillcolor=style.PARAM_FILL, margin="0.12,0.06",
                    tooltip="\\n".join(tips))


def _op_chain(names: List[str]) -> str:
    """`conv2d → relu`, or `conv2d ×2, batch_norm ×2, relu` for longer chains.

    >>> _op_chain(["conv2d", "relu"]), _op_chain(["conv2d", "add", "relu", "conv2d", "add"])
    ('conv2d → relu', 'conv2d ×2, add ×2, relu')
    """
    if len(names) <= 4:
        return " → ".join(names)
    counts: Dict[str, int] = {}
    for name in names:
        counts[name] = counts.get(name, 0) + 1
    return ", ".join(f"{n} ×{c}" if c > 1 else n for n, c in counts.items())


def _op_attrs(ctx, constants: List[str]) -> dict:
    category = op_category(ctx.name)
    args = op_arguments(ctx) + [f"const {c}" for c in constants]
    lines = [op_display_name(ctx.name)] + [(a, "#333333") for a in args]
    outline = "dashed,rounded,filled" if category == "shape" else "rounded,filled"
    options = [f"{k}={v!r}" for k, v in ctx.options.items() if _plain(v)]
    tip = f"op {op_display_name(ctx.name)} ({ctx.name})" + (
        "\\n" + ", ".join(options) if options else "") + (
        "\\ninputs: " + ", ".join(style.fmt_shape(p.shape) for p in ctx.parents))
    return dict(label=style.html_lines(*lines, bold_first=True), shape="box", style=outline,
                fillcolor=style.CATEGORY_FILL[category], margin="0.1,0.04", group="ops",
                tooltip=tip.replace('"', "'"))


def _plain(value) -> bool:
    """An option worth printing in a tooltip (numbers, flags, small tuples; not arrays)."""
    if isinstance(value, (tuple, list)):
        return len(value) <= 8 and all(_plain(v) for v in value)
    return value is None or isinstance(value, (bool, int, float, str, slice))


def _emit_nodes(g: Picture, nodes: List[Tuple[str, dict]]) -> None:
    for node_id, attrs in nodes:
        g.node(node_id, **attrs)


def _safe(name: str) -> str:
    return re.sub(r"\W", "_", name)


def _module_id(module: str) -> str:
    return "mod_" + _safe(module)
