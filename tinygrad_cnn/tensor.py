"""`Tensor`: a numpy array that remembers how it was made.

Every op on tensors that require grad records a `Function` node (`tensor._ctx`), so the
program itself builds the DAG (define-by-run). `backward()` walks it in reverse.

>>> from tinygrad_cnn import Tensor
>>> x = Tensor([[1.0, -2.0]], requires_grad=True)
>>> (x * x).sum().backward()
>>> x.grad
tensor([[ 2., -4.]])
"""
from __future__ import annotations

from collections import namedtuple
from typing import Any, Callable, Optional, Sequence, Tuple, Union

import numpy as np

from . import dtypes
from .autograd import engine, function
from .autograd.grad_mode import STATE
from .checks import broadcastable, integer, real, reducible
from .ops import activation, arithmetic, matmul, reduce, shape, softmax, unary

Shape = Union[int, Sequence[int]]
MinMax = namedtuple("MinMax", ["values", "indices"])
MinMax.__doc__ = """`(values, indices)` returned by `Tensor.max(dim)` / `Tensor.min(dim)`.

>>> values, indices = Tensor([[1.0, 5.0], [3.0, 2.0]]).max(dim=1)
>>> values, indices
(tensor([5., 3.]), tensor([1, 0]))
"""


def _shape_args(args: tuple) -> Tuple[int, ...]:
    """Accept both f(2, 3) and f((2, 3)), as PyTorch does."""
    if len(args) == 1 and isinstance(args[0], (tuple, list)):
        args = tuple(args[0])
    return tuple(integer(a, "size") for a in args)  # 2.5 is refused, not truncated


class _HookHandle:
    def __init__(self, hooks: dict, key: int) -> None:
        self.hooks, self.key = hooks, key

    def remove(self) -> None:
        self.hooks.pop(self.key, None)


