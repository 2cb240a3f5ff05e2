"""Matrix product with numpy's broadcasting rules (1-D, 2-D and batched): forward and gradient."""
from __future__ import annotations

import numpy as np

from ..autograd.function import Function
from ..kernels.batch_split import matmul


class MatMul(Function):
    def forward(self, a, b):
        if a.ndim == 0 or b.ndim == 0:
            raise RuntimeError("matmul: both arguments need at least 1 dimension, got shapes "
                               f"{a.shape} and {b.shape}")
        ka, kb = a.shape[-1], b.shape[0] if b.ndim == 1 else b.shape[-2]
        if ka != kb:
            raise RuntimeError(f"matmul: shapes {a.shape} and {b.shape} cannot be multiplied "
                               f"({ka} != {kb} in the contracted dimension)")
        try:
            np.broadcast_shapes(a.shape[:-2], b.shape[:-2])
        except ValueError:
            raise RuntimeError(f"matmul: the batch dimensions of shapes {a.shape} and "
                               f"{b.shape} cannot be broadcast ({a.shape[:-2]} and "
                               f"{b.shape[:-2]})") from None
        self.save_for_backward(a, b)
        return matmul(a, b)

    def backward(self, g):
        a, b = self.saved_tensors
        # treat vectors as 1-row / 1-column matrices, then drop that axis again
        a2 = a[None, :] if a.ndim == 1 else a
        b2 = b[:, None] if b.ndim == 1 else b
        g2 = g[..., None] if b.ndim == 1 else g  # b first: for vec @ vec, g is 0-d
        g2 = g2[..., None, :] if a.ndim == 1 else g2
        need_a, need_b = self.needs_input_grad
        ga = gb = None
        if need_a:
            ga = matmul(g2, np.swapaxes(b2, -1, -2))
            ga = ga[..., 0, :] if a.ndim == 1 else ga
        if need_b:
            gb = matmul(np.swapaxes(a2, -1, -2), g2)
            gb = gb[..., 0] if b.ndim == 1 else gb
        return ga, gb
