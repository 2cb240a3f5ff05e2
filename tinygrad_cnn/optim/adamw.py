"""AdamW: Adam with decoupled weight decay (Loshchilov & Hutter)."""
from __future__ import annotations

from typing import Tuple

from .adam import Adam
from .optimizer import ParamsT


class AdamW(Adam):
    """Adam whose weight decay shrinks the weights directly, `p *= 1 - lr * weight_decay`,
    rather than adding an L2 term to the gradient. Default `weight_decay=1e-2`.

    >>> from tinygrad_cnn import zeros, optim
    >>> optim.AdamW([zeros(2, requires_grad=True)]).param_groups[0]["weight_decay"]
    0.01
    """

    def __init__(self, params: ParamsT, lr: float = 1e-3,
                 betas: Tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 1e-2, amsgrad: bool = False, *,
                 maximize: bool = False) -> None:
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad, maximize=maximize,
                         decoupled_weight_decay=True)
