"""`linear` as GEMMs: y = x @ w.T + b with the bias in the GEMM (BLAS beta = 1 on a
buffer holding the bias), and the gradients gx = g @ w, gw = g.T @ x, gb = g.sum(0).

x is (M, K), w (N, K) as PyTorch keeps it: BLAS reads `w.T` and `g.T` as transposed
views, so no operand is ever copied. A large product runs in two parts on the two cores
(`runtime.batch_parts`), each GEMM on one BLAS thread: the forward splits the N output
columns, the backward the K input features (each part writes its own columns of gx and
gw), the splits that measured fastest at LeNet's and the Keras MNIST net's fc1 shapes
(benchmarks/TUNING.md).
"""
from __future__ import annotations

from typing import Optional, Tuple

import numpy as np

from . import runtime


def _flops(m: int, k: int, n: int) -> float:
    return 2.0 * m * k * n


def linear_forward(x: np.ndarray, w: np.ndarray, b: Optional[np.ndarray]) -> np.ndarray:
    """x @ w.T + b for 2-D x (M, K), w (N, K), b (N,) or None, all of one dtype.

    With fewer rows than output features (a small batch into a wide layer) it computes
    out.T = w @ x.T + b[:, None] and transposes that small result: OpenBLAS runs the
    product with w as its untransposed left operand faster (Keras MNIST's fc1, 24 rows by
    2352 -> 512: 0.67 -> 0.52 ms; benchmarks/TUNING.md).

    >>> linear_forward(np.ones((2, 3)), np.ones((1, 3)), np.array([0.5])).tolist()
    [[3.5], [3.5]]
    """
    m, n = x.shape[0], w.shape[0]
    out = runtime.scratch((m, n), x.dtype)
    if m == 0 or n == 0:
        return out
    turned = m < n
    into = runtime.scratch((n, m), x.dtype) if turned else out

    def part(_: int, c0: int, c1: int) -> None:
        if turned:
            left, right, dest = w[c0:c1], x.T, into[c0:c1]
        else:
            left, right, dest = x, w[c0:c1].T, into[:, c0:c1]
        if b is None:
            runtime.gemm(left, right, out=dest)
        else:
            dest[...] = b[c0:c1, None] if turned else b[c0:c1]
            runtime.gemm_accumulate(left, right, dest)

    runtime.run_parts(part, runtime.batch_parts(n, _flops(m, x.shape[1], n)))
    if turned:
        out[...] = into.T
    return out


def linear_backward(g: np.ndarray, x: np.ndarray, w: np.ndarray, need_x: bool,
                    need_w: bool) -> Tuple[Optional[np.ndarray], Optional[np.ndarray]]:
    """(gx = g @ w, gw = g.T @ x), each None when not wanted; g (M, N), x (M, K), w (N, K).

    >>> gx, gw = linear_backward(np.ones((2, 1)), np.ones((2, 3)), np.ones((1, 3)), True, True)
    >>> gx.tolist(), gw.tolist()
    ([[1.0, 1.0, 1.0], [1.0, 1.0, 1.0]], [[2.0, 2.0, 2.0]])
    """
    (m, k), n = x.shape, w.shape[0]
    g = np.require(g, requirements="C")  # a broadcast gradient (y.sum()'s) is no BLAS operand
    gx = runtime.scratch((m, k), g.dtype) if need_x else None
    gw = runtime.scratch((n, k), g.dtype) if need_w else None

    def part(_: int, k0: int, k1: int) -> None:
        if gx is not None:
            runtime.gemm(g, w[:, k0:k1], out=gx[:, k0:k1])
        if gw is not None:
            runtime.gemm(g.T, x[:, k0:k1], out=gw[:, k0:k1])

    if m == 0 or n == 0:  # an empty sum: BLAS is not called with a zero dimension
        for grad in (gx, gw):
            if grad is not None:
                grad[...] = 0
        return gx, gw
    runtime.run_parts(part, runtime.batch_parts(k, _flops(m, k, n) * (need_x + need_w)))
    return gx, gw
