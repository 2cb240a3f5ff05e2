"""linear: y = x @ W.T + b as one op (one GEMM with the bias inside it), as F.linear and
nn.Linear use it. The GEMMs live in `kernels/linear.py`.
"""
from __future__ import annotations

import math
from typing import Any, Optional

from ..autograd.function import Function
from ..dtypes import promote_types
from ..kernels.linear import linear_backward, linear_forward
from .circuit import Ref, dot


def _circuit(ctx, inputs, out):
    """One `+` per output element over its row's products x*w (and the bias)."""
    x, w = inputs[0], inputs[1]
    k = w.shape[1]
    fx, fw = x.ravel(), w.ravel()
    for o, value in enumerate(out.ravel()):
        i, j = divmod(o, w.shape[0])  # x flattened to (rows, k): row i, output feature j
        pairs = [(Ref(0, i * k + q), Ref(1, j * k + q), float(fx[i * k + q]),
                  float(fw[j * k + q])) for q in range(k)]
        yield dot(pairs, [Ref(2, j)] if len(inputs) > 2 else [], float(value))


_circuit.node_per_element = True


class Linear(Function):
    """out[..., j] = b[j] + sum_q x[..., q] * w[j, q]; the leading dimensions of x are
    flattened into rows (a view when x is contiguous)."""

    label, category, circuit = "linear", "linear", _circuit

    def forward(self, x, w, b=None):
        rows = x.reshape(math.prod(x.shape[:-1]), x.shape[-1])  # -1 fails when K = 0
        if self.needs_input_grad:
            self.save_for_backward(rows, w)
            self.x_shape, self.has_bias = x.shape, b is not None
        return linear_forward(rows, w, b).reshape(x.shape[:-1] + w.shape[:1])

    def backward(self, g):
        rows, w = self.saved_tensors
        g2 = g.reshape(rows.shape[0], w.shape[0])
        need_x, need_w = self.needs_input_grad[:2]
        gx, gw = linear_backward(g2, rows, w, need_x, need_w)
        gx = gx.reshape(self.x_shape) if gx is not None else None
        if not self.has_bias:
            return gx, gw
        return gx, gw, g2.sum(0) if self.needs_input_grad[2] else None


def linear(input: Any, weight: Any, bias: Optional[Any] = None) -> Any:
    """input @ weight.T + bias, as torch.nn.functional.linear; input may have any number
    of leading dimensions (or be 1-D).

    >>> from tinygrad_cnn import Tensor
    >>> x = Tensor([[1.0, 2.0]], requires_grad=True)
    >>> y = linear(x, Tensor([[1.0, 1.0]]), Tensor([0.5])); y
    tensor([[3.5000]], grad_fn=<LinearBackward>)
    >>> y.sum().backward(); x.grad
    tensor([[1., 1.]])
    """
    if weight.ndim != 2 or input.ndim == 0 or input.shape[-1] != weight.shape[1]:
        raise RuntimeError(f"linear: input of shape {input.shape} has "
                           f"{input.shape[-1] if input.ndim else 0} features but weight of "
                           f"shape {weight.shape} expects "
                           f"{weight.shape[-1] if weight.ndim else 'none'} "
                           "(weight must be (out_features, in_features))")
    if bias is not None and bias.shape != (weight.shape[0],):
        raise RuntimeError(f"linear: bias of shape {bias.shape} does not match "
                           f"out_features={weight.shape[0]}")
    tensors = [t for t in (input, weight, bias) if t is not None]
    dtype = tensors[0].dtype  # mixed dtypes promote, as `@` and `+` do
    for t in tensors[1:]:
        dtype = promote_types(dtype, t.dtype)
    return Linear.apply(*(t if t.dtype == dtype else t.type(dtype) for t in tensors))
