"""Open one op of a big graph into its circuit: one chosen output element (a pixel of a
conv's output, one max-pool window, one logit) drawn as scalar `*`, `+`, `max`, ... nodes
with the engine's values and gradients, inside the op-level graph of the whole network.

The element's circuit is the op's scalar rule (declared beside it in `ops/`) applied to
the engine's own input arrays; its gradients are the engine's, recorded during its own
backward (`record_backward`): the wire out of the element carries the element of the
op's output gradient, each wire into a node that gradient times the node's local
derivative, and each input element shows its total gradient in the engine (over every
output it feeds, not only this one). A node with more than `max_terms` inputs (a logit
sums 128 products) keeps the largest contributions and folds the rest into one node.

>>> import tinygrad_cnn as tg
>>> from tinygrad_cnn.nn import functional as F
>>> x = tg.tensor([[1.0, 2.0]]); w = tg.tensor([[3.0], [-1.0]], requires_grad=True)
>>> h = x @ w
>>> g = open_op(F.relu(h).sum(), h, (0, 0))
>>> "matmul" in g.source and "out[0,0]" in g.source
True
"""
from __future__ import annotations

from itertools import islice
from typing import TYPE_CHECKING, Dict, List, Optional, Sequence, Tuple, Union

import numpy as np

from ..ops.circuit import Ref, Term, expand
from . import style
from .circuit import Circuit, CircuitNode, Wire
from .modules import param_names
from .op_labels import op_category, op_display_name
from .picture import Picture
from .recorder import Step, gradients_by_id, record_backward
from .walk import graph_tensors, index_of

if TYPE_CHECKING:
    from ..tensor import Tensor

HIGHLIGHT = "#E67E22"


def open_op(root: "Tensor", tensor: "Tensor", index: Union[int, Sequence[int]],
            params: Optional[Dict[str, "Tensor"]] = None, *,
            steps: Optional[List[Step]] = None, max_terms: int = 10,
            depth: int = 1, collapse_depth: Optional[int] = 2,
            direction: str = "TB") -> Picture:
    """The op-level graph of `root` (intermediate tensors as shapes on the edges) with the
    op that computed `tensor` outlined, and element `index` of `tensor` opened into its
    scalar circuit beside it.

    index: a tuple into `tensor`'s shape (e.g. (0, 3, 10, 12)) or a flat index. steps:
    `record_backward(root)` already run; None runs it (leaves get their `.grad`).
    max_terms: most inputs drawn per scalar node (the rest folded into one node).
    depth: ops opened below the element (2 opens a logit's linear and the op under it).
    collapse_depth: with `params`, the rest of the network is one node per module named by
    that many parts of the parameter names (None: every op).

    >>> import tinygrad_cnn as tg
    >>> a = tg.tensor([[1.0, -2.0, 3.0]], requires_grad=True)
    >>> m = a.max(dim=1).values
    >>> "max" in open_op(m.sum(), m, 0).source
    True
    """
    if tensor._ctx is None:
        raise ValueError("open_op: this tensor is a leaf (no op computed it); pass the "
                         "output of an op, e.g. the result of a conv")
    flat = _flat_index(tensor, index)
    tensors = graph_tensors(root)
    position = index_of(tensors).get(id(tensor))
    if position is None:
        raise ValueError("open_op: this tensor is not part of the graph of `root`")
    steps = record_backward(root) if steps is None else steps
    grads = gradients_by_id(steps)
    names = param_names(params)
    circuit = element_circuit(tensor, flat, grads, names, max_terms, depth)
    element = f"out[{_index_text(tensor.shape, flat)}]"
    title = f"{_op_title(tensor, names)} {element}"
    from .forward_graph import draw_graph

    g = draw_graph(root, params, show_tensors=False, show_grads=False, rankdir=direction,
                   collapse_depth=collapse_depth if params else None,
                   restyle=_Outline(tensor, element))
    holder = _holder(tensors, position, names, collapse_depth if params else None)
    if holder != f"op{position}":  # the op is inside a collapsed module: outline that
        g.node(holder, penwidth="3", color=HIGHLIGHT)
    with g.subgraph(name="cluster_opened") as box:
        box.attr(label=f"{title}, opened: the engine's values (black), gradients (red)",
                 style="rounded,dashed", color=HIGHLIGHT, fontcolor=HIGHLIGHT, fontsize="12")
        _draw_element(box, circuit)
    out_key = next(k for k, n in circuit.nodes.items() if n.kind == "output")
    g.edge(holder, out_key, style="dashed", color=HIGHLIGHT, arrowhead="none",
           constraint="false")
    return g


