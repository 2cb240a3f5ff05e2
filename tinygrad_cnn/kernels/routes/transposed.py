"""The transposed-conv route for the input gradient: a stride-1 conv's input gradient is
a forward conv of the output gradient, with the kernel flipped in space, its in/out
channels swapped and padding d*(k-1) - p. That conv then takes whichever forward route
suits it (conv.py), so no col2im runs.

Its im2col reads the gradient's O channels where col2im writes x's C, so with O <= C it
moves no more data, and im2col's plain copies beat col2im's read-add-writes; with O > C
it loses, unless the forward ran direct (no im2col there). A padding wider than the
kernel's reach would need negative padding. The blocked route's own input gradient wins
(its col2im adds long channel-last runs in L2, fused with the weight gradient's loop;
benchmarks/TUNING.md).
"""
from __future__ import annotations

from typing import Optional, Tuple

import numpy as np

from ..geometry import ConvGeometry, conv_geometry


def plan(geo: ConvGeometry, w: np.ndarray, route: str
         ) -> Optional[Tuple[np.ndarray, ConvGeometry]]:
    """(flipped weight, geometry) of the conv that gives the input gradient of `geo`'s
    conv run by `route`, when that beats the route's own input gradient; else None."""
    reach_h, reach_w = geo.reach
    pad = (reach_h - geo.pad[0], reach_h - geo.pad[1],
           reach_w - geo.pad[2], reach_w - geo.pad[3])
    if geo.stride != (1, 1) or min(pad) < 0:
        return None
    if not (route == "direct" or (route == "im2col" and geo.o <= geo.c)):
        return None
    g = geo.groups
    wt = w.reshape(g, geo.o // g, geo.c // g, geo.kh, geo.kw)[..., ::-1, ::-1]
    wt = np.ascontiguousarray(wt.transpose(0, 2, 1, 3, 4)).reshape(geo.c, geo.o // g,
                                                                     geo.kh, geo.kw)
    return wt, conv_geometry((geo.n, geo.o, geo.oh, geo.ow), wt.shape, (1, 1), pad,
                             geo.dilation, g)
