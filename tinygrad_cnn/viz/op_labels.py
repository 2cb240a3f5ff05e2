"""How an op node is named and which of its arguments are worth printing. Each op
declares its own name and colour family beside its gradient (`Function.label`,
`Function.category`); this module reads them.

>>> op_display_name("MaxPool2d"), op_display_name("ReLU"), op_category("Conv2d")
('max_pool2d', 'relu', 'conv')
"""
from __future__ import annotations

import re
from typing import Any, List

import numpy as np

from ..autograd.function import Function
from .style import fmt_number, fmt_shape

# option values that are the op's default and so only clutter the picture
_DEFAULTS = {"dilation": 1, "groups": 1, "keepdim": False, "ceil_mode": False, "padding": 0,
             "smallest": False, "return_indices": False, "count_include_pad": True,
             "divisor_override": None}
_SHORT = {"padding": "pad", "kernel_size": "kernel", "dilation": "dil"}


def op_display_name(name: str) -> str:
    """PyTorch-style functional name of a Function class.

    >>> op_display_name("AdaptiveAvgPool2d"), op_display_name("NLLLoss")
    ('adaptive_avg_pool2d', 'nll_loss')
    """
    op = Function.registry.get(name)
    if op is not None and op.label is not None:
        return op.label
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name).lower()


def op_category(name: str) -> str:
    """The colour family of an op (see `style.CATEGORY_FILL`).

    >>> op_category("ReLU"), op_category("BinaryCrossEntropy"), op_category("Add")
    ('activation', 'loss', 'arithmetic')
    """
    return getattr(Function.registry.get(name), "category", "arithmetic")


def _fmt_value(value: Any) -> str:
    if isinstance(value, (tuple, list)):
        if len(set(value)) == 1 and all(isinstance(v, (int, np.integer)) for v in value):
            return str(value[0])  # (2, 2) -> 2
        return "(" + ", ".join(_fmt_value(v) for v in value) + ")"
    if isinstance(value, (float, np.floating)):
        return fmt_number(value)
    if isinstance(value, np.ndarray):
        return f"array {fmt_shape(value.shape)}"
    if isinstance(value, slice):
        return ":".join("" if v is None else str(v) for v in (value.start, value.stop, value.step)).rstrip(":") or ":"
    return str(value)


def op_arguments(ctx: Any) -> List[str]:
    """`stride 2`, `kernel 5×5`, ... : the options that differ from the defaults.

    >>> from tinygrad_cnn import zeros
    >>> from tinygrad_cnn.nn import functional as F
    >>> out = F.conv2d(zeros(1, 1, 4, 4), zeros(2, 1, 3, 3, requires_grad=True), stride=2,
    ...                padding=1)
    >>> op_arguments(out._ctx)
    ['kernel 3×3', 'stride 2', 'pad 1']
    """
    args = []
    if op_category(ctx.name) == "conv" and len(ctx.parents) > 1:
        args.append("kernel " + fmt_shape(ctx.parents[1].shape[-2:]))
    for key, value in ctx.options.items():
        if key in _DEFAULTS and _same(value, _DEFAULTS[key]):
            continue
        if value is None or key in ("condition",):
            continue
        if key == "output_size" and "Adaptive" not in ctx.name:
            continue  # the output tensor's shape already says it
        if key == "kernel_size":
            size = value if isinstance(value, (tuple, list)) else (value, value)
            args.append("kernel " + fmt_shape(size))
            continue
        args.append(f"{_SHORT.get(key, key)} {_fmt_value(value)}")
    return args


def _same(value: Any, default: Any) -> bool:
    if isinstance(value, (tuple, list)):
        return all(_same(v, default) for v in value)
    return value is default or (default is not None and value == default)
