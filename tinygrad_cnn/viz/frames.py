"""Step-by-step backprop: one picture per step of the engine's backward, in the order the
engine actually visits the tensors (recorded from the engine by `record_backward`, not
re-derived). In frame k the tensor being processed is outlined in orange, the gradients
known so far are written in red, and those not computed yet are absent (drawn invisibly,
so the layout stays still from frame to frame).

`backprop_frames(loss)` draws the tensor graph (the backward view); with
`view="circuit"` the scalar circuit (each frame lights up the scalar nodes of the op
being processed). Export with `.write_gif(path)` or `.write_svgs(folder)`; in Jupyter a
slider shows one frame at a time when ipywidgets is installed (the `widgets` extra),
else the frames are shown as a static strip.

>>> from tinygrad_cnn import Tensor
>>> x = Tensor([1.0, -2.0], requires_grad=True)
>>> frames = backprop_frames((x * 3.0).relu().sum())
>>> len(frames), frames.captions[0].split(":")[0], frames.names
(4, 'step 1 of 4', ['SumBackward', 'ReLUBackward', 'MulBackward', 'AccumulateGrad'])
"""
from __future__ import annotations

import io
from contextlib import contextmanager
from html import escape
from pathlib import Path
from typing import TYPE_CHECKING, Dict, Iterator, List, Optional

from ..atomic import write_atomically
from . import style
from .backward_graph import Restyle, draw_backward
from .circuit import _Builder, render_circuit
from .gradient_flow import add_to_legend
from .picture import PAGE_PX, Picture
from .recorder import Step, gradients_by_id, record_backward

if TYPE_CHECKING:
    from ..tensor import Tensor

#: the outline of the node being processed
CURRENT_COLOUR = "#E67E22"
_HIDDEN = "#FFFFFF"
VIEWS = ("graph", "circuit")


