"""`nn.utils`: gradient clipping, as torch.nn.utils.

>>> from tinygrad_cnn import nn, randn
>>> net = nn.Linear(3, 1); net(randn(4, 3)).sum().backward()
>>> float(nn.utils.clip_grad_norm_(net.parameters(), max_norm=1e-3)) > 1e-3
True
"""
from .clip_grad import clip_grad_norm_, clip_grad_value_, get_total_norm

__all__ = ["clip_grad_norm_", "clip_grad_value_", "get_total_norm"]
