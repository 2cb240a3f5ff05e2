"""Adam's update as one pass over the parameter and its state.

In numpy the update is ~9 passes over arrays the size of the parameter, no longer in
cache inside a training step; one fused loop reads and writes each array once.
"""
from __future__ import annotations

import math

import numpy as np

from . import runtime
from .jit import njit


@njit(cache=True, nogil=True)
def _adam_kernel(param, grad, exp_avg, exp_avg_sq, max_sq, amsgrad, one_minus_beta1,
                 beta2, one_minus_beta2, step_size, bias2_sqrt, eps):
    for i in range(param.shape[0]):
        g = grad[i]
        m = exp_avg[i] + one_minus_beta1 * (g - exp_avg[i])
        v = beta2 * exp_avg_sq[i] + one_minus_beta2 * (g * g)
        exp_avg[i] = m
        exp_avg_sq[i] = v
        if amsgrad:
            v = max(max_sq[i], v)
            max_sq[i] = v
        param[i] -= step_size * (m / (math.sqrt(v) / bias2_sqrt + eps))


def adam_update(param: np.ndarray, grad: np.ndarray, exp_avg: np.ndarray,
                exp_avg_sq: np.ndarray, max_exp_avg_sq, beta1: float, beta2: float,
                lr: float, eps: float, step: int) -> bool:
    """Apply one Adam step in place; False (nothing done) unless the parameter and its
    state are C-contiguous writable float arrays of one dtype and shape."""
    if grad.dtype == param.dtype and grad.shape == param.shape:
        grad = np.ascontiguousarray(grad)  # e.g. a linear weight's grad, transposed
    arrays = (param, grad, exp_avg, exp_avg_sq) + (
        () if max_exp_avg_sq is None else (max_exp_avg_sq,))
    if param.dtype.kind != "f" or not all(
            a.dtype == param.dtype and a.shape == param.shape and a.flags.c_contiguous
            and a.flags.writeable for a in arrays):
        return False
    f = param.dtype.type  # scalars in the parameter's dtype: float32 math stays float32
    flat = [a.reshape(-1) for a in arrays]
    max_sq = flat[4] if max_exp_avg_sq is not None else flat[3]
    scalars = (max_exp_avg_sq is not None, f(1 - beta1), f(beta2), f(1 - beta2),
               f(lr / (1 - beta1 ** step)), f(math.sqrt(1 - beta2 ** step)), f(eps))
    # a large parameter (a dense layer's weight) is updated on all threads: memory-bound
    runtime.run_pass(lambda i0, i1: _adam_kernel(*(a[i0:i1] for a in flat[:4]),
                                                 max_sq[i0:i1], *scalars),
                     flat[0].size, 2 * sum(a.nbytes for a in arrays))
    return True
