"""Matrix product with numpy's broadcasting rules (1-D, 2-D and batched): forward and gradient."""
from __future__ import annotations

from typing import Any

import numpy as np

from ..autograd.function import Function
from ..kernels import runtime
from .arithmetic import reflected
from .circuit import Ref, dot


def _circuit(ctx, inputs, out):
    """One `+` of k products per output element (1-D and 2-D operands)."""
    a, b = inputs
    if a.ndim > 2 or b.ndim > 2:
        raise NotImplementedError("draw_circuit expands matmul of 1-D and 2-D tensors only, "
                                  f"got shapes {a.shape} and {b.shape}")
    k = a.shape[-1]
    cols = 1 if b.ndim == 1 else b.shape[1]
    fa, fb = a.ravel(), b.ravel()
    for o, value in enumerate(out.ravel()):
        i, j = divmod(o, cols)  # a 1-D side is a single row / column
        pairs = [(Ref(0, i * k + q), Ref(1, q * cols + j), float(fa[i * k + q]),
                  float(fb[q * cols + j])) for q in range(k)]
        yield dot(pairs, [], float(value))


_circuit.node_per_element = True


class MatMul(Function):
    label, category, circuit = "matmul", "linear", _circuit

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
        return runtime.matmul(a, b)

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
            ga = runtime.matmul(g2, np.swapaxes(b2, -1, -2))
            ga = ga[..., 0, :] if a.ndim == 1 else ga
        if need_b and b2.ndim == a2.ndim == 2 and b2.flags.f_contiguous \
                and not b2.flags.c_contiguous:
            # b is a transposed C array (`x @ weight.T`): the gradient in the weight's
            # own layout, so the transpose's backward gives a C array, not a strided copy
            gb = runtime.matmul(g2.T, a2).T
        elif need_b:
            gb = runtime.matmul(np.swapaxes(a2, -1, -2), g2)
            gb = gb[..., 0] if b.ndim == 1 else gb
        return ga, gb


# ----- user-facing functions: Tensor methods (tensor.py's table) and nn.functional -----
def matmul(input, other: Any) -> Any:
    """Matrix product `input @ other` with numpy's rules for 1-d and batched inputs.

    >>> from tinygrad_cnn import Tensor
    >>> x = Tensor([[1.0, 2.0]], requires_grad=True)
    >>> y = x @ Tensor([[3.0], [4.0]]); y
    tensor([[11.]], grad_fn=<MatMulBackward>)
    >>> y.sum().backward(); x.grad
    tensor([[3., 4.]])
    """
    return MatMul.apply(*input._operands(other, elementwise=False))


rmatmul = reflected(MatMul, "@", "matmul", elementwise=False)  # `ndarray @ t`