class Tensor:
    """An n-dimensional array with automatic differentiation.

    `Tensor(data, requires_grad=False, dtype=None)`: `data` is a number, nested lists, a
    numpy array or a Tensor; Python floats become float32 (the default dtype), ints int64.

    >>> t = Tensor([1.0, 2.0, 3.0], requires_grad=True)
    >>> t.shape, t.dtype
    ((3,), dtype('float32'))
    >>> Tensor([1, 2], dtype="float64")
    tensor([1., 2.], dtype=float64)
    """

    __slots__ = ("data", "grad", "_requires_grad", "_ctx", "_hooks", "_retains_grad",
                 "__weakref__")
    __array_priority__ = 1000  # numpy defers `ndarray + Tensor` to Tensor.__radd__

    def __init__(self, data: Any, requires_grad: bool = False, dtype: Any = None) -> None:
        if isinstance(data, Tensor):
            data = data.data
        self.data: np.ndarray = dtypes.to_array(data, dtype)
        self.grad: Optional[Tensor] = None
        self._ctx = None
        self._hooks: dict = {}
        self._retains_grad = False
        self._requires_grad = False
        self.requires_grad = requires_grad

    @classmethod
    def _wrap(cls, data: np.ndarray, requires_grad: bool) -> "Tensor":
        """Fast constructor for op outputs: no conversion, no checks."""
        t = cls.__new__(cls)
        t.data, t.grad, t._ctx, t._hooks = data, None, None, {}
        t._retains_grad, t._requires_grad = False, requires_grad
        return t

    # ----- autograd state -------------------------------------------------------------
    @property
    def requires_grad(self) -> bool:
        """Whether ops on this tensor are recorded so that `backward()` can reach it.

        Only floating point tensors can require grad; only leaves can switch it off.

        >>> w = Tensor([1.0, 2.0])
        >>> w.requires_grad
        False
        >>> w.requires_grad = True
        >>> (w * 3).sum().backward(); w.grad
        tensor([3., 3.])
        """
        return self._requires_grad

    @requires_grad.setter
    def requires_grad(self, value: bool) -> None:
        if value and self.data.dtype.kind not in "fc":
            raise RuntimeError("only Tensors of floating point dtype can require gradients, "
                               f"got dtype {self.data.dtype}")
        if not value and self._ctx is not None:
            raise RuntimeError("you can only change requires_grad flags of leaf tensors; "
                               "use .detach() to get a tensor outside the graph")
        self._requires_grad = bool(value)

    def requires_grad_(self, requires_grad: bool = True) -> "Tensor":
        """Set requires_grad in place and return self.

        >>> Tensor([1.0, 2.0]).requires_grad_()
        tensor([1., 2.], requires_grad=True)
        """
        self.requires_grad = requires_grad
        return self

    @property
    def is_leaf(self) -> bool:
        """True for tensors made by the user rather than by an op on tensors requiring grad.

        >>> x = Tensor([1.0], requires_grad=True)
        >>> x.is_leaf, (x * 2).is_leaf
        (True, False)
        """
        return self._ctx is None

    @property
    def grad_fn(self):
        """The Function that produced this tensor (None for leaves).

        >>> x = Tensor([1.0], requires_grad=True)
        >>> (x * 2).grad_fn, x.grad_fn
        (<MulBackward>, None)
        """
        return self._ctx

    def detach(self) -> "Tensor":
        """A tensor sharing the data but cut out of the graph.

        >>> x = Tensor([1.0, 2.0], requires_grad=True)
        >>> x.detach()
        tensor([1., 2.])
        >>> (x * 2).detach().requires_grad
        False
        """
        return Tensor._wrap(self.data, False)

    def retain_grad(self) -> None:
        """Also keep `.grad` on this non-leaf tensor during backward.

        >>> x = Tensor([1.0, 2.0], requires_grad=True)
        >>> y = x * 3
        >>> y.retain_grad()
        >>> y.sum().backward()
        >>> y.grad, x.grad
        (tensor([1., 1.]), tensor([3., 3.]))
        """
        if not self._requires_grad:
            raise RuntimeError("can't retain_grad on a tensor that doesn't require grad")
        self._retains_grad = True

    def register_hook(self, hook: Callable[["Tensor"], Optional["Tensor"]]) -> _HookHandle:
        """Call `hook(grad)` when this tensor's gradient is computed; a returned tensor
        replaces the gradient. Returns a handle whose `.remove()` unregisters it.

        >>> x = Tensor([1.0, 2.0], requires_grad=True)
        >>> handle = x.register_hook(lambda g: g * 10)
        >>> (x * x).sum().backward(); x.grad
        tensor([20., 40.])
        >>> handle.remove()
        """
        if not self._requires_grad:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require grad")
        key = max(self._hooks, default=-1) + 1
        self._hooks[key] = hook
        return _HookHandle(self._hooks, key)

    def backward(self, gradient: Any = None, retain_graph: Optional[bool] = None,
                 create_graph: bool = False) -> None:
        """Accumulate d(self)/d(leaf) into `.grad` of every leaf that requires grad.

        A non-scalar tensor needs `gradient` (same shape): the vector of the
        vector-Jacobian product. `retain_graph=True` allows a second backward.

        >>> w = Tensor([3.0], requires_grad=True)
        >>> (w * w).sum().backward(); w.grad
        tensor([6.])
        >>> x = Tensor([1.0, 2.0], requires_grad=True)
        >>> (x * x).backward(Tensor([1.0, 0.5])); x.grad
        tensor([2., 2.])
        """
        if create_graph:
            raise NotImplementedError("create_graph=True (higher-order gradients) is not "
                                      "supported: gradients are computed on plain arrays")
        if not self._requires_grad:
            raise RuntimeError("element 0 of tensors does not require grad and does not have "
                               "a grad_fn: call backward on a result of ops on tensors created "
                               "with requires_grad=True")
        engine.run_backward(self, self._seed_gradient(gradient), bool(retain_graph))

    def _seed_gradient(self, gradient: Any) -> np.ndarray:
        if gradient is None:
            if self.data.size != 1:
                raise RuntimeError(
                    "grad can be implicitly created only for scalar outputs, but this tensor "
                    f"has shape {self.shape}: pass backward(gradient=...) of that shape")
            return np.ones(self.data.shape, dtype=self.data.dtype)
        g = gradient.data if isinstance(gradient, Tensor) else np.asarray(gradient)
        if g.shape != self.data.shape:
            raise RuntimeError(f"gradient has shape {g.shape} but the tensor has shape "
                               f"{self.shape}: they must match")
        if isinstance(gradient, Tensor) and g.dtype != self.data.dtype:
            raise RuntimeError(f"gradient has dtype {g.dtype} but the tensor has dtype "
                               f"{self.data.dtype}: they must match")
        return g.astype(self.data.dtype, copy=False)

    def zero_(self) -> "Tensor":
        """Fill with zeros in place (outside the graph), e.g. to reset a `.grad`.

        >>> Tensor([1.0, 2.0]).zero_()
        tensor([0., 0.])
        """
        self.data[...] = 0
        return self

    # ----- data access ------------------------------------------------------------------
    @property
    def shape(self) -> Tuple[int, ...]:
        """The size of each dimension, as a plain tuple.

        >>> Tensor([[1.0, 2.0, 3.0]]).shape
        (1, 3)
        """
        return self.data.shape

    @property
    def dtype(self) -> np.dtype:
        """The numpy dtype of the elements (float32 by default for Python floats).

        >>> Tensor([1.0]).dtype, Tensor([1]).dtype
        (dtype('float32'), dtype('int64'))
        """
        return self.data.dtype

    @property
    def ndim(self) -> int:
        """The number of dimensions.

        >>> Tensor([[1.0, 2.0]]).ndim
        2
        """
        return self.data.ndim

    @property
    def device(self) -> str:
        """Always 'cpu' (kept for PyTorch-compatible code).

        >>> Tensor([1.0]).device
        'cpu'
        """
        return "cpu"

    def dim(self) -> int:
        """The number of dimensions (same as `ndim`).

        >>> Tensor([[1.0, 2.0]]).dim()
        2
        """
        return self.data.ndim

    def size(self, dim: Optional[int] = None) -> Union[Tuple[int, ...], int]:
        """The shape, or the size of one `dim`.

        >>> t = Tensor([[1.0, 2.0, 3.0]])
        >>> t.size(), t.size(1), t.size(-2)
        ((1, 3), 3, 1)
        """
        return self.data.shape if dim is None else self.data.shape[dim]

    def numel(self) -> int:
        """The total number of elements.

        >>> Tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]).numel()
        6
        """
        return int(self.data.size)

    def numpy(self) -> np.ndarray:
        """The underlying numpy array (shared, not copied). Use `.detach().numpy()` on a
        tensor that requires grad.

        >>> Tensor([1.0, 2.0]).numpy()
        array([1., 2.], dtype=float32)
        """
        if self._requires_grad:
            raise RuntimeError("Can't call numpy() on a Tensor that requires grad. "
                               "Use tensor.detach().numpy() instead.")
        return self.data

    def __array__(self, dtype=None, copy=None) -> np.ndarray:
        """Let numpy read the tensor: `np.asarray(t)`, `np.array(t, dtype)`.

        >>> np.asarray(Tensor([1.0, 2.0]), dtype=np.float64)
        array([1., 2.])
        """
        if copy:
            return np.array(self.data, dtype=dtype, copy=True)
        return self.data if dtype is None else self.data.astype(dtype, copy=False)

    def item(self) -> Union[float, int, bool]:
        """The value of a one-element tensor as a Python number.

        >>> Tensor([[2.5]]).item()
        2.5
        """
        if self.data.size != 1:
            raise RuntimeError(f"a Tensor with {self.data.size} elements cannot be converted "
                               "to a Python scalar")
        return self.data.reshape(()).item()

    def tolist(self) -> Any:
        """The values as (nested) Python lists.

        >>> Tensor([[1.0, 2.0]]).tolist()
        [[1.0, 2.0]]
        """
        return self.data.tolist()

    def __len__(self) -> int:
        """The size of the first dimension; iterating yields the rows.

        >>> t = Tensor([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
        >>> len(t), [row.sum().item() for row in t]
        (3, [3.0, 7.0, 11.0])
        """
        if self.data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self.data.shape[0]

    def __iter__(self):
        """Iterate over the first dimension (see `__len__`)."""
        return (self[i] for i in range(len(self)))

    def __bool__(self) -> bool:
        """Truth value of a one-element tensor; `float()`, `int()` convert it likewise.

        >>> bool(Tensor([0.0])), float(Tensor([2.5])), int(Tensor([7]))
        (False, 2.5, 7)
        """
        if self.data.size != 1:
            raise RuntimeError(f"Boolean value of Tensor with {self.data.size} values is "
                               "ambiguous")
        return bool(self.data)

    def __float__(self) -> float:
        """`float(t)` of a one-element tensor (see `__bool__`)."""
        return float(self.item())

    def __int__(self) -> int:
        """`int(t)` of a one-element tensor (see `__bool__`)."""
        return int(self.item())

    def __index__(self) -> int:
        """A one-element integer tensor can index Python sequences.

        >>> ["a", "b", "c"][Tensor(1)]
        'b'
        """
        if self.data.dtype.kind not in "iu" or self.data.size != 1:
            raise TypeError("only integer tensors of a single element can be used as an index")
        return int(self.item())

    __hash__ = object.__hash__

    def __repr__(self) -> str:
        """PyTorch-style text: dtype only when not the default, then grad info.

        >>> Tensor([1.5, 2.0]), Tensor([1, 2]), Tensor([1.0], requires_grad=True) * 2
        (tensor([1.5000, 2.0000]), tensor([1, 2]), tensor([2.], grad_fn=<MulBackward>))
        """
        data = self.data
        # like torch: "1., 2." for whole numbers, otherwise four fixed decimals "1.5000"
        whole = data.dtype.kind != "f" or not np.all(np.isfinite(data)) or \
            np.all(data == np.round(data))
        body = np.array2string(data, separator=", ", prefix="tensor(", precision=4,
                               threshold=200, edgeitems=3,
                               floatmode="maxprec" if whole else "fixed")
        extras = []
        if data.dtype not in (dtypes.get_default_dtype(), np.int64, np.bool_):
            extras.append(f"dtype={data.dtype}")
        if data.size == 0 and data.ndim != 1:
            extras.append(f"size={self.shape}")
        if self._ctx is not None:
            extras.append(f"grad_fn=<{self._ctx.name}Backward>")
        elif self._requires_grad:
            extras.append("requires_grad=True")
        return "tensor(" + ", ".join([body] + extras) + ")"

    def _repr_html_(self) -> str:
        """Jupyter view: a summary line above the values.

        >>> Tensor([1.0, 3.0])._repr_html_()
        '<b>Tensor shape=(2,) dtype=float32 min=1 mean=2 max=3</b><pre>tensor([1., 3.])</pre>'
        """
        from html import escape

        info = f"Tensor shape={self.shape} dtype={self.dtype}"
        if self.data.size and self.data.dtype.kind in "fiu":
            info += (f" min={self.data.min():.4g} mean={self.data.mean():.4g} "
                     f"max={self.data.max():.4g}")
        if self._ctx is not None:
            info += f" grad_fn={self._ctx.name}"
        return f"<b>{escape(info)}</b><pre>{escape(repr(self))}</pre>"

    # ----- dtype ------------------------------------------------------------------------
    def to(self, *args: Any, **kwargs: Any) -> "Tensor":
        """Cast to a dtype; device arguments ('cpu') are accepted and ignored.

        >>> Tensor([1.5, 2.0]).to("cpu", dtype="float64")
        tensor([1.5000, 2.0000], dtype=float64)
        """
        dtype = kwargs.get("dtype")
        for a in args:
            if not (isinstance(a, str) and a == "cpu"):
                dtype = a
        return self.type(dtype) if dtype is not None else self

    def type(self, dtype: Any) -> "Tensor":
        """Cast to `dtype` (returns self if it already has it). A float-to-float cast of a
        tensor requiring grad stays in the graph; other casts leave it.

        >>> Tensor([1.5, -2.7]).type(np.int64)
        tensor([ 1, -2])
        """
        dtype = np.dtype(dtype)
        if dtype == self.data.dtype:
            return self
        if self._requires_grad and dtype.kind == "f":
            return unary.Cast.apply(self, dtype=dtype)
        return Tensor._wrap(self.data.astype(dtype), False)

    def float(self) -> "Tensor":
        """Cast to float32; `double()`, `long()`, `int()`, `bool()` are the other casts.

        >>> Tensor([1, 2]).float()
        tensor([1., 2.])
        >>> t = Tensor([0.0, -1.7])
        >>> t.double()
        tensor([ 0.0000, -1.7000], dtype=float64)
        >>> t.long(), t.int(), t.bool()
        (tensor([ 0, -1]), tensor([ 0, -1], dtype=int32), tensor([False,  True]))
        """
        return self.type(np.float32)

    def double(self) -> "Tensor":
        """Cast to float64 (see `float`).

        >>> Tensor([1.5]).double()
        tensor([1.5000], dtype=float64)
        """
        return self.type(np.float64)

    def long(self) -> "Tensor":
        """Cast to int64, truncating towards zero (see `float`).

        >>> Tensor([1.7, -1.7]).long()
        tensor([ 1, -1])
        """
        return self.type(np.int64)

    def int(self) -> "Tensor":
        """Cast to int32, truncating towards zero (see `float`).

        >>> Tensor([1.7, -1.7]).int()
        tensor([ 1, -1], dtype=int32)
        """
        return self.type(np.int32)

    def bool(self) -> "Tensor":
        """Cast to bool: nonzero is True (see `float`).

        >>> Tensor([0.0, 2.0]).bool()
        tensor([False,  True])
        """
        return self.type(np.bool_)

    def cpu(self) -> "Tensor":
        """Return self: tensors always live on the CPU.

        >>> t = Tensor([1.0]); t.cpu() is t
        True
        """
        return self

    def is_floating_point(self) -> bool:
        """True for float dtypes.

        >>> Tensor([1.0]).is_floating_point(), Tensor([1]).is_floating_point()
        (True, False)
        """
        return self.data.dtype.kind == "f"

    # ----- arithmetic -------------------------------------------------------------------
    def _operand(self, other: Any) -> "Tensor":
        if isinstance(other, Tensor):
            return other
        if isinstance(other, (int, float, bool, np.number, np.bool_)):
            return Tensor._wrap(dtypes.scalar_array(other, self.data.dtype), False)
        return Tensor(other)

    def _operands(self, other: Any, elementwise: bool = True) -> Tuple["Tensor", "Tensor"]:
        """(self, other) as tensors of one dtype, promoted as PyTorch does; for elementwise
        ops their shapes must broadcast."""
        other = self._operand(other)
        if elementwise and other.data.ndim and other.data.shape != self.data.shape:
            broadcastable(self.data.shape, other.data.shape)
        if other.data.dtype == self.data.dtype:  # the common case: no promotion work
            return self, other
        dtype = dtypes.result_type(self.data, other.data)
        return self.type(dtype), other.type(dtype)

    def add(self, other: Any, alpha: float = 1) -> "Tensor":
        """`self + alpha * other`, broadcasting as numpy does; dtypes promote as in PyTorch.

        The operators `+ - * / ** @` call `add`, `sub`, `mul`, `div`, `pow`, `matmul`, and
        work with Python numbers or arrays on either side:

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
        a, b = self._operands(other)
        return arithmetic.Add.apply(a, b if alpha == 1 else b * alpha)

    def sub(self, other: Any, alpha: float = 1) -> "Tensor":
        """`self - alpha * other`, broadcasting (see `add`).

        >>> Tensor([[1.0, 2.0]]).sub(Tensor([[1.0], [2.0]]))
        tensor([[ 0.,  1.],
                [-1.,  0.]])
        """
        _no_bool_subtraction(self, other)
        a, b = self._operands(other)
        return arithmetic.Sub.apply(a, b if alpha == 1 else b * alpha)

    def mul(self, other: Any) -> "Tensor":
        """Elementwise product, broadcasting (see `add`).

        >>> x = Tensor([1.0, 2.0], requires_grad=True)
        >>> y = x.mul(Tensor([3.0, 4.0])); y
        tensor([3., 8.], grad_fn=<MulBackward>)
        >>> y.sum().backward(); x.grad
        tensor([3., 4.])
        """
        return arithmetic.Mul.apply(*self._operands(other))

    def div(self, other: Any) -> "Tensor":
        """Elementwise true division, broadcasting (see `add`).

        >>> Tensor([1.0, 2.0]).div(2), 2 / Tensor([1.0, 4.0])
        (tensor([0.5000, 1.0000]), tensor([2.0000, 0.5000]))
        """
        return arithmetic.Div.apply(*self._operands(other))

    def pow(self, exponent: Any) -> "Tensor":
        """Elementwise power; `exponent` may be a number or a tensor (see `add`).

        >>> Tensor([1.0, 2.0, 3.0]).pow(2), 2 ** Tensor([1.0, 3.0])
        (tensor([1., 4., 9.]), tensor([2., 8.]))
        """
        return arithmetic.Pow.apply(*self._operands(exponent))

    def matmul(self, other: "Tensor") -> "Tensor":
        """Matrix product `self @ other` with numpy's rules for 1-d and batched inputs.

        >>> x = Tensor([[1.0, 2.0]], requires_grad=True)
        >>> y = x @ Tensor([[3.0], [4.0]]); y
        tensor([[11.]], grad_fn=<MatMulBackward>)
        >>> y.sum().backward(); x.grad
        tensor([[3., 4.]])
        """
        return matmul.MatMul.apply(*self._operands(other, elementwise=False))

    def maximum(self, other: Any) -> "Tensor":
        """Elementwise maximum of two tensors, broadcasting.

        >>> Tensor([1.0, 5.0]).maximum(Tensor([3.0, 2.0]))
        tensor([3., 5.])
        """
        return arithmetic.Maximum.apply(*self._operands(other))

    def minimum(self, other: Any) -> "Tensor":
        """Elementwise minimum of two tensors, broadcasting.

        >>> Tensor([1.0, 5.0]).minimum(Tensor([3.0, 2.0]))
        tensor([1., 2.])
        """
        return arithmetic.Minimum.apply(*self._operands(other))

    __add__ = add
    __sub__ = sub
    __mul__ = mul
    __truediv__ = div
    __pow__ = pow
    __matmul__ = matmul

    # reflected forms (`2 - t`, `ndarray @ t`): same ops with the operands swapped
    def __radd__(self, other: Any) -> "Tensor":
        """`other + self` (see `add`)."""
        b, a = self._operands(other)
        return arithmetic.Add.apply(a, b)

    def __rsub__(self, other: Any) -> "Tensor":
        """`other - self` (see `add`)."""
        _no_bool_subtraction(self, other)
        b, a = self._operands(other)
        return arithmetic.Sub.apply(a, b)

    def __rmul__(self, other: Any) -> "Tensor":
        """`other * self` (see `add`)."""
        b, a = self._operands(other)
        return arithmetic.Mul.apply(a, b)

    def __rtruediv__(self, other: Any) -> "Tensor":
        """`other / self` (see `div`)."""
        b, a = self._operands(other)
        return arithmetic.Div.apply(a, b)

    def __rpow__(self, other: Any) -> "Tensor":
        """`other ** self` (see `pow`)."""
        b, a = self._operands(other)
        return arithmetic.Pow.apply(a, b)

    def __rmatmul__(self, other: Any) -> "Tensor":
        """`other @ self`, e.g. with a numpy array on the left (see `matmul`)."""
        b, a = self._operands(other, elementwise=False)
        return matmul.MatMul.apply(a, b)

    def __neg__(self) -> "Tensor":
        """`-t` (also `t.neg()`); `+t` is `t` and `abs(t)` is `t.abs()`.

        >>> t = Tensor([1.0, -2.0])
        >>> -t, t.neg(), abs(t)
        (tensor([-1.,  2.]), tensor([-1.,  2.]), tensor([1., 2.]))
        """
        return unary.Neg.apply(self)

    def __pos__(self) -> "Tensor":
        """`+t` is `t` (see `__neg__`)."""
        return self

    def __abs__(self) -> "Tensor":
        """`abs(t)` is `t.abs()` (see `__neg__`)."""
        return self.abs()

    neg = __neg__

    # comparisons give bool tensors and carry no gradient
    def _compare(self, other: Any, op: Callable) -> "Tensor":
        other = other.data if isinstance(other, Tensor) else other
        return Tensor._wrap(np.asarray(op(self.data, other)), False)

    def __lt__(self, other: Any) -> "Tensor":
        """Comparisons `< <= > >= == !=` (and `lt`, `le`, `gt`, `ge`, `eq`, `ne`) give bool
        tensors, broadcasting, with no gradient.

        >>> t = Tensor([1.0, 2.0, 3.0])
        >>> t < 2, t.ge(2)
        (tensor([ True, False, False]), tensor([False,  True,  True]))
        >>> t == Tensor([1.0, 0.0, 3.0])
        tensor([ True, False,  True])
        """
        return self._compare(other, np.less)

    def __le__(self, other: Any) -> "Tensor":
        """`self <= other` elementwise, also `le` (see `__lt__`).

        >>> Tensor([1.0, 2.0, 3.0]).le(2)
        tensor([ True,  True, False])
        """
        return self._compare(other, np.less_equal)

    def __gt__(self, other: Any) -> "Tensor":
        """`self > other` elementwise, also `gt` (see `__lt__`).

        >>> Tensor([1.0, 2.0, 3.0]).gt(2)
        tensor([False, False,  True])
        """
        return self._compare(other, np.greater)

    def __ge__(self, other: Any) -> "Tensor":
        """`self >= other` elementwise, also `ge` (see `__lt__`).

        >>> Tensor([1.0, 2.0, 3.0]) >= 2
        tensor([False,  True,  True])
        """
        return self._compare(other, np.greater_equal)

    def __eq__(self, other: Any) -> "Tensor":  # type: ignore[override]
        """`self == other` elementwise (a bool tensor, not a Python bool), also `eq`.

        >>> Tensor([1.0, 2.0, 3.0]).eq(2)
        tensor([False,  True, False])
        """
        return self._compare(other, np.equal)

    def __ne__(self, other: Any) -> "Tensor":  # type: ignore[override]
        """`self != other` elementwise, also `ne` (see `__lt__`).

        >>> Tensor([1.0, 2.0, 3.0]).ne(2)
        tensor([ True, False,  True])
        """
        return self._compare(other, np.not_equal)

    lt, le, gt, ge, eq, ne = __lt__, __le__, __gt__, __ge__, __eq__, __ne__

    def __invert__(self) -> "Tensor":
        """Logical `~`, `&`, `|` on bool tensors (e.g. to combine masks).

        >>> a, b = Tensor([True, False]), Tensor([True, True])
        >>> ~a, a & b, a | b
        (tensor([False,  True]), tensor([ True, False]), tensor([ True,  True]))
        """
        return Tensor._wrap(~self.data, False)

    def __and__(self, other: Any) -> "Tensor":
        """Logical and, `a & b` (see `__invert__`)."""
        return self._compare(other, np.logical_and)

    def __or__(self, other: Any) -> "Tensor":
        """Logical or, `a | b` (see `__invert__`)."""
        return self._compare(other, np.logical_or)

    # ----- elementwise math ------------------------------------------------------------
    def exp(self) -> "Tensor":
        """Elementwise e**x.

        >>> Tensor([0.0, 1.0]).exp()
        tensor([1.0000, 2.7183])
        """
        return unary.Exp.apply(self)

    def log(self) -> "Tensor":
        """Elementwise natural logarithm.

        >>> Tensor([1.0, 2.718281828]).log()
        tensor([0., 1.])
        """
        return unary.Log.apply(self)

    def sqrt(self) -> "Tensor":
        """Elementwise square root.

        >>> Tensor([1.0, 4.0]).sqrt()
        tensor([1., 2.])
        """
        return unary.Sqrt.apply(self)

    def abs(self) -> "Tensor":
        """Elementwise absolute value (gradient: the sign).

        >>> Tensor([-1.5, 2.0]).abs()
        tensor([1.5000, 2.0000])
        """
        return unary.Abs.apply(self)

    def clamp(self, min: Optional[float] = None, max: Optional[float] = None) -> "Tensor":
        """Limit values to [min, max] (either may be None); `clip` is an alias. The gradient
        is zero where a bound was applied.

        >>> x = Tensor([-2.0, 0.5, 3.0], requires_grad=True)
        >>> y = x.clamp(min=-1.0, max=1.0); y
        tensor([-1.0000,  0.5000,  1.0000], grad_fn=<ClampBackward>)
        >>> y.sum().backward(); x.grad
        tensor([0., 1., 0.])
        """
        if min is None and max is None:
            raise RuntimeError("clamp: at least one of 'min' or 'max' must not be None")
        for name, bound in (("min", min), ("max", max)):
            if bound is not None:
                real(bound, name, "clamp", finite=False)
        return unary.Clamp.apply(self, min=min, max=max)

    clip = clamp

    def clone(self) -> "Tensor":
        """A copy that stays in the graph (gradients flow back to `self`).

        >>> x = Tensor([1.0, 2.0], requires_grad=True)
        >>> x.clone()
        tensor([1., 2.], grad_fn=<IdentityBackward>)
        """
        return unary.Identity.apply(self)

    def contiguous(self) -> "Tensor":
        """Return self (kept for PyTorch-compatible code).

        >>> t = Tensor([[1.0, 2.0]]).T; t.contiguous() is t
        True
        """
        return self

    def relu(self) -> "Tensor":
        """max(x, 0) elementwise.

        >>> x = Tensor([-1.0, 2.0], requires_grad=True)
        >>> x.relu().sum().backward(); x.grad
        tensor([0., 1.])
        """
        return activation.ReLU.apply(self)

    def sigmoid(self) -> "Tensor":
        """1 / (1 + e**-x) elementwise.

        >>> Tensor([0.0, 2.0]).sigmoid()
        tensor([0.5000, 0.8808])
        """
        return activation.Sigmoid.apply(self)

    def tanh(self) -> "Tensor":
        """Hyperbolic tangent elementwise.

        >>> Tensor([0.0, 1.0]).tanh()
        tensor([0.0000, 0.7616])
        """
        return activation.Tanh.apply(self)

    def softmax(self, dim: int) -> "Tensor":
        """exp(x) normalised to sum to 1 along `dim` (numerically stable).

        >>> Tensor([[0.0, 0.0], [0.0, 1.0]]).softmax(dim=1)
        tensor([[0.5000, 0.5000],
                [0.2689, 0.7311]])
        """
        return softmax.Softmax.apply(self, dim=dim)

    def log_softmax(self, dim: int) -> "Tensor":
        """log(softmax(x, dim)), computed stably (pair it with NLL for cross-entropy).

        >>> Tensor([[0.0, 0.0], [0.0, 1.0]]).log_softmax(dim=1)
        tensor([[-0.6931, -0.6931],
                [-1.3133, -0.3133]])
        """
        return softmax.LogSoftmax.apply(self, dim=dim)

    def where(self, condition: Any, other: Any) -> "Tensor":
        """`self` where condition holds, else `other` (PyTorch's Tensor.where).

        >>> x = Tensor([1.0, 2.0], requires_grad=True)
        >>> x.where(Tensor([True, False]), 0.0).sum().backward(); x.grad
        tensor([1., 0.])
        """
        return where(condition, self, other)

    def masked_fill(self, mask: Any, value: float) -> "Tensor":
        """`value` where `mask` is true, else self (the mask broadcasts).

        >>> Tensor([[1.0, 2.0], [3.0, 4.0]]).masked_fill(Tensor([False, True]), -1.0)
        tensor([[ 1., -1.],
                [ 3., -1.]])
        """
        return where(mask, value, self)

    # ----- reductions ------------------------------------------------------------------
    def sum(self, dim: Any = None, keepdim: bool = False) -> "Tensor":
        """Sum of all elements, or along `dim` (an int or a tuple of ints); `keepdim=True`
        keeps the reduced dims with size 1.

        >>> t = Tensor([[1.0, 2.0], [3.0, 4.0]])
        >>> t.sum(), t.sum(dim=1)
        (tensor(10.), tensor([3., 7.]))
        >>> t.sum(dim=0, keepdim=True)
        tensor([[4., 6.]])
        """
        return reduce.Sum.apply(self, dim=dim, keepdim=keepdim)

    def mean(self, dim: Any = None, keepdim: bool = False) -> "Tensor":
        """Mean of all elements, or along `dim` (floating point tensors only).

        >>> x = Tensor([[1.0, 2.0], [3.0, 5.0]], requires_grad=True)
        >>> x.mean(dim=1, keepdim=True)
        tensor([[1.5000],
                [4.0000]], grad_fn=<MeanBackward>)
        >>> x.mean().backward(); x.grad
        tensor([[0.2500, 0.2500],
                [0.2500, 0.2500]])
        """
        if self.data.dtype.kind not in "fc":
            raise RuntimeError(f"mean(): input dtype should be floating point, got "
                               f"{self.data.dtype}")
        return reduce.Mean.apply(self, dim=dim, keepdim=keepdim)

    def max(self, dim: Optional[int] = None, keepdim: bool = False):
        """Max over everything, or `(values, indices)` along one `dim`; given a tensor,
        the elementwise `maximum`. The gradient goes to the selected element.

        >>> x = Tensor([[1.0, 5.0], [3.0, 2.0]], requires_grad=True)
        >>> x.detach().max()
        tensor(5.)
        >>> values, indices = x.max(dim=1)
        >>> indices
        tensor([1, 0])
        >>> values.sum().backward(); x.grad
        tensor([[0., 1.],
                [1., 0.]])
        """
        if isinstance(dim, Tensor):
            return self.maximum(dim)
        out = reduce.Max.apply(self, dim=dim, keepdim=keepdim)
        return MinMax(*out) if isinstance(out, tuple) else out

    def min(self, dim: Optional[int] = None, keepdim: bool = False):
        """Min over everything, or `(values, indices)` along one `dim` (see `max`).

        >>> t = Tensor([[1.0, 5.0], [3.0, 2.0]])
        >>> t.min()
        tensor(1.)
        >>> t.min(dim=0, keepdim=True)
        MinMax(values=tensor([[1., 2.]]), indices=tensor([[0, 1]]))
        """
        if isinstance(dim, Tensor):
            return self.minimum(dim)
        out = reduce.Max.apply(self, dim=dim, keepdim=keepdim, smallest=True)
        return MinMax(*out) if isinstance(out, tuple) else out

    def amax(self, dim: Any = None, keepdim: bool = False) -> "Tensor":
        """Max values only, over one dim or a tuple of dims.

        >>> t = Tensor([[1.0, 5.0], [3.0, 2.0]])
        >>> t.amax(dim=0), t.amax(dim=(0, 1))
        (tensor([3., 5.]), tensor(5.))
        """
        dim = tuple(dim) if isinstance(dim, (list, tuple)) else (None if dim is None else (dim,))
        return reduce.Max.apply(self, dim=dim, keepdim=keepdim)

    def amin(self, dim: Any = None, keepdim: bool = False) -> "Tensor":
        """Min values only, over one dim or a tuple of dims (see `amax`).

        >>> Tensor([[1.0, 5.0], [3.0, 2.0]]).amin(dim=1, keepdim=True)
        tensor([[1.],
                [2.]])
        """
        dim = tuple(dim) if isinstance(dim, (list, tuple)) else (None if dim is None else (dim,))
        return reduce.Max.apply(self, dim=dim, keepdim=keepdim, smallest=True)

    def argmax(self, dim: Optional[int] = None, keepdim: bool = False) -> "Tensor":
        """Index of the max along `dim`, or into the flattened tensor if dim is None.

        >>> t = Tensor([[1.0, 5.0], [3.0, 2.0]])
        >>> t.argmax(dim=1), t.argmax()
        (tensor([1, 0]), tensor(1))
        """
        return self._arg(np.argmax, dim, keepdim)

    def argmin(self, dim: Optional[int] = None, keepdim: bool = False) -> "Tensor":
        """Index of the min along `dim`, or into the flattened tensor (see `argmax`).

        >>> Tensor([[1.0, 5.0], [3.0, 2.0]]).argmin(dim=0)
        tensor([0, 1])
        """
        return self._arg(np.argmin, dim, keepdim)

    def _arg(self, pick: Callable, dim: Optional[int], keepdim: bool) -> "Tensor":
        axes = None if dim is None else (shape.wrap_dim(dim, self.ndim),)
        reducible(self.shape, axes, pick.__name__)
        if self.dtype == np.bool_:
            raise RuntimeError(f"{pick.__name__}(): does not support bool input")
        if dim is None or not self.ndim:  # a 0-d tensor: index 0 along its only "dim"
            idx = np.asarray(pick(self.data))
            return Tensor._wrap(idx.reshape((1,) * self.ndim) if keepdim else idx, False)
        return Tensor._wrap(np.asarray(pick(self.data, axis=dim, keepdims=keepdim)), False)

    def var(self, dim: Any = None, unbiased: Optional[bool] = None, keepdim: bool = False,
            correction: Optional[int] = None) -> "Tensor":
        """Variance with Bessel's correction by default (`correction=1`);
        `unbiased=False` (or `correction=0`) divides by n.

        >>> Tensor([1.0, 3.0]).var().item()
        2.0
        >>> t = Tensor([[1.0, 3.0], [2.0, 2.0]])
        >>> t.var(dim=1), t.var(dim=1, unbiased=False)
        (tensor([2., 0.]), tensor([1., 0.]))
        """
        return reduce.Var.apply(self, dim=dim, keepdim=keepdim,
                                correction=_correction(unbiased, correction))

    def std(self, dim: Any = None, unbiased: Optional[bool] = None, keepdim: bool = False,
            correction: Optional[int] = None) -> "Tensor":
        """Standard deviation (see `var`).

        >>> round(Tensor([1.0, 3.0]).std().item() ** 2, 4)
        2.0
        >>> Tensor([[1.0, 3.0], [2.0, 2.0]]).std(dim=1, keepdim=True)
        tensor([[1.4142],
                [0.0000]])
        """
        return reduce.Std.apply(self, dim=dim, keepdim=keepdim,
                                correction=_correction(unbiased, correction))

    # ----- shape -----------------------------------------------------------------------
    def reshape(self, *shape: Any) -> "Tensor":
        """The same elements in a new shape; one size may be -1 (inferred). Takes sizes as
        arguments or as one tuple; `view` is an alias.

        >>> t = Tensor([1.0, 2.0, 3.0, 4.0, 5.0, 6.0])
        >>> t.reshape(2, 3)
        tensor([[1., 2., 3.],
                [4., 5., 6.]])
        >>> t.view((-1, 2)).shape
        (3, 2)
        """
        return _shape_op_reshape(self, _shape_args(shape))

    view = reshape

    def flatten(self, start_dim: int = 0, end_dim: int = -1) -> "Tensor":
        """Merge dims start_dim..end_dim into one.

        >>> t = Tensor(np.zeros((2, 3, 4)))
        >>> t.flatten().shape, t.flatten(1).shape, t.flatten(0, 1).shape
        ((24,), (2, 12), (6, 4))
        """
        s, e = shape.wrap_dim(start_dim, self.ndim), shape.wrap_dim(end_dim, self.ndim)
        if self.ndim == 0:
            return self.reshape(1)
        if s > e:
            raise RuntimeError("flatten() has invalid args: start_dim cannot come after end_dim")
        merged = int(np.prod(self.shape[s:e + 1]))  # not -1: ambiguous for an empty batch
        return self.reshape(self.shape[:s] + (merged,) + self.shape[e + 1:]) if s != e else self

    def permute(self, *dims: Any) -> "Tensor":
        """Reorder the dimensions: output dim i is input dim `dims[i]`.

        >>> Tensor(np.zeros((2, 3, 4))).permute(2, 0, 1).shape
        (4, 2, 3)
        """
        dims = tuple(shape.wrap_dim(d, self.ndim) for d in _shape_args(dims))
        if sorted(dims) != list(range(self.ndim)):
            raise RuntimeError(f"permute: dims {dims} are not a permutation of the "
                               f"{self.ndim} dimensions of shape {self.shape}")
        return shape.Permute.apply(self, dims=dims)

    def transpose(self, dim0: int, dim1: int) -> "Tensor":
        """Swap two dimensions.

        >>> Tensor([[1.0, 2.0, 3.0]]).transpose(0, 1)
        tensor([[1.],
                [2.],
                [3.]])
        """
        dims = list(range(self.ndim))
        dim0, dim1 = shape.wrap_dim(dim0, self.ndim), shape.wrap_dim(dim1, self.ndim)
        if self.ndim < 2:
            return self
        dims[dim0], dims[dim1] = dims[dim1], dims[dim0]
        return self.permute(dims)

    @property
    def T(self) -> "Tensor":
        """All dimensions reversed (the matrix transpose for 2-d); `t()` does the same.

        >>> Tensor([[1.0, 2.0], [3.0, 4.0]]).T
        tensor([[1., 3.],
                [2., 4.]])
        """
        return self.permute(tuple(reversed(range(self.ndim))))

    def t(self) -> "Tensor":
        """The transpose (see `T`).

        >>> Tensor([[1.0, 2.0, 3.0]]).t().shape
        (3, 1)
        """
        return self.T

    def squeeze(self, dim: Optional[int] = None) -> "Tensor":
        """Drop size-1 dims: all of them, or only `dim` (unchanged if its size is not 1).

        >>> t = Tensor(np.zeros((1, 3, 1)))
        >>> t.squeeze().shape, t.squeeze(0).shape, t.squeeze(1).shape
        ((3,), (3, 1), (1, 3, 1))
        """
        if dim is None:
            return self.reshape(tuple(n for n in self.shape if n != 1))
        dim = shape.wrap_dim(dim, self.ndim)
        if self.ndim == 0 or self.shape[dim] != 1:
            return self
        return self.reshape(self.shape[:dim] + self.shape[dim + 1:])

    def unsqueeze(self, dim: int) -> "Tensor":
        """Insert a size-1 dim at position `dim` (negative counts from the end).

        >>> t = Tensor([1.0, 2.0])
        >>> t.unsqueeze(0).shape, t.unsqueeze(-1).shape
        ((1, 2), (2, 1))
        """
        dim = shape.wrap_dim(dim, self.ndim + 1)
        return self.reshape(self.shape[:dim] + (1,) + self.shape[dim:])

    def expand(self, *sizes: Any) -> "Tensor":
        """Broadcast to `sizes` without copying (-1 keeps a size). The gradient sums
        over the broadcast dims.

        >>> x = Tensor([[1.0], [2.0]], requires_grad=True)
        >>> x.detach().expand(-1, 3)
        tensor([[1., 1., 1.],
                [2., 2., 2.]])
        >>> x.expand(2, 3).sum().backward(); x.grad
        tensor([[3.],
                [3.]])
        """
        sizes = _shape_args(sizes)
        lead = len(sizes) - self.ndim
        target = tuple(self.shape[i - lead] if n == -1 and i >= lead else n
                       for i, n in enumerate(sizes))
        ok = lead >= 0 and all(old in (1, new) for old, new in zip(self.shape, target[lead:]))
        if not ok or min(target, default=0) < 0:
            raise RuntimeError(f"expand: shape {self.shape} cannot be expanded to {sizes}: "
                               "only size-1 dims can grow and -1 only keeps an existing dim")
        return shape.Expand.apply(self, shape=target)

    def expand_as(self, other: "Tensor") -> "Tensor":
        """`expand` to `other`'s shape.

        >>> Tensor([1.0, 2.0]).expand_as(Tensor(np.zeros((3, 2)))).shape
        (3, 2)
        """
        return self.expand(other.shape)

    def __getitem__(self, index: Any) -> "Tensor":
        """numpy-style indexing: ints, slices, None, and integer or bool tensors/lists.
        Gradients flow back to the selected elements.

        >>> x = Tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
        >>> x.detach()[:, 0], x.detach()[Tensor([1, 0]), Tensor([0, 1])]
        (tensor([1., 3.]), tensor([3., 2.]))
        >>> x[1].sum().backward(); x.grad
        tensor([[0., 0.],
                [1., 1.]])
        """
        return shape.Getitem.apply(self, index=_numpy_index(index))


# the autograd modules wrap op outputs without importing this module (circular import)
function.wrap_array = engine.wrap_array = Tensor._wrap


def _correction(unbiased: Optional[bool], correction: Optional[int]) -> int:
    if correction is not None:
        return correction
    return 0 if unbiased is False else 1


def _no_bool_subtraction(t: Tensor, other: Any) -> None:
    """PyTorch refuses `-` with booleans (usually a mask that wanted `~`)."""
    other_dtype = other.data.dtype if isinstance(other, Tensor) else getattr(
        other, "dtype", None) or (np.dtype(bool) if isinstance(other, bool) else None)
    if t.data.dtype == np.bool_ or other_dtype == np.bool_:
        raise RuntimeError("Subtraction, the `-` operator, with a bool tensor is not "
                           "supported. If you are trying to invert a mask, use the `~` or "
                           "`logical_not()` operator instead.")


def _shape_op_reshape(t: Tensor, new_shape: Tuple[int, ...]) -> Tensor:
    """`t` in `new_shape` (no op recorded when the shape is unchanged)."""
    if new_shape == t.shape:
        return t
    return shape.Reshape.apply(t, shape=new_shape)


def _numpy_index(index: Any) -> Any:
    """Tensors and lists inside an index become numpy arrays."""
    if isinstance(index, tuple):
        return tuple(_numpy_index(i) for i in index)
    if isinstance(index, Tensor):
        return index.data
    if isinstance(index, list):
        return np.asarray(index)
    return index


def as_tensor(x: Any, like: Optional[Tensor] = None) -> Tensor:
    """`x` as a Tensor; Python scalars take `like`'s dtype (no promotion).

    >>> as_tensor([1, 2])
    tensor([1, 2])
    >>> as_tensor(2, like=Tensor([1.0], dtype="float64"))
    tensor(2., dtype=float64)
    """
    if isinstance(x, Tensor):
        return x
    if like is not None:
        return like._operand(x)
    return Tensor(x)


def where(condition: Any, input: Any, other: Any) -> Tensor:
    """Pick from `input` where `condition` is true, else from `other` (both broadcast).

    >>> where(Tensor([True, False]), Tensor([1.0, 2.0]), 0.0)
    tensor([1., 0.])
    >>> where(Tensor([[True], [False]]), Tensor([1.0, 2.0]), Tensor([-1.0, -2.0]))
    tensor([[ 1.,  2.],
            [-1., -2.]])
    """
    cond = condition.data if isinstance(condition, Tensor) else np.asarray(condition)
    if isinstance(input, Tensor) or not isinstance(other, Tensor):
        a = as_tensor(input)
        b = as_tensor(other, like=a)
    else:
        b = other
        a = as_tensor(input, like=b)
    a, b = a._operands(b)
    return arithmetic.Where.apply(a, b, condition=cond.astype(bool, copy=False))
