"""Losses. Each returns the per-element loss; `reduce` applies 'mean' | 'sum' | 'none'.

The fused ones (nll, binary cross-entropy) are Functions with their own gradient, for
speed and for PyTorch's exact conventions at the edges (log clamped at -100, x = 0 in
the logits form); the others are compositions of differentiable ops.
"""
from __future__ import annotations

import numpy as np

from ..autograd.function import Function

REDUCTIONS = ("mean", "sum", "none")


def check_reduction(reduction: str) -> None:
    if reduction not in REDUCTIONS:
        raise ValueError(f"{reduction!r} is not a valid value for reduction: "
                         f"use one of {REDUCTIONS}")


class NLLLoss(Function):
    """-weight[t] * logp[i, t] per row i of a (M, C) input; ignored rows give 0.

    `total_weight` (sum of the weights of the non-ignored rows) is kept for 'mean'."""

    def forward(self, logp, target=None, weight=None, ignore_index=-100):
        rows = np.arange(target.shape[0])
        keep = target != ignore_index
        safe_target = np.where(keep, target, 0)
        w = (weight[safe_target] if weight is not None
             else np.ones(target.shape, logp.dtype)) * keep
        self.rows, self.target, self.w, self.shape = rows, safe_target, w.astype(logp.dtype), \
            logp.shape
        self.total_weight = w.sum()
        return -self.w * logp[rows, safe_target]

    def backward(self, g):
        grad = np.zeros(self.shape, dtype=g.dtype)
        grad[self.rows, self.target] = -g * self.w
        return grad


class BinaryCrossEntropy(Function):
    """-(t log x + (1 - t) log(1 - x)), logs clamped at -100 as PyTorch does."""

    def forward(self, x, t):
        self.save_for_backward(x, t)
        with np.errstate(divide="ignore"):
            log_x = np.maximum(np.log(x), -100)
            log_1mx = np.maximum(np.log1p(-x), -100)
        self.logs = (log_x, log_1mx)
        return -(t * log_x + (1 - t) * log_1mx)

    def backward(self, g):
        x, t = self.saved_tensors
        log_x, log_1mx = self.logs
        gx = g * (x - t) / np.maximum((1 - x) * x, x.dtype.type(1e-12))
        gt = g * (log_1mx - log_x)
        return gx, gt


class BinaryCrossEntropyWithLogits(Function):
    """BCE on logits: (1 - t) x + lw * softplus(-x), lw = 1 + (pos_weight - 1) t, stable."""

    def forward(self, x, t, pos_weight):
        self.save_for_backward(x, t, pos_weight)
        softplus_neg = np.logaddexp(0, -x)
        self.softplus_neg = softplus_neg
        return (1 - t) * x + (1 + (pos_weight - 1) * t) * softplus_neg

    def backward(self, g):
        x, t, pw = self.saved_tensors
        sig_neg = np.exp(-np.logaddexp(0, x))  # sigmoid(-x), stable
        gx = g * ((1 - t) - (1 + (pw - 1) * t) * sig_neg)
        gt = g * (-x + (pw - 1) * self.softplus_neg)
        return gx, gt, None
