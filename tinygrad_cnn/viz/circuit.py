"""The circuit view: a small computation expanded into scalar nodes, values and gradients
written on the wires (black forward value above, red gradient below), inputs on the left.

Where every number comes from:
- a wire leaving a tensor element (an input such as `x11`, or the output of an op such
  as a conv sum or a relu) carries that element of the engine's `tensor._data` (black);
- its red number is the element of the engine's `tensor.grad` when that element feeds a
  single node (then the wire's gradient and the tensor's gradient are the same thing);
  when it feeds several nodes (a filter weight used at every position), each wire gets
  its share, d loss/d node × d node/d element, and the shares add up to the engine's
  `.grad`, which is written in red on the input node itself;
- nodes inside an op (the products `w*x` inside a conv or matmul) are not engine
  tensors: their value is the product of the engine's input values, and the gradient on
  the wire out of them is the engine's gradient of the op's output element (d sum/d
  product = 1); the wires into a `*` carry that gradient times the other factor.
The engine's gradients come from its own backward: either you ran it after
`viz.retain_all_grads(loss)`, or draw_circuit runs it for you on a fresh graph.

Routing is drawn, not just numbered: a wire into `relu` whose value is not positive is
dashed and grey (relu passes no gradient back: "blocked"); into `max`, the winning wire is
bold and the losers dotted grey with their 0. Each node's inputs are laid out in the
order the op reads them (row-major positions, then x before w inside a product).
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Dict, List, Optional, Tuple

import numpy as np

from . import style
from .op_labels import op_category
from .picture import Picture
from ..ops.circuit import Ref, Term, expand, node_per_element
from .walk import graph_tensors, is_scalar_constant, retain_all_grads

if TYPE_CHECKING:
    from ..tensor import Tensor

DEFAULT_MAX_NODES = 500


@dataclass
class CircuitNode:
    """One scalar node of a `Circuit`: an input element, a scalar op, or the output.

    >>> from tinygrad_cnn import Tensor
    >>> a = Tensor([2.0, 3.0], requires_grad=True)
    >>> circuit = build_circuit((a * a).sum(), names={"a": a})
    >>> sorted({(n.label, n.kind) for n in circuit.nodes.values()})
    [('*', 'op'), ('+', 'op'), ('a1', 'input'), ('a2', 'input'), ('loss', 'output')]
    """
    key: str
    label: str                      # x11, *, +, relu, loss ...
    kind: str                       # "input", "op" or "output"
    category: str = "arithmetic"    # colour family of the tensor op it comes from
    grad: Optional[float] = None    # inputs: the engine's .grad of that element
    group: str = ""                 # nodes of one conv/matmul output element: drawn boxed
    shared: bool = False            # a copy of an input used by several nodes


@dataclass
class Wire:
    """An edge from node `src` to node `dst`: the forward `value` it carries and the
    gradient (`grad`) flowing back along it.

    >>> from tinygrad_cnn import Tensor
    >>> a = Tensor([2.0, 3.0], requires_grad=True)
    >>> circuit = build_circuit((a * a).sum(), names={"a": a})
    >>> [(w.value, w.grad) for w in circuit.wires if circuit.nodes[w.dst].kind == "output"]
    [(13.0, 1.0)]
    """
    src: str
    dst: str
    value: float
    grad: Optional[float]
    local: Optional[float] = None   # d dst / d src: 0 where relu blocks or max loses


@dataclass
class Circuit:
    """The scalar graph: nodes by key, and the wires between them.

    >>> from tinygrad_cnn import Tensor
    >>> a = Tensor([2.0, 3.0], requires_grad=True)
    >>> circuit = build_circuit((a * a).sum(), names={"a": a})
    >>> len(circuit.nodes), len(circuit.wires)
    (8, 7)
    """
    nodes: Dict[str, CircuitNode] = field(default_factory=dict)
    wires: List[Wire] = field(default_factory=list)


@dataclass
class _Source:
    """What drives a wire: a node, and the engine tensor element it stands for (if any)."""
    key: str
    value: float
    tensor: Optional["Tensor"] = None
    index: int = 0
    share: Optional[float] = None    # inner nodes: their gradient


def draw_circuit(tensor: "Tensor", names: Optional[Dict[str, "Tensor"]] = None, *,
                 max_nodes: int = DEFAULT_MAX_NODES, show_grads: bool = True,
                 copy_inputs: bool = True, direction: str = "auto",
                 rankdir: Optional[str] = None, legend: bool = True) -> Picture:
    """Draw a small computation as a circuit of scalar operations.

    names: labels for input tensors, e.g. `{'x': x, 'w': w}` gives x11, x12, ..., w11.
    Refuses (ValueError) when the circuit would exceed `max_nodes` scalar nodes.
    copy_inputs: draw an input used by several nodes (a filter weight) once per use, each
    copy showing the input's total gradient and its wire that use's share; False draws it
    once, with all its wires fanning out. direction: 'auto' (from the circuit's shape),
    'LR' or 'TB'; rankdir: the same in graphviz's words (wins). legend: explain the
    colours, the numbers and the wire styles under the picture.

    >>> from tinygrad_cnn import Tensor
    >>> a = Tensor([2.0], requires_grad=True)
    >>> g = draw_circuit((a * a).sum(), names={"a": a})
    >>> "4" in g.source and a.grad.item() == 4.0
    True
    """
    circuit = build_circuit(tensor, names, max_nodes=max_nodes, show_grads=show_grads,
                            copy_inputs=copy_inputs)
    return render_circuit(circuit, direction=rankdir or direction, legend=legend)


def build_circuit(tensor: "Tensor", names: Optional[Dict[str, "Tensor"]] = None, *,
                  max_nodes: int = DEFAULT_MAX_NODES, show_grads: bool = True,
                  copy_inputs: bool = True) -> Circuit:
    """The scalar graph behind `draw_circuit`, as data (see the module doc for where each
    number comes from).

    >>> from tinygrad_cnn import Tensor
    >>> a = Tensor([2.0, 3.0], requires_grad=True)
    >>> circuit = build_circuit((a * a).sum(), names={"a": a})
    >>> [(n.label, n.grad) for n in circuit.nodes.values() if n.kind == "input"][::2]
    [('a1', 4.0), ('a2', 6.0)]
    """
    return _Builder(tensor, names or {}, max_nodes, show_grads, copy_inputs).build()


class _Builder:
    def __init__(self, root, names, max_nodes, show_grads, copy_inputs):
        self.root, self.max_nodes, self.show_grads = root, max_nodes, show_grads
        self.copy_inputs = copy_inputs
        self.copied: Dict[str, CircuitNode] = {}
        self.made = 0
        self.tensors = graph_tensors(root)
        self.names = {id(t): name for name, t in names.items()}
        self.circuit = Circuit()
        self.sources: Dict[Tuple[int, int], _Source] = {}
        self.pending: List[Tuple[_Source, str, Optional[float], Optional[float]]] = []

    def build(self) -> Circuit:
        self._check_size_lower_bound()
        if self.show_grads:
            _ensure_grads(self.root, self.tensors)
        self._name_unnamed_leaves()
        for t in self.tensors:
            if t._ctx is not None:
                self._expand_op(t)
        self._connect_output()
        self._finish_wires()
        return self.circuit

    # ----- size guard --------------------------------------------------------------------------
    def _check_size_lower_bound(self) -> None:
        """Ops that always give one node per output element: refuse before any work."""
        at_least = sum(t._data.size for t in self.tensors
                       if t._ctx is not None and node_per_element(t._ctx.name))
        if at_least > self.max_nodes:
            self._refuse(f"at least {at_least}")

    def _refuse(self, how_many: str) -> None:
        raise ValueError(
            f"draw_circuit: this computation would need {how_many} scalar nodes, more than "
            f"max_nodes={self.max_nodes}. The circuit view is for small computations (like "
            "viz.examples.blog_circuit()); use draw_graph for this one, or pass a larger "
            "max_nodes.")

    def _new_node(self, label: str, kind: str, category: str = "arithmetic",
                  grad: Optional[float] = None, group: str = "") -> str:
        if len(self.circuit.nodes) >= self.max_nodes:
            self._refuse(f"more than {self.max_nodes}")
        self.made += 1  # keys never reused, even after an input is replaced by its copies
        key = f"n{self.made}"
        self.circuit.nodes[key] = CircuitNode(key, label, kind, category, grad, group)
        return key

    # ----- inputs ------------------------------------------------------------------------------
    def _name_unnamed_leaves(self) -> None:
        letters = (c for c in "abcdefghijklmnopqrstuvuvwxyz" if c not in self.names.values())
        for t in self.tensors:
            if t._ctx is None and id(t) not in self.names and not is_scalar_constant(t):
                self.names[id(t)] = next(letters, f"in{len(self.names)}")

    def _is_folded(self, t) -> bool:
        return is_scalar_constant(t) and id(t) not in self.names

    def _source(self, t, index: int) -> _Source:
        """The node that holds element `index` of `t` (inputs are created when first used)."""
        key = (id(t), index)
        if key not in self.sources:
            label = (style.fmt_number(t._data.reshape(())) if self._is_folded(t)
                     else element_name(self.names[id(t)], t.shape, index))
            grad = _element(t.grad, index) if self.show_grads else None
            node = self._new_node(label, "input", grad=grad)
            self.sources[key] = _Source(node, float(t._data.flat[index]), t, index)
        return self.sources[key]

    # ----- ops ---------------------------------------------------------------------------------
    def _expand_op(self, t) -> None:
        ctx = t._ctx
        parents = ctx.parents
        category = op_category(ctx.name)
        for o, item in enumerate(expand(ctx, [p._data for p in parents], t._data)):
            if isinstance(item, Ref):
                self.sources[(id(t), o)] = self._source(parents[item.parent], item.index)
                continue
            grad = _element(t.grad, o) if self.show_grads else None
            group = f"{id(t)}:{o}" if any(isinstance(a, Term) for a in item.args) else ""
            node = self._add_term(item, parents, category, grad, group)
            self.sources[(id(t), o)] = _Source(node, float(t._data.flat[o]), t, o)

    def _add_term(self, term: Term, parents, category: str, grad: Optional[float],
                  group: str) -> str:
        symbol, args = self._fold_constants(term, parents)
        node = self._new_node(symbol, "op", category, group=group)
        for arg, local in args:
            share = None if grad is None else grad * local
            if isinstance(arg, Term):
                inner = self._add_term(arg, parents, category, share, group)
                source = _Source(inner, arg.value, share=share)
            else:
                source = self._source(parents[arg.parent], arg.index)
            self.pending.append((source, node, share, local))
        return node

    def _fold_constants(self, term: Term, parents) -> Tuple[str, list]:
        """Write scalar constants into the symbol: `x ** 2` draws as one `^2` node."""
        symbol, args = term.symbol, []
        for position, (arg, local) in enumerate(zip(term.args, term.local)):
            if isinstance(arg, Ref) and self._is_folded(parents[arg.parent]):
                c = style.fmt_number(parents[arg.parent]._data.reshape(()))
                symbol = f"{c}{symbol}" if position == 0 else f"{symbol}{c}"
            else:
                args.append((arg, local))
        return symbol, args

    def _copy_input(self, source: _Source, group: str) -> _Source:
        """A separate node for one use of an input, so each filter position reads on its
        own; the copy still shows the input's total gradient."""
        original = self.circuit.nodes.pop(source.key, None) or self.copied[source.key]
        self.copied[source.key] = original
        key = self._new_node(original.label, "input", grad=original.grad, group=group)
        self.circuit.nodes[key].shared = True
        return _Source(key, source.value, source.tensor, source.index, source.share)

    # ----- wires -------------------------------------------------------------------------------
    def _connect_output(self) -> None:
        out = self._new_node("loss" if self.root._data.size == 1 else "output", "output")
        for o in range(self.root._data.size):
            seed = _element(self.root.grad, o) if self.show_grads else None
            self.pending.append((self.sources[(id(self.root), o)], out, seed, 1.0))

    def _finish_wires(self) -> None:
        uses = Counter(source.key for source, _, _, _ in self.pending)
        for source, dst, share, local in self.pending:
            grad = share
            if self.copy_inputs and uses[source.key] > 1 and source.tensor is not None \
                    and source.tensor._ctx is None:
                source = self._copy_input(source, self.circuit.nodes[dst].group)
            elif source.key in self.circuit.nodes and source.tensor is not None \
                    and source.tensor._ctx is None:
                self.circuit.nodes[source.key].group = self.circuit.nodes[dst].group
            if source.tensor is not None:
                if not source.tensor.requires_grad:
                    grad = None
                elif uses[source.key] == 1 and self.show_grads:
                    grad = _element(source.tensor.grad, source.index)  # the engine's own
            self.circuit.wires.append(Wire(source.key, dst, source.value, grad, local))


def _element(grad, index: int) -> Optional[float]:
    return None if grad is None else float(grad._data.flat[index])


def element_name(name: str, shape: Tuple[int, ...], index: int) -> str:
    """`x` + 1-based indices over the non-singleton dims: element 4 of a 3×3 `x` is `x22`.

    >>> element_name("x", (1, 1, 3, 3), 4), element_name("b", (1,), 0), element_name("v", (12,), 10)
    ('x22', 'b', 'v11')
    """
    position = np.unravel_index(index, shape) if shape else ()
    digits = [str(i + 1) for i, n in zip(position, shape) if n != 1]
    sep = "," if any(len(d) > 1 for d in digits) and len(digits) > 1 else ""
    return name + sep.join(digits)


def _ensure_grads(root, tensors) -> None:
    """Use the engine's gradients as they are, or run the engine's backward to get them."""
    needs = [t for t in tensors if t.requires_grad]
    if not needs:
        raise ValueError("draw_circuit: nothing in this computation requires grad, so there "
                         "are no gradients to draw; pass show_grads=False to draw values only")
    if all(t.grad is not None for t in needs):
        return
    if any(t.grad is not None for t in needs):
        raise ValueError(
            "draw_circuit: some tensors of this graph have a .grad and others do not (backward "
            "ran without retaining intermediate gradients). Call "
            "tinygrad_cnn.viz.retain_all_grads(loss) before loss.backward(), or pass a fresh "
            "graph and draw_circuit will run backward itself.")
    if root._data.size != 1:
        raise ValueError(f"draw_circuit: the output has shape {root.shape}; backward needs a "
                         "single-element output (e.g. a loss)")
    retain_all_grads(root)
    root.backward()


def render_circuit(circuit: Circuit, direction: str = "auto", legend: bool = True,
                   restyle=None) -> Picture:
    """Lay a `Circuit` out: inputs, scalar ops, then the loss. restyle: an object whose
    `node(node, attrs)` and `wire(wire, attrs)` return the attributes to draw with (the
    step-by-step frames use it); None draws as is.

    >>> from tinygrad_cnn import Tensor
    >>> a = Tensor([2.0, 3.0], requires_grad=True)
    >>> circuit = build_circuit((a * a).sum(), names={"a": a})
    >>> g = render_circuit(circuit); g.name, "13" in g.source
    ('circuit', True)
    """
    g = style.new_digraph("circuit", nodesep="0.1", ranksep="0.3")
    g.edge_attr["fontsize"] = "10"
    groups: Dict[str, List[CircuitNode]] = {}
    for node in circuit.nodes.values():
        groups.setdefault(node.group, []).append(node)
    for name, nodes in groups.items():
        if not name:
            for node in nodes:
                g.node(node.key, **_restyled_node(restyle, node))
            continue
        with g.subgraph(name=f"cluster_{len(g.body)}") as box:
            box.attr(style="rounded,filled", color="#C9D6EA", fillcolor="#F6F9FE", label="")
            for node in nodes:
                box.node(node.key, **_restyled_node(restyle, node))
            _keep_in_order(box, circuit, name)
    _keep_in_order(g, circuit, "")
    for wire in circuit.wires:
        attrs = _wire_attrs(wire, circuit)
        g.edge(wire.src, wire.dst, **(restyle.wire(wire, attrs) if restyle else attrs))
    if legend:
        has_grads = any(w.grad is not None for w in circuit.wires)
        style.add_legend(g, [n.category for n in circuit.nodes.values() if n.kind == "op"]
                         + ["param", "input"], grads=has_grads)
        g.graph_attr["label"] = _routing_legend(g.graph_attr["label"], circuit)
    return g.set_direction(direction)


def _restyled_node(restyle, node: CircuitNode) -> dict:
    attrs = _node_attrs(node)
    return restyle.node(node, attrs) if restyle else attrs


def _keep_in_order(g: Picture, circuit: Circuit, group: str) -> None:
    """Lay the inputs of each node out in the order the op reads them (row-major
    positions; x before w): siblings of one kind are chained by invisible same-rank edges."""
    sources: Dict[str, List[str]] = {}
    for wire in circuit.wires:
        sources.setdefault(wire.dst, []).append(wire.src)
    for dst, keys in sources.items():
        siblings: Dict[Tuple[str, str], List[str]] = {}
        for key in dict.fromkeys(keys):
            node = circuit.nodes[key]
            if node.group == group and node.kind != "output":
                siblings.setdefault((node.kind, node.label if node.kind == "op" else ""),
                                    []).append(key)
        for chain in siblings.values():
            if group:
                chain.reverse()  # inside a cluster dot stacks a flat chain bottom-up in LR
            if len(chain) > 1:
                with g.subgraph() as row:
                    row.attr(rank="same")
                    for a, b in zip(chain, chain[1:]):
                        row.edge(a, b, style="invis")


#: gates whose local derivative routes the gradient: 0 means none passes
_ROUTERS = ("relu", "max", "min")


def _wire_attrs(wire: Wire, circuit: Circuit) -> dict:
    """Label (value black, gradient red) and line style of a wire (see the module doc)."""
    src, dst = circuit.nodes[wire.src], circuit.nodes[wire.dst]
    lines = [(style.fmt_number(wire.value), style.VALUE_COLOUR)]
    if wire.grad is not None:
        lines.append((style.fmt_number(wire.grad), style.GRAD_COLOUR))
    attrs = {}
    tip = f"{src.label} → {dst.label}: value {style.fmt_number(wire.value)}"
    if wire.grad is not None:
        tip += f", gradient {style.fmt_number(wire.grad)}"
    if dst.label in ("max", "min"):
        attrs["minlen"] = "2"  # room for the labels of the wires meeting there
    if dst.label in _ROUTERS and wire.local is not None:
        if wire.local == 0 and dst.label == "relu":
            lines.append(("blocked", style.MUTED_COLOUR))
            attrs.update(style="dashed", color="#AAAAAA", penwidth="1.5")
            tip += " (relu input ≤ 0: relu passes no gradient back)"
        elif wire.local == 0:
            attrs.update(style="dotted", color="#AAAAAA", penwidth="1.5")
            tip += f" (not the {dst.label}: no gradient)"
        elif dst.label != "relu":
            attrs.update(penwidth="2.8", color="#222222")
            tip += f" (the {dst.label}: the gradient goes here)"
    return dict(label=style.html_lines(*lines), tooltip=tip, **attrs)


def _routing_legend(label: str, circuit: Circuit) -> str:
    """Add to the legend what the wire styles of relu and max mean, if they appear."""
    ops = {n.label for n in circuit.nodes.values()}
    notes = []
    if "relu" in ops:
        notes.append("dashed grey into relu: blocked (input ≤ 0, gradient 0)")
    if ops & {"max", "min"}:
        notes.append("bold into max: the winner gets the gradient; dotted: the others get 0")
    if not notes:
        return label
    row = f"<tr><td>{'; '.join(notes)}</td></tr>"
    return label.replace("</table>>", row + "</table>>", 1)  # the outer table's end


def _node_attrs(node: CircuitNode) -> dict:
    if node.kind == "input":
        total = "total ∇" if node.shared else "∇"
        grad = None if node.grad is None else (f"{total} {style.fmt_number(node.grad)}",
                                                style.GRAD_COLOUR)
        fill = style.INPUT_FILL if node.grad is None else style.PARAM_FILL
        tip = node.label + ("" if node.grad is None else
                            f": {'total ' if node.shared else ''}gradient "
                            f"{style.fmt_number(node.grad)}"
                            + (" (the sum of its copies' wires)" if node.shared else ""))
        return dict(label=style.html_lines(node.label, grad, bold_first=True), shape="box",
                    style="rounded,filled", fillcolor=fill, margin="0.06,0.02", fontsize="10",
                    tooltip=tip)
    if node.kind == "output":
        return dict(label=style.html_lines(node.label, bold_first=True), shape="doublecircle",
                    style="filled", fillcolor=style.CATEGORY_FILL["loss"], fontsize="10",
                    width="0.5", fixedsize="true")
    if len(node.label) > 4:  # log softmax, nll·2: an ellipse wide enough for the name
        return dict(label=node.label.replace(" ", "\n"), shape="ellipse", style="filled",
                    fontsize="9", margin="0.02,0.01", height="0.42",
                    fillcolor=style.CATEGORY_FILL[node.category], ordering="in")
    return dict(label=node.label, shape="circle", style="filled", width="0.42",
                fixedsize="true", fontsize="11" if len(node.label) <= 2 else "9",
                fillcolor=style.CATEGORY_FILL[node.category], ordering="in")
