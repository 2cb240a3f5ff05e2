"""2-D convolution: a table of routes, and the one dispatcher that runs them.

Every route (a module in `routes/`) has `applies(geometry)`, `forward(x, w, b, geometry,
out, keep) -> saved` (its own small dataclass) and `backward(saved, grad, w, geometry,
needs, gx) -> (gw, gb)`. A conv takes the first route in `ROUTES` that applies;
`route_name` says which. `routes/reference.py` is the plain numpy one to read first (and
the tests' oracle); the others give the same answer, faster. A stride-1 conv's input
gradient may instead be a forward conv of the gradient (`routes/transposed.py`).

Large convs run in batch parts, one per core (`runtime.batch_parts`); the backward runs
the same parts over what each part's forward saved. All buffers come from the runtime's
pool, so a training loop touches no fresh pages.
"""
from __future__ import annotations

from collections import namedtuple
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Callable, Iterator, List, Optional, Tuple

import numpy as np

from . import runtime
from .geometry import ConvGeometry, Pad4, Pair, conv_geometry, pad4, pair
from .routes import blocked, direct, im2col, pointwise, reference, transposed


def _name(route) -> str:
    return route.__name__.rsplit(".", 1)[-1]


#: the forward routes, fastest first: a conv takes the first whose `applies` holds
ROUTES = (pointwise, direct, blocked, im2col)
#: routes by name, also those only chosen on request (`use_route`)
BY_NAME = {_name(route): route for route in ROUTES + (reference,)}

Needs = namedtuple("Needs", ["x", "w", "b"])
Needs.__doc__ = "Which gradients a backward computes: input, weight, bias (bools)."

_forced: Optional[Any] = None


@dataclass
class ConvSaved:
    """What a forward leaves for its backward: the route, its batch parts and what each
    part's forward saved (the route's own dataclass)."""
    route: Any
    geo: ConvGeometry
    parts: List[Tuple[int, int]]
    saved: list


def route_for(geo: ConvGeometry, strict: bool = True):
    """The route a conv of this geometry takes; a route forced by `use_route` that does not
    apply is an error when `strict`, else the table chooses (the input gradient's conv)."""
    if _forced is not None and (strict or _forced.applies(geo)):
        if not _forced.applies(geo):
            raise ValueError(f"the conv route {_name(_forced)!r} (use_route) does not apply to "
                             f"a conv of input {(geo.n, geo.c, geo.h, geo.w)}, stride "
                             f"{geo.stride}, groups {geo.groups}")
        return _forced
    for route in ROUTES:
        if route.applies(geo):
            return route
    raise AssertionError("the last route in ROUTES applies to every conv")


def route_name(x_shape: Tuple[int, ...], w_shape: Tuple[int, ...], stride: Any = 1,
               padding: Any = 0, dilation: Any = 1, groups: int = 1) -> str:
    """Which route F.conv2d takes for these shapes (padding as int, pair or 4-tuple).

    >>> route_name((64, 1, 28, 28), (6, 1, 5, 5))
    'im2col'
    >>> route_name((8, 64, 56, 56), (64, 64, 3, 3), padding=1)
    'blocked'
    """
    geo = ConvGeometry(tuple(x_shape), tuple(w_shape), pair(stride, "stride"), pad4(padding),
                       pair(dilation, "dilation"), groups)
    return _name(route_for(geo))


@contextmanager
def use_route(name: str) -> Iterator[None]:
    """Run every conv inside the block by route `name` (e.g. "reference").

    >>> with use_route("reference"):
    ...     route_name((1, 1, 4, 4), (1, 1, 3, 3))
    'reference'
    """
    global _forced
    if name not in BY_NAME:
        raise ValueError(f"unknown conv route {name!r}: choose one of {sorted(BY_NAME)}")
    previous, _forced = _forced, BY_NAME[name]
    try:
        yield
    finally:
        _forced = previous


def conv_forward(x: np.ndarray, w: np.ndarray, b: Optional[np.ndarray], stride: Pair,
                 pad: Pad4, dilation: Pair, groups: int, keep: bool = False
                 ) -> Tuple[np.ndarray, ConvSaved]:
    """(output (N, O, OH, OW), saved) for x (N, C, H, W) and w (O, C/g, kh, kw); `keep`:
    the weight gradient will be wanted."""
    x = runtime.kernel_array(x)
    geo = conv_geometry(x.shape, w.shape, stride, pad, dilation, groups)
    route = route_for(geo)  # asked every call: a threshold changed at run time counts
    out = runtime.scratch((geo.n, geo.o, geo.oh, geo.ow), x.dtype)
    parts = runtime.batch_parts(geo.n, geo.flops) if geo.n else []  # empty batch: no work
    saved = _in_parts(lambda i, n0, n1: route.forward(
        x[n0:n1], w, b, geo.part(n1 - n0), out[n0:n1], keep), parts)
    return out, ConvSaved(route, geo, parts, saved)


def conv_backward(grad: np.ndarray, saved: ConvSaved, w: np.ndarray, needs: Needs) -> tuple:
    """(gx, gw, gb) (None where not needed) for grad (N, O, OH, OW), in the forward's
    batch parts."""
    geo, route = saved.geo, saved.route
    grad = runtime.kernel_array(grad)  # BLAS and the kernels need real strides
    gx = runtime.scratch((geo.n, geo.c, geo.h, geo.w), grad.dtype) if needs.x else None
    plan = transposed.plan(geo, w, _name(route)) if needs.x else None
    inner = None if plan is None else route_for(plan[1], strict=False)

    def backward_part(i: int, n0: int, n1: int):
        part_needs = needs
        if plan is not None:  # gx is a forward conv of the gradient
            wt, tgeo = plan
            inner.forward(grad[n0:n1], wt, None, tgeo.part(n1 - n0), gx[n0:n1], False)
            part_needs = needs._replace(x=False)
        return route.backward(saved.saved[i], grad[n0:n1], w, geo.part(n1 - n0), part_needs,
                              None if gx is None else gx[n0:n1])

    sums = _in_parts(backward_part, saved.parts)
    gw = _total([s[0] for s in sums], w.shape, grad.dtype) if needs.w else None
    gb = _total([s[1] for s in sums], (geo.o,), grad.dtype) if needs.b else None
    return gx, gw, gb


def _in_parts(fn: Callable[[int, int, int], Any], parts: List[Tuple[int, int]]) -> list:
    """[fn(i, n0, n1) for each batch part]: one part runs right here, several on the
    runtime's threads."""
    if len(parts) <= 1:
        return [fn(0, *part) for part in parts]
    return runtime.run_parts(fn, parts)


def _total(arrays: list, shape: tuple, dtype) -> np.ndarray:
    """The sum of the parts' arrays; zeros when there were no parts (an empty batch)."""
    if not arrays:
        return np.zeros(shape, dtype)
    total = arrays[0]
    for a in arrays[1:]:
        total = total + a
    return total
