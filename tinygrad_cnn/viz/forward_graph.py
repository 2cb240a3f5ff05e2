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

import graphviz

from . import style
from .modules import assign_modules, param_names
from .op_labels import op_arguments, op_category, op_display_name
from .walk import graph_tensors, index_of, is_scalar_constant

if TYPE_CHECKING:
    from ..tensor import Tensor


def draw_graph(tensor: "Tensor", params: Optional[Dict[str, "Tensor"]] = None, *,
               show_values: bool = False, show_grads: bool = True, show_tensors: bool = True,
               group_modules: bool = True, collapse_modules: bool = False) -> graphviz.Digraph:
    """Draw the ops and tensors that produced `tensor`, inputs on the left.

    params: `dict(model.named_parameters())`, to name the parameters and group by module.
    show_values: add `min · mean · max` to every tensor. show_grads: add the red `∇` summary
    of each `.grad` that exists (leaves after backward; others if `retain_grad()` was called).
    show_tensors=False hides intermediate tensors (their shape goes on the edge instead).
    collapse_modules: one node per module instead of one cluster of ops per module.

    >>> from tinygrad_cnn import Tensor
    >>> w = Tensor([[1.0, 2.0]], requires_grad=True)
    >>> g = draw_graph((w * 3.0).relu().sum(), params={"w": w})
    >>> "relu" in g.source
    True
    """
    return _ForwardDrawing(tensor, params, show_values, show_grads, show_tensors,
                           group_modules, collapse_modules).digraph()


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
        self.edges: Dict[Tuple[str, str], Optional[str]] = {}

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
                constants.append(style.fmt_number(parent.data.reshape(())))
                continue
            src, label = self._endpoint(parent)
            self._add_edge(src, op, label)
        if not self._collapsed_module(t):
            self._add_node(op, t, _op_attrs(t._ctx, constants))
        if self._tensor_drawn(t):
            self._add_edge(op, f"t{i}", None)

    def digraph(self) -> graphviz.Digraph:
        for t in self.tensors:
            self._visit(t)
        g = style.new_digraph("forward", nodesep="0.25", ranksep="0.35")
        for module in self._collapsed_modules():
            g.node(_module_id(module), **self._module_attrs(module))
        for cluster, nodes in self.nodes.items():
            if cluster == "" and "" not in self.module.values():
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
        lines = [title, f"{style.fmt_shape(t.shape)}  {t.dtype}"]
        if self.show_values and t.data.size:
            lines.append(style.fmt_summary(t.data))
        if self.show_grads:
            lines.append(style.grad_line(t.grad))
        if id(t) in self.names:
            fill = style.PARAM_FILL
        elif t._ctx is None:
            fill = style.PARAM_FILL if t.requires_grad else style.INPUT_FILL
        else:
            fill = style.TENSOR_FILL
        label = style.html_lines(*lines, bold_first=title is not None)
        return dict(label=label, shape="ellipse", style="filled", fillcolor=fill,
                    margin="0.05,0.02")

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
        ops = " → ".join(op_display_name(t._ctx.name) for t in members if t._ctx is not None)
        lines: list = [module or "(model)", ops]
        for t in members:
            if id(t) in self.names:
                short = self.names[id(t)].rsplit(".", 1)[-1]
                lines.append(f"{short} {style.fmt_shape(t.shape)}")
                if self.show_grads:
                    lines.append(style.grad_line(t.grad))
        return dict(label=style.html_lines(*lines, bold_first=True), shape="box",
                    style="rounded,filled", fillcolor=style.PARAM_FILL, margin="0.12,0.06")


def _op_attrs(ctx, constants: List[str]) -> dict:
    category = op_category(ctx.name)
    args = op_arguments(ctx) + [f"const {c}" for c in constants]
    lines = [op_display_name(ctx.name)] + [(a, "#333333") for a in args]
    outline = "dashed,rounded,filled" if category == "shape" else "rounded,filled"
    return dict(label=style.html_lines(*lines, bold_first=True), shape="box", style=outline,
                fillcolor=style.CATEGORY_FILL[category], margin="0.1,0.04")


def _emit_nodes(g: graphviz.Digraph, nodes: List[Tuple[str, dict]]) -> None:
    for node_id, attrs in nodes:
        g.node(node_id, **attrs)


def _safe(name: str) -> str:
    return re.sub(r"\W", "_", name)


def _module_id(module: str) -> str:
    return "mod_" + _safe(module)