def _holder(tensors, position: int, names, depth: Optional[int]) -> str:
    """The node of the forward picture that stands for the op at `position`."""
    from .forward_graph import _module_id
    from .modules import assign_modules, collapse_to_depth

    if depth is None:
        return f"op{position}"
    module = collapse_to_depth(tensors, assign_modules(tensors, names), depth)
    owner = module.get(id(tensors[position]))
    return f"op{position}" if owner is None else _module_id(owner)


def _draw_element(g, circuit: Circuit) -> None:
    """The element's circuit, top to bottom, its products in a grid (rows of about √n,
    like the kernel window they come from), each product's first input (x) one rank above
    its second (w): readable at the page's width however many terms there are."""
    import math

    from .circuit import _node_attrs, _wire_attrs

    for node in circuit.nodes.values():
        g.node(node.key, **_node_attrs(node))
    first_of: Dict[str, str] = {}
    for wire in circuit.wires:
        first_of.setdefault(wire.dst, wire.src)
    fed: Dict[str, List[str]] = {}
    for w in circuit.wires:
        if circuit.nodes[w.src].label == "*":
            fed.setdefault(w.dst, []).append(w.src)
    top = max(fed, key=lambda k: len(fed[k]), default="")
    products = fed.get(top, [])
    per_row = max(2, math.ceil(math.sqrt(len(products))))
    rows = math.ceil(len(products) / per_row)
    for wire in circuit.wires:
        attrs = _wire_attrs(wire, circuit)
        if circuit.nodes[wire.dst].label == "*" and first_of[wire.dst] == wire.src:
            attrs["minlen"] = "2"
        if wire.dst == top and wire.src in products:
            row = products.index(wire.src) // per_row
            attrs["minlen"] = str(1 + 3 * (rows - 1 - row))
        g.edge(wire.src, wire.dst, **attrs)
    inputs_of: Dict[str, List[str]] = {}
    for wire in circuit.wires:
        inputs_of.setdefault(wire.dst, []).append(wire.src)
    for start in range(0, len(products), per_row):  # each row left to right, in the op's order
        row = products[start:start + per_row]
        for chain in (row, [inputs_of[k][0] for k in row], [inputs_of[k][-1] for k in row]):
            with g.subgraph() as same:
                same.attr(rank="same")
                for a, b in zip(chain, chain[1:]):
                    same.edge(a, b, style="invis")


def _flat_index(tensor, index) -> int:
    shape = tensor.shape
    if isinstance(index, (int, np.integer)):
        if not 0 <= index < tensor._data.size:
            raise IndexError(f"open_op: flat index {index} is out of range for shape {shape}")
        return int(index)
    index = tuple(int(i) for i in index)
    if len(index) != len(shape) or any(not 0 <= i < n for i, n in zip(index, shape)):
        raise IndexError(f"open_op: index {index} does not fit the tensor's shape {shape}")
    return int(np.ravel_multi_index(index, shape))


def _index_text(shape, flat: int) -> str:
    return ",".join(str(int(i)) for i in np.unravel_index(flat, shape)) if shape else ""


def _op_title(t, names: Dict[int, str]) -> str:
    """`conv2d (features.0)` when a parameter of the op is named, else `conv2d`."""
    owners = [names[id(p)].rsplit(".", 1)[0] for p in t._ctx.parents if id(p) in names]
    name = op_display_name(t._ctx.name)
    return f"{name} ({owners[0]})" if owners else name


def element_circuit(tensor, flat: int, grads: Dict[int, np.ndarray],
                    names: Dict[int, str], max_terms: int = 10, depth: int = 1) -> Circuit:
    """The scalar circuit of element `flat` of `tensor` (see the module doc), as data;
    depth: how many ops deep to open (2: also the ops that computed its inputs, e.g. a
    logit's linear and the max-pool under it); ops that only move data are seen through.

    >>> import tinygrad_cnn as tg
    >>> a = tg.tensor([2.0, 3.0], requires_grad=True); y = a * a
    >>> c = element_circuit(y, 1, gradients_by_id(record_backward(y.sum())), {})
    >>> sorted((w.value, w.grad) for w in c.wires)
    [(3.0, 3.0), (3.0, 3.0), (9.0, 1.0)]
    """
    g_out = grads.get(id(tensor))
    grad = None if g_out is None else float(g_out.flat[flat])
    drawing = _ElementDrawing(grads, names, max_terms)
    top = drawing.element(tensor, flat, grad, depth)
    out = drawing.node("out", "output")
    drawing.circuit.wires.append(Wire(top, out, float(tensor._data.flat[flat]), grad, 1.0))
    return drawing.circuit


#: ops whose output elements are input elements (their rule yields only `Ref`s)
_MOVES = ("Reshape", "Identity", "Cast", "Permute", "Expand", "Getitem")


