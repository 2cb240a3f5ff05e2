"""Helpers to hold our results against PyTorch's (the correctness oracle)."""
from __future__ import annotations

import numpy as np
import torch

from tinygrad_cnn import Tensor

RTOL = {np.float64: 1e-6, np.float32: 1e-4}
ATOL = {np.float64: 1e-8, np.float32: 1e-5}


def pair(array: np.ndarray, requires_grad: bool = True):
    """The same data as (our Tensor, torch tensor), both leaves."""
    ours = Tensor(array.copy(), requires_grad=requires_grad)
    theirs = torch.tensor(array.copy(), requires_grad=requires_grad)
    return ours, theirs


def assert_close(ours, theirs, dtype=None, rtol=None, atol=None) -> None:
    """Compare a Tensor/array with a torch tensor at the tolerance of its dtype."""
    a = np.asarray(ours._data if isinstance(ours, Tensor) else ours)
    b = theirs.detach().numpy() if isinstance(theirs, torch.Tensor) else np.asarray(theirs)
    dtype = np.dtype(dtype or b.dtype).type
    assert a.shape == b.shape, f"shape {a.shape} != torch's {b.shape}"
    np.testing.assert_allclose(a, b, rtol=rtol or RTOL.get(dtype, 1e-4),
                               atol=atol if atol is not None else ATOL.get(dtype, 1e-5))


def assert_grads_close(ours_list, theirs_list, dtype=None, rtol=None, atol=None) -> None:
    """Compare .grad of matching leaves."""
    for o, t in zip(ours_list, theirs_list):
        assert (o.grad is None) == (t.grad is None), "one side has no gradient"
        if o.grad is not None:
            assert_close(o.grad, t.grad, dtype, rtol, atol)