class Frames:
    """The frames of one backward pass: `pictures[k]` and `captions[k]` for step k.

    >>> from tinygrad_cnn import Tensor
    >>> w = Tensor([2.0], requires_grad=True)
    >>> frames = backprop_frames((w * w).sum())
    >>> isinstance(frames[0], Picture), "<svg" in frames.svgs()[0]
    (True, True)
    """

    def __init__(self, pictures: List[Picture], captions: List[str], steps: List[Step]):
        self.pictures, self.captions, self.steps = pictures, captions, steps

    @property
    def names(self) -> List[str]:
        return [s.name for s in self.steps]

    def __len__(self) -> int:
        return len(self.pictures)

    def __getitem__(self, k: int) -> Picture:
        return self.pictures[k]

    def svgs(self) -> List[str]:
        """Each frame as SVG text (with hover tooltips)."""
        return [p.svg() for p in self.pictures]

    def write_svgs(self, folder) -> List[Path]:
        """Write frame_001.svg, frame_002.svg, ... into `folder` (atomically each).

        >>> import tempfile; from tinygrad_cnn import Tensor
        >>> w = Tensor([2.0], requires_grad=True)
        >>> [p.name for p in backprop_frames((w * w).sum()).write_svgs(tempfile.mkdtemp())]
        ['frame_001.svg', 'frame_002.svg', 'frame_003.svg']
        """
        folder = Path(folder)
        return [p.write(folder / f"frame_{k:03d}.svg") for k, p in enumerate(self.pictures, 1)]

    def gif_bytes(self, *, seconds_per_frame: float = 1.2, width: int = PAGE_PX) -> bytes:
        """The frames as an animated GIF, each scaled to at most `width` px and padded to
        one size. Needs Pillow (installed with matplotlib).

        >>> from tinygrad_cnn import Tensor
        >>> w = Tensor([2.0], requires_grad=True)
        >>> backprop_frames((w * w).sum()).gif_bytes()[:6]
        b'GIF89a'
        """
        from PIL import Image

        images = [Image.open(io.BytesIO(p.pipe(format="png"))).convert("RGB")
                  for p in self.pictures]
        scale = min(1.0, width / max(im.width for im in images))
        size = (round(max(im.width for im in images) * scale),
                round(max(im.height for im in images) * scale))
        canvases = []
        for im in images:
            im = im.resize((max(1, round(im.width * scale)), max(1, round(im.height * scale))),
                           Image.LANCZOS)
            canvas = Image.new("RGB", size, "white")
            canvas.paste(im, ((size[0] - im.width) // 2, 0))
            canvases.append(canvas)
        # one palette from every frame (so the red of the gradients survives), no
        # dithering: unchanged regions stay identical, and the GIF stores little else
        sheet = Image.new("RGB", (size[0], size[1] * len(canvases)))
        for k, canvas in enumerate(canvases):
            sheet.paste(canvas, (0, size[1] * k))
        palette = sheet.quantize(colors=128, method=Image.Quantize.FASTOCTREE)
        frames = [c.quantize(palette=palette, dither=Image.Dither.NONE) for c in canvases]
        out = io.BytesIO()
        frames[0].save(out, save_all=True, append_images=frames[1:], loop=0, optimize=True,
                       duration=round(seconds_per_frame * 1000), format="GIF")
        return out.getvalue()

    def write_gif(self, path, *, seconds_per_frame: float = 1.2, width: int = PAGE_PX) -> Path:
        """Write `gif_bytes(...)` to `path`, atomically.

        >>> import tempfile; from tinygrad_cnn import Tensor
        >>> w = Tensor([2.0], requires_grad=True)
        >>> out = backprop_frames((w * w).sum()).write_gif(Path(tempfile.mkdtemp()) / "b.gif")
        >>> from PIL import Image; Image.open(out).n_frames
        3
        """
        data = self.gif_bytes(seconds_per_frame=seconds_per_frame, width=width)
        return write_atomically(path, data)

    def animation(self, *, seconds_per_frame: float = 1.2, width: int = PAGE_PX) -> "Animation":
        """The GIF, shown inline by Jupyter at most the cell's width (needs no widget).

        >>> from tinygrad_cnn import Tensor
        >>> w = Tensor([2.0], requires_grad=True)
        >>> "image/gif;base64" in backprop_frames((w * w).sum()).animation()._repr_html_()
        True
        """
        return Animation(self.gif_bytes(seconds_per_frame=seconds_per_frame, width=width))

    def strip_html(self, columns: int = 2) -> str:
        """Every frame, small, `columns` to a row (the static strip), each with its caption.

        >>> from tinygrad_cnn import Tensor
        >>> w = Tensor([2.0], requires_grad=True)
        >>> backprop_frames((w * w).sum()).strip_html().count("<svg")
        3
        """
        width = f"calc({100 / columns:.3f}% - 8px)"
        cells = "".join(
            f'<div style="width:{width};margin:4px;font-size:12px">'
            f"<div><b>{escape(caption)}</b></div>{picture._repr_html_()}</div>"
            for picture, caption in zip(self.pictures, self.captions))
        return f'<div style="display:flex;flex-wrap:wrap;max-width:100%">{cells}</div>'

    def _repr_html_(self) -> str:
        return self.strip_html()

    def _ipython_display_(self) -> None:
        from IPython.display import HTML, display

        try:
            import ipywidgets as widgets
        except ImportError:  # the `widgets` extra is not installed: a static strip
            display(HTML(self.strip_html()))
            return
        display(self.slider(widgets))

    def slider(self, widgets=None):
        """An ipywidgets slider over the frames (needs the `widgets` extra)."""
        if widgets is None:
            import ipywidgets as widgets
        view = widgets.HTML(self._frame_html(0))
        slider = widgets.IntSlider(value=1, min=1, max=len(self), description="step",
                                   continuous_update=True)
        slider.observe(lambda change: setattr(view, "value", self._frame_html(change["new"] - 1)),
                       names="value")
        return widgets.VBox([slider, view])

    def _frame_html(self, k: int) -> str:
        return f"<div><b>{escape(self.captions[k])}</b></div>{self.pictures[k]._repr_html_()}"


class Animation:
    """An animated GIF that shows inline in Jupyter, never wider than its cell."""

    def __init__(self, gif: bytes):
        self.gif = gif

    def _repr_html_(self) -> str:
        import base64

        data = base64.b64encode(self.gif).decode("ascii")
        return f'<img style="max-width:100%;height:auto" src="data:image/gif;base64,{data}"/>'


def backprop_frames(loss: "Tensor", params: Optional[Dict[str, "Tensor"]] = None, *,
                    view: str = "graph", names: Optional[Dict[str, "Tensor"]] = None,
                    direction: str = "auto", max_nodes: int = 500) -> Frames:
    """Run `loss.backward()` (leaves get `.grad` as usual; nothing else is left on the
    graph) and draw one frame per step the engine takes, in its order (see module doc).

    params: names for the graph view's leaves (`dict(model.named_parameters())`).
    view: 'graph' (tensor ops) or 'circuit' (scalar nodes; names: as in `draw_circuit`).
    direction: 'auto' (chosen once, from the complete picture), 'TB' or 'LR'.

    >>> from tinygrad_cnn import Tensor
    >>> a = Tensor([2.0, 3.0], requires_grad=True)
    >>> frames = backprop_frames((a * a).sum(), view="circuit", names={"a": a})
    >>> len(frames), "a1" in frames[0].source
    (3, True)
    """
    if view not in VIEWS:
        raise ValueError(f"view must be one of {VIEWS}, got {view!r}")
    steps = record_backward(loss)
    captions = [_caption(s, len(steps)) for s in steps]
    if view == "graph":
        pictures = _graph_frames(loss, params, steps, direction)
    else:
        pictures = _circuit_frames(loss, names or {}, steps, direction, max_nodes)
    for picture, caption in zip(pictures, captions):
        add_to_legend(picture, f"<tr><td><b>{escape(caption)}</b></td></tr>")
    return Frames(pictures, captions, steps)


def _caption(step: Step, total: int) -> str:
    what = ("adds it into .grad" if step.tensor._ctx is None
            else "passes it back to its inputs")
    return (f"step {step.index + 1} of {total}: {step.name} has its whole gradient "
            f"(‖∇‖ {style.fmt_number(step.norm)}) and {what}")


# ----- the tensor graph ------------------------------------------------------------------------
def _graph_frames(loss, params, steps: List[Step], direction: str) -> List[Picture]:
    grads = gradients_by_id(steps)
    whole = draw_backward(loss, params, grads=grads, direction=direction)
    rankdir = whole.graph_attr["rankdir"]
    return [draw_backward(loss, params, grads=grads, rankdir=rankdir,
                          restyle=_GraphFrame(steps, k)) for k in range(len(steps))]


class _GraphFrame(Restyle):
    """Frame k: tensors visited at steps <= k know their gradient; step k is outlined."""

    def __init__(self, steps: List[Step], k: int):
        self.step = {id(s.tensor): s.index for s in steps}
        self.k, self.current = k, steps[k].tensor

    def _known(self, t) -> bool:
        return self.step.get(id(t), len(self.step)) <= self.k

    def node(self, t, attrs: dict) -> dict:
        if not self._known(t):
            attrs = dict(attrs, label=_hide_grads(attrs["label"], attrs["fillcolor"]),
                         fontcolor="#999999")
        if t is self.current:
            attrs = dict(attrs, penwidth="3.5", color=CURRENT_COLOUR)
        return attrs

    def edge(self, t, parent, attrs: dict) -> dict:
        if not self._known(t):  # t has not sent its inputs their gradients yet
            return dict(attrs, label=_hide_grads(attrs["label"]), color="#CCCCCC")
        if t is self.current:
            return dict(attrs, color=style.GRAD_COLOUR, penwidth="2.5")
        return attrs


def _hide_grads(label: str, background: str = _HIDDEN) -> str:
    """The label with its red gradient text in the background colour: not shown, but
    taking its place, so the layout does not move between frames."""
    return label.replace(f'color="{style.GRAD_COLOUR}"', f'color="{background}"')


# ----- the scalar circuit ----------------------------------------------------------------------
def _circuit_frames(loss, names, steps: List[Step], direction: str,
                    max_nodes: int) -> List[Picture]:
    with _gradients_on(steps):
        builder = _Builder(loss, names, max_nodes, True, True)
        circuit = builder.build()
    owner = _owners(builder)
    whole = render_circuit(circuit, direction=direction)
    rankdir = whole.graph_attr["rankdir"]
    index = {id(s.tensor): s.index for s in steps}
    return [render_circuit(circuit, direction=rankdir,
                           restyle=_CircuitFrame(owner, index, steps[k].tensor, k))
            for k in range(len(steps))]


@contextmanager
def _gradients_on(steps: List[Step]) -> Iterator[None]:
    """Lend each intermediate tensor its recorded gradient as `.grad` while the circuit is
    built, then take it back (the user's graph is left as backward left it)."""
    from ..tensor import Tensor

    lent = [s.tensor for s in steps if s.tensor._ctx is not None and s.tensor.grad is None]
    try:
        for s in steps:
            if s.tensor._ctx is not None and s.tensor.grad is None:
                s.tensor.grad = Tensor._wrap(s.grad, False)
        yield
    finally:
        for t in lent:
            t.grad = None


def _owners(builder) -> Dict[str, int]:
    """The id of the tensor each circuit node belongs to: the op output it computes (or
    is inside of), or the leaf it is an element of."""
    owner: Dict[str, int] = {}
    for (tensor_id, _), source in builder.sources.items():
        owner.setdefault(source.key, tensor_id)  # first: the op that made it, not an alias
    leaf_of = {name: tid for tid, name in builder.names.items()}
    for key, node in builder.circuit.nodes.items():
        if node.group and node.kind == "op":
            owner[key] = int(node.group.split(":")[0])
        elif node.kind == "input" and key not in owner:
            name = max((n for n in leaf_of if node.label.startswith(n)), key=len, default=None)
            if name is not None:
                owner[key] = leaf_of[name]
    return owner


class _CircuitFrame:
    """Frame k of the circuit: a wire's gradient is known once the op it enters has been
    processed; a node is outlined when its tensor is the one being processed."""

    def __init__(self, owner: Dict[str, int], index: Dict[int, int], current, k: int):
        self.owner, self.index, self.current, self.k = owner, index, id(current), k

    def _step(self, key: str) -> int:
        return self.index.get(self.owner.get(key, -1), 0 if key not in self.owner else 10**9)

    def node(self, node, attrs: dict) -> dict:
        if node.kind == "input" and self._step(node.key) > self.k:
            attrs = dict(attrs, label=_hide_grads(attrs["label"], attrs["fillcolor"]))
        if self.owner.get(node.key) == self.current:
            attrs = dict(attrs, penwidth="3.5", color=CURRENT_COLOUR)
        return attrs

    def wire(self, wire, attrs: dict) -> dict:
        dst = self.owner.get(wire.dst)
        step = 0 if dst is None else self.index.get(dst, 10**9)
        if step > self.k:
            return dict(attrs, label=_hide_grads(attrs["label"]))
        if dst == self.current and wire.local != 0:  # a blocked or losing wire stays grey
            return dict(attrs, color=style.GRAD_COLOUR, penwidth="2.2")
        return attrs