def _item(tensor, flat: int):
    ctx = tensor._ctx
    return next(islice(expand(ctx, [p._data for p in ctx.parents], tensor._data), flat, None))


def _through_moves(tensor, flat: int):
    """The tensor and index an element really is, past reshapes, permutes, ..."""
    while tensor._ctx is not None and tensor._ctx.name in _MOVES:
        ref = _item(tensor, flat)
        tensor, flat = tensor._ctx.parents[ref.parent], ref.index
    return tensor, flat


class _ElementDrawing:
    def __init__(self, grads, names, max_terms: int):
        self.grads, self.names, self.max_terms = grads, names, max_terms
        self.circuit = Circuit()

    def node(self, label: str, kind: str, grad: Optional[float] = None,
             category: str = "arithmetic") -> str:
        key = f"e{len(self.circuit.nodes) + 1}"
        self.circuit.nodes[key] = CircuitNode(key, label, kind, category, grad,
                                              shared=kind == "input")
        return key

    def element(self, tensor, flat: int, grad: Optional[float], depth: int) -> str:
        """The node computing element `flat` of `tensor` (opened `depth` ops deep), or
        an input node for it; returns its key."""
        tensor, flat = _through_moves(tensor, flat)
        if tensor._ctx is None or depth <= 0:
            return self._input(tensor, flat)
        item = _item(tensor, flat)
        parents = tensor._ctx.parents
        if isinstance(item, Ref):
            return self.element(parents[item.parent], item.index, grad, depth)
        return self._term(item, parents, grad, depth, op_category(tensor._ctx.name))

    def _term(self, term: Term, parents, grad, depth: int, category: str) -> str:
        key = self.node(term.symbol, "op", category=category)
        for arg, local, value, label in self._kept(term, parents):
            share = None if grad is None or local is None else grad * local
            if arg is None:
                source = self.node(label, "input")
            elif isinstance(arg, Term):
                source = self._term(arg, parents, share, depth, category)
            else:
                source = self.element(parents[arg.parent], arg.index, share, depth - 1)
            self.circuit.wires.append(Wire(source, key, value, share, local))
        return key

    def _kept(self, term: Term, parents) -> List[Tuple[Optional[object], Optional[float],
                                                       float, str]]:
        """(arg, local, value, label) of the args drawn; past max_terms, the largest
        contributions |local · value| are kept and the others summed into one node
        (arg None) whose wire carries their sum (for + and mean)."""
        args = [(a, l, _value(a, parents)) for a, l in zip(term.args, term.local)]
        if len(args) <= self.max_terms:
            return [(a, l, v, "") for a, l, v in args]
        weight = [abs(l * v) + 1e-9 * abs(v) for _, l, v in args]
        keep = set(np.argsort(weight)[::-1][:self.max_terms - 1].tolist())
        rest = [args[i] for i in range(len(args)) if i not in keep]
        total = sum(l * v for _, l, v in rest) if term.symbol in ("+", "mean") else np.nan
        label = f"{len(rest)} more inputs" + (
            f"\n(sum {style.fmt_number(total)})" if np.isfinite(total) else "")
        kept = [(a, l, v, "") for i, (a, l, v) in enumerate(args) if i in keep]
        return kept + [(None, None, float(total), label)]

    def _input(self, tensor, flat: int) -> str:
        name = self.names.get(id(tensor))
        if name is None:
            name = "input" if tensor._ctx is None else op_display_name(tensor._ctx.name)
        label = f"{name}\n[{_index_text(tensor.shape, flat)}]" if tensor.shape else name
        g = self.grads.get(id(tensor))
        return self.node(label, "input", None if g is None else float(g.flat[flat]))


def _value(arg, parents) -> float:
    if isinstance(arg, Term):
        return arg.value
    return float(parents[arg.parent]._data.flat[arg.index])


class _Outline:
    """Outline the opened op in the big graph and say which element is opened."""

    def __init__(self, tensor, element: str):
        self.tensor, self.element = tensor, element

    def node(self, t, attrs: dict) -> dict:
        if t is not self.tensor:
            return attrs
        label = attrs["label"][:-1] + \
            f'<br/><font color="{HIGHLIGHT}">opened: {style.escape(self.element)}</font>>'
        return dict(attrs, label=label, penwidth="3", color=HIGHLIGHT)

    def legend(self, g: Picture) -> None:
        from .gradient_flow import add_to_legend

        add_to_legend(g, f'<tr><td>opened circuit: <font color="{style.GRAD_COLOUR}">red'
                         "</font>: gradient on each wire; total ∇: an input's gradient over "
                         "every output it feeds</td></tr>")
