"""Scalar-circuit rules for the rest of a CNN: log-softmax, softmax, NLL (so cross-entropy,
which is log-softmax → NLL → mean), batch norm, adaptive (global) average pooling and
leaky relu. Linear is matmul + add and sigmoid/tanh/avg-pool are in `scalar_rules`, so a
whole small classifier (conv → relu → pool → linear → cross-entropy) expands end to end.

Same format as `scalar_rules` (one `Term` per output element; `local` = d out / d arg,
computed from the engine's own input and output arrays and the op's recorded options),
so each rule can move next to its op's `backward` unchanged. Each rule's target file is
named in its docstring.

>>> from tinygrad_cnn import Tensor
>>> y = Tensor([[1.0, 2.0]], requires_grad=True).log_softmax(1)
>>> [round(v, 3) for v in next(expand(y._ctx, [y._ctx.parents[0].data], y.data)).local]
[0.731, -0.731]
"""
from __future__ import annotations

from typing import Iterator, List, Tuple

import numpy as np

from .scalar_rules import Item, Ref, Term, _flat_ids, _rule, expand

__all__ = ["expand"]


def _rows_along(shape: Tuple[int, ...], dim: int) -> Tuple[np.ndarray, np.ndarray]:
    """For each flat output index: its row (flat ids along `dim`) and its place in it.

    >>> rows, place = _rows_along((2, 3), 1); rows[4].tolist(), int(place[4])
    ([3, 4, 5], 1)
    """
    ids = np.moveaxis(_flat_ids(shape), dim, -1)
    rows = np.broadcast_to(ids[..., None, :], ids.shape + (ids.shape[-1],))
    rows = np.moveaxis(rows, -2, dim).reshape(-1, shape[dim])
    place = np.moveaxis(np.broadcast_to(np.arange(shape[dim]), ids.shape), -1, dim).ravel()
    return rows, place


def _dim(ctx, ndim: int) -> int:
    dim = ctx.options.get("dim", -1)
    return dim % ndim if ndim else 0


@_rule("LogSoftmax", "Softmax")
def _softmax(ctx, inputs, out) -> Iterator[Item]:
    """out_i = z_i − log Σ_j exp z_j: d out_i / d z_j = [i = j] − softmax_j;
    softmax: out_i = exp z_i / Σ exp z_j: d out_i / d z_j = out_i ([i = j] − out_j).
    Target: ops/softmax.py."""
    a = inputs[0].astype(np.float64)
    if a.ndim == 0:
        yield Term("log softmax" if ctx.name == "LogSoftmax" else "softmax", [Ref(0, 0)],
                   [0.0], float(out))
        return
    rows, place = _rows_along(a.shape, _dim(ctx, a.ndim))
    flat, outs = a.ravel(), out.astype(np.float64).ravel()
    for o, (row, i) in enumerate(zip(rows, place)):
        z = flat[row]
        p = np.exp(z - z.max())
        p /= p.sum()
        delta = (np.arange(len(row)) == i).astype(np.float64)
        if ctx.name == "LogSoftmax":
            local, symbol = delta - p, "log softmax"
        else:
            local, symbol = outs[o] * (delta - p), "softmax"
        yield Term(symbol, [Ref(0, int(j)) for j in row], [float(v) for v in local],
                   float(outs[o]))


@_rule("NLLLoss")
def _nll(ctx, inputs, out) -> Iterator[Item]:
    """out_i = −weight[t_i] · logp[i, t_i] (0 for an ignored row): one wire, from the
    target class's log-probability. Target: ops/loss.py."""
    logp = inputs[0]
    target = np.asarray(ctx.options["target"]).ravel()
    weight = ctx.options.get("weight")
    ignore = ctx.options.get("ignore_index", -100)
    classes = logp.shape[-1]
    for i, (t, value) in enumerate(zip(target, out.ravel())):
        w = 0.0 if t == ignore else (1.0 if weight is None else float(weight[t]))
        t = 0 if t == ignore else int(t)
        yield Term("nll" if w == 1.0 else f"nll·{w:g}", [Ref(0, i * classes + t)], [-w],
                   float(value))


@_rule("BatchNorm")
def _batch_norm(ctx, inputs, out) -> Iterator[Item]:
    """out = x̂·γ + β with x̂ = (x − mean_c)/√(var_c + eps). With the batch's own statistics
    (training) every element of the channel is an input: d out_i / d x_j =
    γ/σ ([i = j] − 1/m − x̂_i x̂_j / m); with running statistics only x_i: γ/σ.
    d out_i / d γ = x̂_i, d out_i / d β = 1. Target: ops/batch_norm.py."""
    x, gamma, beta = (a.astype(np.float64) for a in inputs[:3])
    o = ctx.options
    mean, var = np.asarray(o["mean"], np.float64), np.asarray(o["var"], np.float64)
    inv_std = 1.0 / np.sqrt(var + o.get("eps", 1e-5))
    channel = np.broadcast_to(
        np.arange(x.shape[1]).reshape((1, -1) + (1,) * (x.ndim - 2)), x.shape).ravel()
    x_hat = (x.ravel() - mean[channel]) * inv_std[channel]
    members = [np.flatnonzero(channel == c) for c in range(x.shape[1])]
    for i, value in enumerate(out.ravel()):
        c = int(channel[i])
        g = gamma[c] * inv_std[c]
        if o.get("batch_stats"):
            same = members[c]
            m = len(same)
            args: List[Item] = [Ref(0, int(j)) for j in same]
            local = list(g * ((same == i) - 1.0 / m - x_hat[i] * x_hat[same] / m))
        else:
            args, local = [Ref(0, i)], [float(g)]
        yield Term("bn", args + [Ref(1, c), Ref(2, c)],
                   [float(v) for v in local] + [float(x_hat[i]), 1.0], float(value))


@_rule("AdaptiveAvgPool2d")
def _adaptive_avg_pool(ctx, inputs, out) -> Iterator[Item]:
    """The mean of each window the op itself computes (its `windows`): global average
    pooling is one window over the whole map. Target: ops/pooling.py."""
    x = inputs[0]
    x_shape = (1,) * (4 - x.ndim) + x.shape  # an unbatched (C, H, W) input is batch 1
    out_shape = (1,) * (4 - out.ndim) + out.shape
    (h0, h1), (w0, w1), divisor = type(ctx).windows(ctx, x_shape[2], x_shape[3], **ctx.options)
    for o, value in enumerate(out.ravel()):
        n, c, i, j = np.unravel_index(o, out_shape)
        ids = [int(np.ravel_multi_index((n, c, r, s), x_shape))
               for r in range(h0[i], h1[i]) for s in range(w0[j], w1[j])]
        d = float(divisor[i, j])
        if len(ids) == 1 and d == 1.0:
            yield Ref(0, ids[0])
        else:
            yield Term("mean", [Ref(0, k) for k in ids], [1.0 / d] * len(ids), float(value))


@_rule("LeakyReLU")
def _leaky_relu(ctx, inputs, out) -> Iterator[Item]:
    """out = x if x > 0 else slope·x. Target: ops/activation.py."""
    slope = float(ctx.options.get("negative_slope", 0.01))
    for i, (a, value) in enumerate(zip(inputs[0].ravel(), out.ravel())):
        yield Term("lrelu", [Ref(0, i)], [1.0 if a > 0 else slope], float(value))
