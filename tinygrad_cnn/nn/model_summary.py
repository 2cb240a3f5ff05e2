"""`summary(model, input_size)`: a table of every module with its output shape, parameter
count and multiply-adds for one forward pass, like torchinfo's (or Keras') `summary`.

Multiply-adds count one per weight use in Conv2d and Linear layers (output elements x
weights per output channel), the definition of `torch.utils.flop_counter` (its FLOPs are
twice these); torchinfo also counts one per bias add, so its numbers are a little higher.
"""
from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Dict, List, Optional, Sequence, Tuple

import numpy as np

from ..autograd.grad_mode import no_grad
from ..creation import zeros

if TYPE_CHECKING:  # Module.summary imports this module: no import back at run time
    from .module import Module


@dataclasses.dataclass
class LayerRow:
    """One module of the summary: its dotted name, depth in the tree and what it did."""

    name: str
    type: str
    depth: int
    output_shape: Optional[Tuple[int, ...]]
    params: int
    mult_adds: int
    is_leaf: bool


@dataclasses.dataclass
class ModelSummary:
    """The result of `summary`: `rows`, totals, and the table as its str/repr."""

    rows: List[LayerRow]
    input_size: Tuple[int, ...]
    total_params: int
    trainable_params: int
    total_mult_adds: int
    activation_bytes: int
    param_bytes: int
    input_bytes: int

    def __str__(self) -> str:
        return _table(self)

    __repr__ = __str__


def _mult_adds(module: Module, output) -> int:
    """Weight uses of a Conv2d/Linear call: outputs x weights per output channel."""
    weight = module._parameters.get("weight")
    if weight is None or weight.ndim < 2 or not hasattr(output, "shape"):
        return 0
    return int(np.prod(output.shape)) * (weight.numel() // weight.shape[0])


def summary(model: Module, input_size: Sequence[int], dtype=None) -> ModelSummary:
    """Run `model` once on zeros of `input_size` (batch dimension included, as torchinfo)
    in eval mode without a graph, recording each module's output shape and multiply-adds.

    >>> from tinygrad_cnn import nn
    >>> net = nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.ReLU(), nn.Flatten(),
    ...                     nn.Linear(4 * 8 * 8, 10))
    >>> print(summary(net, (1, 1, 8, 8)))   # doctest: +NORMALIZE_WHITESPACE
    Layer (type)              Output shape          Params   Mult-adds
    ===================================================================
    Sequential                [1, 10]                   --          --
      0: Conv2d               [1, 4, 8, 8]              40       2,304
      1: ReLU                 [1, 4, 8, 8]              --          --
      2: Flatten              [1, 256]                  --          --
      3: Linear               [1, 10]                2,570       2,560
    ===================================================================
    Params: 2,610 (trainable 2,610, non-trainable 0), 0.01 MB
    Mult-adds per forward pass: 4,864 (0.00 M)
    Input [1, 1, 8, 8]: 0.00 MB; forward outputs of the layers: 0.00 MB
    """
    input_size = tuple(int(d) for d in input_size)
    calls: Dict[int, List] = {}

    def record(module, inputs, output):
        shape = tuple(output.shape) if hasattr(output, "shape") else None
        entry = calls.setdefault(id(module), [None, 0, 0])
        entry[0], entry[1] = shape, entry[1] + _mult_adds(module, output)
        entry[2] += getattr(getattr(output, "_data", None), "nbytes", 0)

    named = list(model.named_modules())
    handles = [m.register_forward_hook(record) for _, m in named]
    was_training = model.training
    x = zeros(*input_size) if dtype is None else zeros(*input_size, dtype=dtype)
    try:
        model.eval()
        with no_grad():
            model(x)
    finally:
        model.train(was_training)
        for handle in handles:
            handle.remove()
    rows = [_row(name, module, calls.get(id(module), [None, 0, 0])) for name, module in named]
    leaf_bytes = sum(calls[id(m)][2] for _, m in named
                     if id(m) in calls and not any(True for _ in m.children()))
    params = list(model.parameters())
    return ModelSummary(
        rows, input_size, sum(p.numel() for p in params),
        sum(p.numel() for p in params if p.requires_grad), sum(r.mult_adds for r in rows),
        leaf_bytes, sum(p._data.nbytes for p in params), x._data.nbytes)


def _row(name: str, module: Module, call: list) -> LayerRow:
    own = sum(p.numel() for p in module._parameters.values() if p is not None)
    depth = 0 if name == "" else name.count(".") + 1
    leaf = not any(True for _ in module.children())
    return LayerRow(name, type(module).__name__, depth, call[0], own, call[1], leaf)


def _table(s: ModelSummary) -> str:
    def number(n: int) -> str:
        return f"{n:,}" if n else "--"

    labels = ["  " * r.depth + (r.type if r.depth == 0 else f"{r.name.rsplit('.', 1)[-1]}: "
                                f"{r.type}") for r in s.rows]
    shapes = ["--" if r.output_shape is None else str(list(r.output_shape)) for r in s.rows]
    wide, shape_wide = max(26, *(len(x) + 2 for x in labels)), max(20, *(len(x) + 2 for x in shapes))
    header = f"{'Layer (type)':<{wide}}{'Output shape':<{shape_wide}}{'Params':>9}{'Mult-adds':>12}"
    rule = "=" * len(header)
    lines = [header, rule]
    for row, label, shape in zip(s.rows, labels, shapes):
        lines.append(f"{label:<{wide}}{shape:<{shape_wide}}"
                     f"{number(row.params):>9}{number(row.mult_adds):>12}")
    mb = 1024 ** 2
    lines += [rule,
              f"Params: {s.total_params:,} (trainable {s.trainable_params:,}, non-trainable "
              f"{s.total_params - s.trainable_params:,}), {s.param_bytes / mb:.2f} MB",
              f"Mult-adds per forward pass: {s.total_mult_adds:,} "
              f"({s.total_mult_adds / 1e6:.2f} M)",
              f"Input {list(s.input_size)}: {s.input_bytes / mb:.2f} MB; "
              f"forward outputs of the layers: {s.activation_bytes / mb:.2f} MB"]
    return "\n".join(lines)
