"""Matplotlib pictures of arrays and of a CNN's shape: number grids (heatmaps with every
value written in) and a network drawn as feature-map volumes (channels × height × width
per layer, measured on a real forward pass), the way CNN lectures draw LeNet.

>>> import numpy as np
>>> import matplotlib.pyplot as plt
>>> fig, ax = plt.subplots(); heatmap(ax, np.eye(2), "I")
>>> ax.get_title(), len(ax.texts)
('I', 4)
"""
from __future__ import annotations

from typing import List, Optional, Tuple

import numpy as np

from .style import fmt_number


def heatmap(ax, array, title: Optional[str] = None, *, numbers: bool = True,
            cmap: str = "RdBu_r", symmetric: bool = True, marks=None) -> None:
    """Draw a 2-D array as coloured cells, each with its value (up to 12×12).

    symmetric: centre the colours on 0 (red positive, blue negative). marks: a boolean
    array of cells to outline (e.g. max-pool winners)."""
    a = np.asarray(getattr(array, "_data", array), dtype=np.float64)
    a = a.reshape(a.shape[-2:]) if a.ndim > 2 else a.reshape(a.shape[0] if a.ndim else 1, -1)
    limit = float(np.abs(a).max()) or 1.0
    low, high = (-limit, limit) if symmetric else (float(a.min()), float(a.max()))
    image = ax.imshow(a, cmap=cmap, vmin=low, vmax=high if high > low else low + 1)
    if numbers and a.shape[0] <= 12 and a.shape[1] <= 12:
        size = 9 if max(a.shape) <= 7 else 7
        for (i, j), v in np.ndenumerate(a):
            r, g, b, _ = image.cmap(image.norm(v))
            dark = 0.299 * r + 0.587 * g + 0.114 * b < 0.5  # white text on dark cells
            ax.text(j, i, fmt_number(round(v, 3)), ha="center", va="center", fontsize=size,
                    color="white" if dark else "black")
    if marks is not None:
        import matplotlib.patches as patches

        for i, j in zip(*np.nonzero(np.asarray(marks).reshape(a.shape))):
            ax.add_patch(patches.Rectangle((j - 0.5, i - 0.5), 1, 1, fill=False, lw=2.5,
                                           edgecolor="#E67E22"))
    ax.set_xticks([])
    ax.set_yticks([])
    if title:
        ax.set_title(title, fontsize=10)


def feature_shapes(model, x) -> List[Tuple[str, Tuple[int, ...]]]:
    """(layer, output shape without the batch) for the input and every conv, pool and
    linear layer, from a real forward pass of `model` on `x` (activations and dropout
    keep the shape, so they are not listed).

    >>> from tinygrad_cnn import zeros
    >>> from tinygrad_cnn.models import build_model
    >>> feature_shapes(build_model("lenet"), zeros(1, 1, 28, 28))[:3]
    [('input', (1, 28, 28)), ('conv 3×3', (32, 26, 26)), ('max-pool 2×2', (32, 13, 13))]
    """
    from ..nn import AvgPool2d, Conv2d, Linear, MaxPool2d

    found: List[Tuple[str, Tuple[int, ...]]] = [("input", tuple(x.shape[1:]))]
    handles = []
    for module in model.modules():
        if isinstance(module, (Conv2d, Linear, MaxPool2d, AvgPool2d)):
            handles.append(module.register_forward_hook(
                lambda m, inputs, out: found.append((_layer_name(m), tuple(out.shape[1:])))))
    try:
        from ..autograd.grad_mode import no_grad

        with no_grad():
            model(x)
    finally:
        for handle in handles:
            handle.remove()
    return found


def _layer_name(m) -> str:
    from ..nn import AvgPool2d, Conv2d, Linear

    if isinstance(m, Conv2d):
        return f"conv {m.kernel_size[0]}×{m.kernel_size[1]}"
    if isinstance(m, Linear):
        return "dense"
    k = m.kernel_size if isinstance(m.kernel_size, int) else m.kernel_size[0]
    return f"{'avg' if isinstance(m, AvgPool2d) else 'max'}-pool {k}×{k}"


def draw_volumes(shapes: List[Tuple[str, Tuple[int, ...]]], *, width: float = 9.0):
    """Each layer as a box: height and width ∝ the feature map's, depth ∝ log2 of its
    channels (a dense layer: a bar ∝ log2 of its units), labelled with its shape.
    Returns the matplotlib Figure.

    >>> fig = draw_volumes([("input", (1, 28, 28)), ("conv", (6, 24, 24)), ("dense", (10,))])
    >>> len(fig.axes[0].patches)
    9
    """
    import matplotlib.pyplot as plt
    from matplotlib.patches import Polygon

    fig, ax = plt.subplots(figsize=(width, 3.2))
    tallest = max(s[-2] if len(s) == 3 else 0 for _, s in shapes) or 1
    x0 = 0.0
    colours = {"input": "#F5F5F5", "conv": "#DAE8FC", "max-pool": "#D5E8D4",
               "avg-pool": "#D5E8D4", "dense": "#E1D5E7"}
    for name, shape in shapes:
        if len(shape) == 3:
            c, h, w = shape
            face_h, face_w = 2.0 * h / tallest, 2.0 * w / tallest
            depth = 0.25 + 0.22 * np.log2(c + 1)
        else:
            c, face_h, face_w = shape[0], 0.4 + 0.22 * np.log2(shape[0] + 1), 0.12
            depth = 0.12
        dx, dy = depth * 0.8, depth * 0.45
        colour = colours.get(name.split()[0], "#EEEEEE")
        front = [(x0, 0), (x0 + face_w, 0), (x0 + face_w, face_h), (x0, face_h)]
        top = [(x0, face_h), (x0 + face_w, face_h), (x0 + face_w + dx, face_h + dy),
               (x0 + dx, face_h + dy)]
        side = [(x0 + face_w, 0), (x0 + face_w + dx, dy), (x0 + face_w + dx, face_h + dy),
                (x0 + face_w, face_h)]
        for poly, shade in ((side, 0.8), (top, 0.9), (front, 1.0)):
            ax.add_patch(Polygon(poly, closed=True, facecolor=_shade(colour, shade),
                                 edgecolor="#444444", lw=0.8))
        text = "×".join(str(n) for n in shape)
        ax.text(x0 + (face_w + dx) / 2, -0.18, f"{name}\n{text}", ha="center", va="top",
                fontsize=8)
        x0 += face_w + dx + 0.45
    ax.set_xlim(-0.2, x0)
    ax.set_ylim(-0.75, 2.0 + 1.3)
    ax.set_aspect("equal")
    ax.axis("off")
    fig.tight_layout()
    return fig


def _shade(colour: str, factor: float) -> tuple:
    rgb = [int(colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
    return tuple(c * factor for c in rgb)
