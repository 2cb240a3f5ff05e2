"""Per-layer gradient norms over training: where does the gradient vanish?

`GradientNormMonitor(model)` hooks every `Linear` and `Conv2d` of a model (or the modules
you name): a forward hook puts a one-shot hook on the module's output z (its
pre-activation), which sees δ = ∂loss/∂z during backward. It records, per training step,
the mean over the batch of each example's ‖δ‖ (times the batch size, which undoes a
mean-reduced loss: each example's own δ). `plot_gradient_norms` draws the records, one line
per layer on a log axis, one panel per run, panels sharing their axes.

>>> import tinygrad_cnn as tg
>>> from tinygrad_cnn import nn
>>> net = nn.Sequential(nn.Linear(3, 4), nn.Sigmoid(), nn.Linear(4, 2))
>>> monitor = GradientNormMonitor(net)
>>> net(tg.randn(5, 3)).sum().backward()
>>> sorted(monitor.records), len(monitor.records["0"])
(['0', '2'], 1)
>>> monitor.remove(); net._modules["0"]._forward_hooks
OrderedDict()
"""
from __future__ import annotations

from typing import Dict, List, Optional, Sequence

import numpy as np


class GradientNormMonitor:
    """Record ‖δ‖ of each watched layer at every backward (see the module doc).

    layers: module names to watch (from `model.named_modules()`); default every Linear
    and Conv2d. `records[name]` lists one value per backward; `epoch_means(steps)` averages
    them over consecutive groups of steps. Use as a context manager, or call `remove()`.
    """

    def __init__(self, model, layers: Optional[Sequence[str]] = None):
        from ..nn import Conv2d, Linear

        modules = dict(model.named_modules())
        if layers is None:
            layers = [n for n, m in modules.items() if isinstance(m, (Linear, Conv2d))]
        missing = [n for n in layers if n not in modules]
        if missing:
            raise KeyError(f"GradientNormMonitor: no module named {missing}; the model has "
                           f"{[n for n in modules if n]}")
        self.layers = list(layers)
        self.records: Dict[str, List[float]] = {name: [] for name in self.layers}
        self._handles = [modules[n].register_forward_hook(self._watch(n)) for n in self.layers]

    def _watch(self, name: str):
        def forward_hook(module, inputs, out):
            if out.requires_grad:
                handle = out.register_hook(lambda grad: self._record(name, grad, handle))
        return forward_hook

    def _record(self, name: str, grad, handle) -> None:
        handle.remove()  # one-shot: the output tensor may live on; its hook should not
        delta = np.asarray(grad._data, dtype=np.float64)
        batch = delta.shape[0] if delta.ndim > 1 else 1
        per_example = np.linalg.norm(delta.reshape(batch, -1), axis=1) * batch
        self.records[name].append(float(per_example.mean()))

    def epoch_means(self, steps_per_point: int) -> Dict[str, np.ndarray]:
        """Mean of each layer's records over consecutive groups of `steps_per_point`.

        >>> m = GradientNormMonitor.__new__(GradientNormMonitor)
        >>> m.records = {"a": [1.0, 3.0, 5.0, 7.0, 9.0]}
        >>> m.epoch_means(2)["a"].tolist()
        [2.0, 6.0]
        """
        out = {}
        for name, values in self.records.items():
            n = len(values) // steps_per_point
            out[name] = np.asarray(values[:n * steps_per_point]).reshape(n, -1).mean(axis=1)
        return out

    def remove(self) -> None:
        for handle in self._handles:
            handle.remove()
        self._handles = []

    def __enter__(self) -> "GradientNormMonitor":
        return self

    def __exit__(self, *exc) -> None:
        self.remove()


def plot_gradient_norms(runs: Dict[str, Dict[str, np.ndarray]], *, x_label: str = "epoch",
                        points_per_epoch: int = 1, layer_names: Optional[List[str]] = None,
                        title: Optional[str] = None):
    """One panel per run (its name as title), one line per layer: ‖δ‖ on a log axis (powers
    of ten) against epochs; the panels share both axes so runs compare at a glance.
    Returns the matplotlib Figure.

    >>> import numpy as np
    >>> fig = plot_gradient_norms({"sigmoid": {"a": np.array([1e-3, 2e-3]),
    ...                                        "b": np.array([0.1, 0.2])}})
    >>> fig.axes[0].get_yscale(), fig.axes[0].get_title()
    ('log', 'sigmoid')
    """
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, len(runs), figsize=(3.6 * len(runs) + 0.8, 3.6),
                             sharex=True, sharey=True, squeeze=False)
    colours = plt.get_cmap("viridis")
    for ax, (run, layers) in zip(axes[0], runs.items()):
        for k, (layer, values) in enumerate(layers.items()):
            x = (np.arange(len(values)) + 1) / points_per_epoch
            label = layer_names[k] if layer_names else layer
            ax.plot(x, values, marker="o", markersize=3, lw=1.8, label=label,
                    color=colours(k / max(1, len(layers) - 1)))
        ax.set_yscale("log")
        ax.set_title(run)
        ax.set_xlabel(x_label)
        ax.grid(True, which="major", alpha=0.3)
    axes[0][0].set_ylabel("‖δ‖ per example (log scale)")
    axes[0][-1].legend(loc="best", fontsize=8)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig
