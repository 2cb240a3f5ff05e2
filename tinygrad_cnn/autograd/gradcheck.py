"""`gradcheck`: compare analytic gradients with central finite differences."""
from __future__ import annotations

from typing import Any, Callable, Sequence, Union

import numpy as np

from .grad_mode import no_grad


class GradcheckError(RuntimeError):
    """Raised by `gradcheck` when analytic and numerical gradients disagree (or an input
    is not float64). A `RuntimeError`, as in PyTorch. Here relu's kink at 0 trips it:

    >>> from tinygrad_cnn import Tensor, gradcheck
    >>> x = Tensor([0.0, 1.0], dtype="float64", requires_grad=True)
    >>> gradcheck(lambda t: t.relu(), x)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    tinygrad_cnn.autograd.gradcheck.GradcheckError: Jacobian mismatch for output 0 ...
    """


def _outputs(fn: Callable, inputs: Sequence[Any]) -> list:
    out = fn(*inputs)
    return list(out) if isinstance(out, (tuple, list)) else [out]


def _numerical_jacobian(fn, inputs, x, out_index, eps) -> np.ndarray:
    """d out[out_index] / d x, one column per element of x (central differences)."""
    flat = x._data.reshape(-1)  # a view: perturb in place and restore
    cols = []
    for i in range(flat.size):
        orig = flat[i]
        with no_grad():
            flat[i] = orig + eps
            plus = np.array(_outputs(fn, inputs)[out_index]._data, dtype=np.float64)
            flat[i] = orig - eps
            minus = np.array(_outputs(fn, inputs)[out_index]._data, dtype=np.float64)
        flat[i] = orig
        cols.append(((plus - minus) / (2 * eps)).reshape(-1))
    return np.stack(cols, axis=1) if cols else np.zeros((0, 0))


def _analytic_jacobian(fn, inputs, x, out_index) -> np.ndarray:
    """Row k: the gradient of output element k w.r.t. x, by one backward each."""
    size = _outputs(fn, inputs)[out_index]._data.size
    rows = []
    for k in range(size):
        for t in inputs:
            if hasattr(t, "grad"):
                t.grad = None
        out = _outputs(fn, inputs)[out_index]
        seed = np.zeros(size, dtype=out.dtype)
        seed[k] = 1
        if out.requires_grad:
            out.backward(seed.reshape(out.shape))
        g = x.grad._data if x.grad is not None else np.zeros(x.shape)
        rows.append(np.asarray(g, dtype=np.float64).reshape(-1))
    return np.stack(rows) if rows else np.zeros((0, x._data.size))


def gradcheck(fn: Callable, inputs: Union[Any, Sequence[Any]], eps: float = 1e-6,
              atol: float = 1e-5, rtol: float = 1e-3, raise_exception: bool = True) -> bool:
    """Check `fn`'s gradients w.r.t. every input with requires_grad against finite differences.

    Use float64 inputs: float32 finite differences are too noisy to be meaningful.

    >>> from tinygrad_cnn import Tensor, gradcheck
    >>> x = Tensor([[0.5, -1.0]], dtype="float64", requires_grad=True)
    >>> gradcheck(lambda t: (t * t).tanh(), (x,))
    True
    """
    inputs = tuple(inputs) if isinstance(inputs, (tuple, list)) else (inputs,)
    checked = [t for t in inputs if getattr(t, "requires_grad", False)]  # the Tensors
    if not checked:
        raise ValueError("gradcheck expects at least one input tensor with requires_grad=True")
    for t in checked:
        if t.dtype != np.float64:
            raise GradcheckError(f"gradcheck needs float64 inputs, got an input of dtype "
                                 f"{t.dtype} and shape {t.shape}")
    for t in checked:
        # finite differences perturb the data in place through a flat view
        t._data = np.ascontiguousarray(t._data)
    n_out = len(_outputs(fn, inputs))
    for j, x in enumerate(inputs):
        if not any(x is t for t in checked):  # identity: `in` would call Tensor.__eq__
            continue
        for o in range(n_out):
            numeric = _numerical_jacobian(fn, inputs, x, o, eps)
            analytic = _analytic_jacobian(fn, inputs, x, o)
            if not np.allclose(analytic, numeric, rtol=rtol, atol=atol):
                diff = np.nan_to_num(np.abs(analytic - numeric), nan=np.inf)
                worst = tuple(int(i) for i in np.unravel_index(np.argmax(diff), numeric.shape))
                msg = (f"Jacobian mismatch for output {o} with respect to input {j} "
                       f"(shape {x.shape}): at (output element, input element) {worst} "
                       f"analytical={analytic[worst]:.6g} numerical={numeric[worst]:.6g}")
                if raise_exception:
                    raise GradcheckError(msg)
                return False
    for t in checked:
        t.grad = None
    return True
