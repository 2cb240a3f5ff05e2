"""Broadcasting binary arithmetic: forward and local gradient of each op side by side.

Gradients are returned in the broadcast (output) shape; the engine sums them back to
each input's shape.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from ..autograd.function import Function
from ..kernels import runtime
from .circuit import elementwise


def _pooled(ufunc: np.ufunc, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """ufunc(a, b), into a recycled buffer when a and b are one shape and dtype (a
    residual connection's add): fresh memory costs a page fault per 4 KiB."""
    if (a.nbytes >= runtime.MIN_BYTES and a.shape == b.shape and a.dtype == b.dtype
            and a.dtype.kind == "f"):
        return ufunc(a, b, out=runtime.scratch(a.shape, a.dtype))
    return ufunc(a, b)  # small ones: malloc recycles them, and this is the per-op cost


class Add(Function):
    circuit = elementwise("+")

    def forward(self, a, b):
        return _pooled(np.add, a, b)

    def backward(self, g):
        return g, g


class Sub(Function):
    circuit = elementwise("−")

    def forward(self, a, b):
        return _pooled(np.subtract, a, b)

    def backward(self, g):
        return g, -g


class Mul(Function):
    circuit = elementwise("*")

    def forward(self, a, b):
        self.save_for_backward(a, b)
        return _pooled(np.multiply, a, b)

    def backward(self, g):
        a, b = self.saved_tensors
        need_a, need_b = self.needs_input_grad
        return (g * b if need_a else None), (g * a if need_b else None)


class Div(Function):
    circuit = elementwise("/")

    def forward(self, a, b):
        out = np.true_divide(a, b)
        if out.dtype.kind == "f" and a.dtype.kind != "f" and b.dtype.kind != "f":
            out = out.astype(np.float32)  # int / int gives float32, as in PyTorch
        self.save_for_backward(a, b)
        return out

    def backward(self, g):
        a, b = self.saved_tensors
        need_a, need_b = self.needs_input_grad
        ga = g / b if need_a else None
        gb = -g * a / (b * b) if need_b else None
        return ga, gb


class Pow(Function):
    circuit = elementwise("^")

    def forward(self, a, b):
        out = np.power(a, b)
        self.save_for_backward(a, b, out)
        return out

    def backward(self, g):
        a, b, out = self.saved_tensors
        need_a, need_b = self.needs_input_grad
        ga = None
        if need_a:
            # d/da a**0 is 0 everywhere, even at a == 0 where b * a**(b-1) would be nan
            with np.errstate(divide="ignore", invalid="ignore"):
                local = g * b * np.power(a, b - 1)
            ga = np.where(b == 0, np.zeros((), g.dtype), local)
        gb = None
        if need_b:
            with np.errstate(divide="ignore", invalid="ignore"):
                gb = g * out * np.log(a)
            # 0 ** b with b >= 0 has gradient 0 w.r.t. b (PyTorch's convention)
            gb = np.where((a == 0) & (b >= 0), 0, gb)
        return ga, gb


class Maximum(Function):
    circuit = elementwise("max")

    def forward(self, a, b):
        self.save_for_backward(a, b)
        return np.maximum(a, b)

    def backward(self, g):
        a, b = self.saved_tensors
        # ties share the gradient equally, as in PyTorch
        share = np.where(a > b, 1.0, np.where(a == b, 0.5, 0.0)).astype(g.dtype)
        return g * share, g * (1 - share)


class Minimum(Function):
    circuit = elementwise("min")

    def forward(self, a, b):
        self.save_for_backward(a, b)
        return np.minimum(a, b)

    def backward(self, g):
        a, b = self.saved_tensors
        share = np.where(a < b, 1.0, np.where(a == b, 0.5, 0.0)).astype(g.dtype)
        return g * share, g * (1 - share)


class Where(Function):
    """where(condition, a, b); the condition is an option, not a differentiable input."""

    def forward(self, a, b, condition):
        self.condition = condition
        return np.where(condition, a, b)

    def backward(self, g):
        zero = np.zeros((), dtype=g.dtype)
        return np.where(self.condition, g, zero), np.where(self.condition, zero, g)


# ----- user-facing functions: Tensor methods (tensor.py's table) and nn.functional -----
def add(input, other: Any, alpha: float = 1) -> Any:
    """`input + alpha * other`, broadcasting as numpy does; dtypes promote as in PyTorch.

    The operators `+ - * / ** @` call `add`, `sub`, `mul`, `div`, `pow`, `matmul`, and
    work with Python numbers or arrays on either side:

    >>> from tinygrad_cnn import Tensor
    >>> a = Tensor([[1.0, 2.0]])             # shape (1, 2)
    >>> b = Tensor([[10.0], [20.0]])         # shape (2, 1)
    >>> a + b                                # broadcasts to (2, 2)
    tensor([[11., 12.],
            [21., 22.]])
    >>> a - 1, a * 3, 1 - a
    (tensor([[0., 1.]]), tensor([[3., 6.]]), tensor([[ 0., -1.]]))
    >>> a / 2, a ** 2
    (tensor([[0.5000, 1.0000]]), tensor([[1., 4.]]))
    >>> a @ Tensor([[3.0], [4.0]])
    tensor([[11.]])
    >>> a.add(1.0, alpha=3)
    tensor([[4., 5.]])
    """
    a, b = input._operands(other)
    return Add.apply(a, b if alpha == 1 else b * alpha)


def sub(input, other: Any, alpha: float = 1) -> Any:
    """`input - alpha * other`, broadcasting (see `add`).

    >>> from tinygrad_cnn import Tensor
    >>> Tensor([[1.0, 2.0]]).sub(Tensor([[1.0], [2.0]]))
    tensor([[ 0.,  1.],
            [-1.,  0.]])
    """
    no_bool_subtraction(input, other)
    a, b = input._operands(other)
    return Sub.apply(a, b if alpha == 1 else b * alpha)


def mul(input, other: Any) -> Any:
    """Elementwise product, broadcasting (see `add`).

    >>> from tinygrad_cnn import Tensor
    >>> x = Tensor([1.0, 2.0], requires_grad=True)
    >>> y = x.mul(Tensor([3.0, 4.0])); y
    tensor([3., 8.], grad_fn=<MulBackward>)
    >>> y.sum().backward(); x.grad
    tensor([3., 4.])
    """
    return Mul.apply(*input._operands(other))


def div(input, other: Any) -> Any:
    """Elementwise true division, broadcasting (see `add`).

    >>> from tinygrad_cnn import Tensor
    >>> Tensor([1.0, 2.0]).div(2), 2 / Tensor([1.0, 4.0])
    (tensor([0.5000, 1.0000]), tensor([2.0000, 0.5000]))
    """
    return Div.apply(*input._operands(other))


def pow(input, exponent: Any) -> Any:
    """Elementwise power; `exponent` may be a number or a tensor (see `add`).

    >>> from tinygrad_cnn import Tensor
    >>> Tensor([1.0, 2.0, 3.0]).pow(2), 2 ** Tensor([1.0, 3.0])
    (tensor([1., 4., 9.]), tensor([2., 8.]))
    """
    return Pow.apply(*input._operands(exponent))


def maximum(input, other: Any) -> Any:
    """Elementwise maximum of two tensors, broadcasting.

    >>> from tinygrad_cnn import Tensor
    >>> Tensor([1.0, 5.0]).maximum(Tensor([3.0, 2.0]))
    tensor([3., 5.])
    """
    return Maximum.apply(*input._operands(other))


def minimum(input, other: Any) -> Any:
    """Elementwise minimum of two tensors, broadcasting.

    >>> from tinygrad_cnn import Tensor
    >>> Tensor([1.0, 5.0]).minimum(Tensor([3.0, 2.0]))
    tensor([1., 2.])
    """
    return Minimum.apply(*input._operands(other))


def no_bool_subtraction(input, other: Any) -> None:
    """PyTorch refuses `-` with booleans (usually a mask that wanted `~`)."""
    other_dtype = other._data.dtype if isinstance(other, type(input)) else getattr(
        other, "dtype", None) or (np.dtype(bool) if isinstance(other, bool) else None)
    if input._data.dtype == np.bool_ or other_dtype == np.bool_:
        raise RuntimeError("Subtraction, the `-` operator, with a bool tensor is not "
                           "supported. If you are trying to invert a mask, use the `~` or "
                           "`logical_not()` operator instead.")


def reflected(op: type, symbol: str, name: str, elementwise: bool = True):
    """`other <symbol> input`: the op with the operands swapped (`2 - t`, `ndarray * t`);
    `elementwise` ops need broadcastable shapes (a matmul has its own rule)."""
    def swapped(input, other: Any) -> Any:
        if op is Sub:
            no_bool_subtraction(input, other)
        b, a = input._operands(other, elementwise)
        return op.apply(a, b)

    swapped.__name__ = swapped.__qualname__ = f"r{name}"
    swapped.__doc__ = f"`other {symbol} input` (see `{name}`)."
    return swapped


radd, rsub = reflected(Add, "+", "add"), reflected(Sub, "-", "sub")
rmul, rdiv = reflected(Mul, "*", "mul"), reflected(Div, "/", "div")
rpow = reflected(Pow, "**", "pow")
