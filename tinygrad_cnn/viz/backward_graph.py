"""The backward view: the gradient flow, the way the engine actually walks it.

Nodes are numbered by the step at which `backward` reaches them (the engine's reverse
topological order, `engine.topological_order`). Each op node is its `<Op>Backward`; each
leaf is where the gradient is accumulated into `.grad`. Edges point from the loss back to
the leaves and carry the shape of the gradient they pass; when a tensor feeds only one
op, its `.grad` (if present) is exactly that edge's gradient, so its summary goes on the
edge too. The layout runs against the forward view's direction (bottom to top, or right
to left), so nodes sit where they sit in the forward view.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Dict, Optional

from ..autograd.engine import topological_order
from . import style
from .modules import param_names
from .op_labels import op_category
from .picture import Picture

if TYPE_CHECKING:
    from ..tensor import Tensor


def draw_backward(tensor: "Tensor", params: Optional[Dict[str, "Tensor"]] = None, *,
                  show_grads: bool = True, direction: str = "auto",
                  rankdir: Optional[str] = None, legend: bool = True,
                  grads: Optional[Dict[int, object]] = None,
                  restyle: Optional[Restyle] = None) -> Picture:
    """Draw how the gradient of `tensor` flows back to the leaves, step by step.

    params: `dict(model.named_parameters())` to name the leaves. show_grads: print the red
    `∇` of every `.grad` present, all values up to 8 elements, else `min · mean · max` (run
    backward first, and `retain_grad()` for intermediate tensors, e.g. with
    `viz.retain_all_grads`). direction: the *forward* view's direction ('auto', 'TB',
    'LR'); this picture runs against it (bottom to top, right to left). rankdir: graphviz's
    literal direction for this picture ('BT', 'RL', 'TB', 'LR'), wins over direction.
    legend: explain the colours and numbers under the picture. grads: the gradient to show
    for each tensor (by id) instead of its `.grad`, e.g. from `viz.record_backward`.
    restyle: a `Restyle` whose `node(t, attrs)` / `edge(t, parent, attrs)` return the
    attributes to draw with (the gradient-flow and step-by-step views use it).

    >>> from tinygrad_cnn import Tensor
    >>> w = Tensor([1.0, -1.0], requires_grad=True)
    >>> "1. SumBackward" in draw_backward(w.relu().sum()).source
    True
    """
    order = topological_order(tensor)
    step = {id(t): n for n, t in enumerate(order, start=1)}
    names = param_names(params)
    uses = _use_counts(order)
    restyle = restyle or Restyle()
    shown = _GradView(grads)
    g = style.new_digraph("backward", nodesep="0.25", ranksep="0.4")
    g.node("seed", **_seed_attrs(tensor))
    g.edge("seed", f"b{step[id(tensor)]}", label="1" if tensor._data.size == 1
           else style.fmt_shape(tensor.shape))
    for t in order:
        n = step[id(t)]
        g.node(f"b{n}", **restyle.node(t, _node_attrs(shown.of(t), n, names, uses,
                                                      show_grads)))
        if t._ctx is None:
            continue
        for parent in t._ctx.parents:
            if parent.requires_grad:
                label = _edge_label(shown.of(parent), uses, show_grads)
                g.edge(f"b{n}", f"b{step[id(parent)]}",
                       **restyle.edge(t, parent, dict(label=label)))
    if legend:
        found = [op_category(t._ctx.name) if t._ctx is not None else "param" for t in order]
        style.add_legend(g, found, values=False, grads=True, summary=show_grads and any(
            shown.of(t).grad is not None and shown.of(t).grad._data.size > style.FULL_VALUES
            for t in order))
        restyle.legend(g)
    if rankdir:
        return g.set_direction(rankdir)
    return g.set_direction(direction, reverse=True)


class Restyle:
    """Change how `draw_backward` draws a node or an edge (the default changes nothing).

    >>> Restyle().node(None, {"shape": "box"})
    {'shape': 'box'}
    """

    def node(self, tensor, attrs: dict) -> dict:
        return attrs

    def edge(self, tensor, parent, attrs: dict) -> dict:
        return attrs

    def legend(self, g: Picture) -> None:
        """Add to the legend under the picture (called after it is made)."""


class _GradView:
    """A tensor as the picture sees it: its own `.grad`, or the one given for it."""

    def __init__(self, grads: Optional[Dict[int, object]]):
        self.grads = grads

    def of(self, t):
        if self.grads is None:
            return t
        return _Shown(t, self.grads.get(id(t)))


class _Shown:
    """`t` with `.grad` replaced (shape, dtype, data, _ctx pass through)."""

    def __init__(self, t, grad):
        self._t, self.grad = t, None if grad is None else _Array(grad)

    def __getattr__(self, name):
        return getattr(self._t, name)


def _key(t) -> int:
    """The id of the tensor itself, also through a `_Shown` wrapper."""
    return id(t._t) if isinstance(t, _Shown) else id(t)


class _Array:
    def __init__(self, data):
        self._data = data


def _use_counts(order) -> Dict[int, int]:
    """How many op inputs each tensor feeds (its gradient is the sum over those)."""
    uses: Dict[int, int] = {}
    for t in order:
        if t._ctx is not None:
            for p in t._ctx.parents:
                uses[id(p)] = uses.get(id(p), 0) + 1
    return uses


def _seed_attrs(root) -> dict:
    label = style.html_lines("loss" if root._data.size == 1 else "output",
                             ("backward() seeds ∇ = 1", style.GRAD_COLOUR), bold_first=True)
    return dict(label=label, shape="plaintext")


def _node_attrs(t, n: int, names, uses, show_grads: bool) -> dict:
    shape_line = style.fmt_shape(t.shape)
    total = None
    if show_grads and t.grad is not None and uses.get(_key(t), 0) != 1:
        total = style.grad_line(t.grad)  # several uses: only the node can show the sum
        if uses.get(_key(t), 0) > 1:
            total = (f"{total[0]}  (sum of {uses[_key(t)]})", total[1])
    if t._ctx is None:
        title = f"{n}. AccumulateGrad"
        label = style.html_lines(title, names.get(_key(t), "leaf"), shape_line, total,
                                 bold_first=True)
        tip = f"step {n}: add the incoming gradient into .grad\\n" + style.tensor_tooltip(
            names.get(_key(t), "leaf"), t, show_grads)
        return dict(label=label, shape="box", style="filled", fillcolor=style.PARAM_FILL,
                    tooltip=tip)
    fill = style.CATEGORY_FILL[op_category(t._ctx.name)]
    label = style.html_lines(f"{n}. {t._ctx.name}Backward", total, bold_first=True)
    tip = (f"step {n}: {t._ctx.name}Backward turns the gradient of its output into its "
           f"inputs' gradients\\n" + style.tensor_tooltip("output", t, show_grads))
    return dict(label=label, shape="box", style="rounded,filled", fillcolor=fill, tooltip=tip)


def _edge_label(parent, uses, show_grads: bool) -> str:
    lines = [style.fmt_shape(parent.shape)]
    if show_grads and parent.grad is not None and uses.get(_key(parent)) == 1:
        lines.append(style.grad_line(parent.grad))
    return style.html_lines(*lines)
