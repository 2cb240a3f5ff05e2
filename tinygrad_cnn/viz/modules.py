"""Which module each parameter and op belongs to, from parameter names alone.

The engine does not record modules, so the grouping is inferred: a parameter named
`fc1.weight` belongs to module `fc1`; a tensor computed only from one module's
parameters (e.g. `fc1.weight.T`) is owned by that module too; and an op belongs to a
module when one of its inputs is owned by it. So `x @ W.T + b` lands whole in `fc1`,
while a functional `relu` after it stays outside.

>>> module_of_name("features.0.weight"), module_of_name("bias")
('features.0', '')
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Dict, List, Optional

from .walk import is_scalar_constant

if TYPE_CHECKING:
    from ..tensor import Tensor


def module_of_name(param_name: str) -> str:
    """`conv1.weight` -> `conv1`; a top-level parameter belongs to the root module ''.

    >>> module_of_name("conv1.weight"), module_of_name("scale")
    ('conv1', '')
    """
    return param_name.rsplit(".", 1)[0] if "." in param_name else ""


def param_names(params: Optional[Dict[str, "Tensor"]]) -> Dict[int, str]:
    """Parameter name by tensor id.

    >>> from tinygrad_cnn import nn
    >>> fc = nn.Linear(2, 1)
    >>> param_names(dict(fc.named_parameters()))[id(fc.bias)]
    'bias'
    """
    return {id(t): name for name, t in (params or {}).items()}


def assign_modules(tensors: List["Tensor"], names: Dict[int, str]) -> Dict[int, str]:
    """Module of each tensor id that belongs to one (params, tensors derived only from
    one module's params, and outputs of ops that read a module-owned tensor).

    >>> from tinygrad_cnn import nn, ones
    >>> from .walk import graph_tensors
    >>> fc = nn.Linear(2, 1); out = fc(ones(1, 2)).relu()
    >>> names = param_names({"fc." + n: p for n, p in fc.named_parameters()})
    >>> modules = assign_modules(graph_tensors(out), names)
    >>> modules[id(fc.weight)], modules.get(id(out))   # relu reads fc's output: outside fc
    ('fc', None)
    """
    owned: Dict[int, str] = {}   # params and tensors made from one module's params only
    module: Dict[int, str] = {}
    for t in tensors:
        if id(t) in names:
            owned[id(t)] = module[id(t)] = module_of_name(names[id(t)])
            continue
        if t._ctx is None:
            continue
        parents = [p for p in t._ctx.parents if not is_scalar_constant(p)]
        parent_owners = {owned.get(id(p)) for p in parents}
        if parents and len(parent_owners) == 1 and None not in parent_owners:
            owned[id(t)] = parent_owners.pop()
        readers = [owned[id(p)] for p in t._ctx.parents if id(p) in owned]
        if readers:
            module[id(t)] = readers[0]
    return module


def truncate(module: str, depth: int) -> str:
    """The first `depth` dotted parts of a module name.

    >>> truncate("layer1.0.conv1", 2), truncate("fc", 2), truncate("layer1.0", 0)
    ('layer1.0', 'fc', '')
    """
    return ".".join(module.split(".")[:depth]) if module else module


def collapse_to_depth(tensors: List["Tensor"], module: Dict[int, str],
                      depth: int) -> Dict[int, str]:
    """Modules cut to `depth` name parts, plus the ops that run *inside* such a block
    between its own parameterised ops (a relu between a block's batch norm and its next
    conv): every input from the block and a later op of the block reading the result.
    A skip connection's add reads from outside the block too, so it stays between blocks.

    >>> from tinygrad_cnn import nn, ones
    >>> from .walk import graph_tensors
    >>> a, b = nn.Linear(2, 2), nn.Linear(2, 1)
    >>> h = a(ones(1, 2)).relu(); out = b(h)
    >>> params = {"blk.a." + n: p for n, p in a.named_parameters()}
    >>> params.update({"blk.b." + n: p for n, p in b.named_parameters()})
    >>> tensors = graph_tensors(out)
    >>> cut = collapse_to_depth(tensors, assign_modules(tensors, param_names(params)), 1)
    >>> cut[id(h)], cut[id(out)]       # the relu between the two layers is inside `blk`
    ('blk', 'blk')
    """
    if depth < 1:
        raise ValueError(f"collapse_depth must be at least 1, got {depth}")
    cut = {k: truncate(m, depth) for k, m in module.items()}
    tentative: Dict[int, str] = {}
    for t in tensors:
        if t._ctx is None or id(t) in cut:
            continue
        parents = [p for p in t._ctx.parents if not is_scalar_constant(p)]
        owners = {cut.get(id(p), tentative.get(id(p))) for p in parents}
        if len(owners) == 1 and None not in owners:
            tentative[id(t)] = owners.pop()
    keep: Dict[int, str] = {}
    for t in reversed(tensors):  # a tentative op is kept if a later op of its block reads it
        if t._ctx is None:
            continue
        owner = cut.get(id(t), keep.get(id(t)))
        for p in t._ctx.parents:
            if owner is not None and tentative.get(id(p)) == owner:
                keep[id(p)] = owner
    return {**cut, **keep}
