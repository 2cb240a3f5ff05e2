"""Shared strategies and a forward+backward PyTorch comparison for the core-op tests."""
from __future__ import annotations

from typing import Callable, Sequence

import numpy as np
import torch
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from torch_oracle import assert_close, pair

FLOATS = st.sampled_from([np.float32, np.float64])


def float_arrays(dtype, shape, lo: float = -3.0, hi: float = 3.0):
    """Arrays of `dtype` and `shape` with finite values in [lo, hi]."""
    width = 32 if np.dtype(dtype) == np.float32 else 64
    lo, hi = (float(np.dtype(dtype).type(v)) for v in (lo, hi))  # representable bounds
    return hnp.arrays(dtype, shape, elements=st.floats(lo, hi, width=width,
                                                       allow_subnormal=False))


def small_shapes(min_dims: int = 0, max_dims: int = 4, min_side: int = 1, max_side: int = 4):
    return hnp.array_shapes(min_dims=min_dims, max_dims=max_dims, min_side=min_side,
                            max_side=max_side)


def check_op(ours_fn: Callable, torch_fn: Callable, arrays: Sequence[np.ndarray],
             grad_mask: Sequence[bool] = None, rtol=None, atol=None) -> None:
    """Run `ours_fn` and `torch_fn` on the same leaves; compare the outputs, then
    backpropagate the same random upstream gradient and compare every input's .grad."""
    grad_mask = grad_mask or [True] * len(arrays)
    pairs = [pair(a, requires_grad=g) for a, g in zip(arrays, grad_mask)]
    ours = ours_fn(*[p[0] for p in pairs])
    theirs = torch_fn(*[p[1] for p in pairs])
    assert ours.dtype == np.dtype(str(theirs.dtype).replace("torch.", ""))
    assert_close(ours, theirs, rtol=rtol, atol=atol)
    upstream = np.random.default_rng(0).standard_normal(theirs.shape).astype(ours.dtype)
    ours.backward(upstream)
    theirs.backward(torch.tensor(upstream))
    for (o, t), g in zip(pairs, grad_mask):
        if g:
            assert o.grad is not None and o.grad.shape == o.shape
            assert o.grad.dtype == o.dtype
            assert_close(o.grad, t.grad, rtol=rtol, atol=atol)
