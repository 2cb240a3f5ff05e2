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

from typing import Any, Callable, Optional, Sequence, Tuple, Union

import numpy as np

from . import devices, dtypes
from .autograd import engine
from .autograd.function import UNCHANGED, shared_version
from .checks import broadcastable
from .kernels import runtime
from .ops.arithmetic import Where
from .ops.unary import Cast

Shape = Union[int, Sequence[int]]
class _HookHandle:
    def __init__(self, hooks: dict, key: int) -> None:
        self.hooks, self.key = hooks, key

    def remove(self) -> None:
        self.hooks.pop(self.key, None)


class Tensor:
    """An n-dimensional array with automatic differentiation.

    `Tensor(data, requires_grad=False, dtype=None)`: `data` is a number, nested lists, a
    numpy array or a Tensor. Numbers and lists become the default dtype (float32), as
    `torch.Tensor([1, 2])` does (`tensor([1, 2])` infers int64); arrays keep their dtype.

    >>> t = Tensor([1.0, 2.0, 3.0], requires_grad=True)
    >>> t.shape, t.dtype, Tensor([1, 2]).dtype
    ((3,), dtype('float32'), dtype('float32'))
    >>> Tensor([1, 2], dtype="float64")
    tensor([1., 2.], dtype=float64)
    """

    __slots__ = ("_data", "_version", "grad", "_requires_grad", "_ctx", "_hooks", "_retains_grad",
                 "__weakref__")
    __array_priority__ = 1000  # numpy defers `ndarray + Tensor` to Tensor.__radd__

    def __init__(self, data: Any, requires_grad: bool = False, dtype: Any = None) -> None:
        python_data = dtype is None and not isinstance(data, (Tensor, np.ndarray, np.generic))
        if isinstance(data, Tensor):
            data = data._data
        self._data: np.ndarray = dtypes.to_array(data, dtype)
        if python_data and self._data.dtype.kind != "f":  # torch.Tensor([1, 2]) is float
            self._data = self._data.astype(dtypes.get_default_dtype())
        self._version = UNCHANGED  # counts in-place ops; shared with aliases (.data, detach)
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
        t._data, t._version, t.grad, t._ctx, t._hooks = data, UNCHANGED, None, None, {}
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
        if value and self._data.dtype.kind not in "fc":
            raise RuntimeError("only Tensors of floating point dtype can require gradients, "
                               f"got dtype {self._data.dtype}")
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
        alias = Tensor._wrap(self._data, False)
        alias._version = shared_version(self)
        return alias

    @property
    def data(self) -> "Tensor":
        """This tensor's values as a tensor outside the graph, sharing its memory (as in
        PyTorch): in-place ops on it change this tensor and are not recorded or checked.
        Assigning `t.data = other` replaces the values. For numpy, use `.numpy()`.

        >>> w = Tensor([1.0, 2.0], requires_grad=True)
        >>> w.data.mul_(10); w
        tensor([10., 20.])
        tensor([10., 20.], requires_grad=True)
        """
        return self.detach()

    @data.setter
    def data(self, value: Any) -> None:
        array = value._data if isinstance(value, Tensor) else np.asarray(value)
        if self._requires_grad and array.dtype.kind not in "fc":
            raise RuntimeError(f"data set to a tensor of dtype {array.dtype} on a tensor "
                               "that requires grad (only floating point can)")
        self._data = array

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
        engine.run_backward(self, self._seed_gradient(gradient), bool(retain_graph),
                            allocate=runtime.scratch)

    def _seed_gradient(self, gradient: Any) -> np.ndarray:
        if gradient is None:
            if self._data.size != 1:
                raise RuntimeError(
                    "grad can be implicitly created only for scalar outputs, but this tensor "
                    f"has shape {self.shape}: pass backward(gradient=...) of that shape")
            return np.ones(self._data.shape, dtype=self._data.dtype)
        g = gradient._data if isinstance(gradient, Tensor) else np.asarray(gradient)
        if g.shape != self._data.shape:
            raise RuntimeError(f"gradient has shape {g.shape} but the tensor has shape "
                               f"{self.shape}: they must match")
        if isinstance(gradient, Tensor) and g.dtype != self._data.dtype:
            raise RuntimeError(f"gradient has dtype {g.dtype} but the tensor has dtype "
                               f"{self._data.dtype}: they must match")
        return g.astype(self._data.dtype, copy=False)

    # ----- data access ------------------------------------------------------------------
    @property
    def shape(self) -> Tuple[int, ...]:
        """The size of each dimension, as a plain tuple.

        >>> Tensor([[1.0, 2.0, 3.0]]).shape
        (1, 3)
        """
        return self._data.shape

    @property
    def dtype(self) -> np.dtype:
        """The numpy dtype of the elements (float32 by default for Python floats).

        >>> Tensor([1.0]).dtype, Tensor([1], dtype="int64").dtype
        (dtype('float32'), dtype('int64'))
        """
        return self._data.dtype

    @property
    def ndim(self) -> int:
        """The number of dimensions.

        >>> Tensor([[1.0, 2.0]]).ndim
        2
        """
        return self._data.ndim

    @property
    def device(self) -> devices.device:
        """Where the tensor lives: always the CPU (`is_cuda` is False).

        >>> Tensor([1.0]).device
        device(type='cpu')
        """
        return devices.CPU

    @property
    def is_cuda(self) -> bool:
        """False: tensors live on the CPU."""
        return False

    def dim(self) -> int:
        """The number of dimensions (same as `ndim`).

        >>> Tensor([[1.0, 2.0]]).dim()
        2
        """
        return self._data.ndim

    def size(self, dim: Optional[int] = None) -> Union[Tuple[int, ...], int]:
        """The shape, or the size of one `dim`.

        >>> t = Tensor([[1.0, 2.0, 3.0]])
        >>> t.size(), t.size(1), t.size(-2)
        ((1, 3), 3, 1)
        """
        return self._data.shape if dim is None else self._data.shape[dim]

    def numel(self) -> int:
        """The total number of elements.

        >>> Tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]).numel()
        6
        """
        return int(self._data.size)

    def numpy(self) -> np.ndarray:
        """The underlying numpy array (shared, not copied). Use `.detach().numpy()` on a
        tensor that requires grad.

        >>> Tensor([1.0, 2.0]).numpy()
        array([1., 2.], dtype=float32)
        """
        if self._requires_grad:
            raise RuntimeError("Can't call numpy() on a Tensor that requires grad. "
                               "Use tensor.detach().numpy() instead.")
        return self._data

    def __array__(self, dtype=None, copy=None) -> np.ndarray:
        """Let numpy read the tensor: `np.asarray(t)`, `np.array(t, dtype)`.

        >>> np.asarray(Tensor([1.0, 2.0]), dtype=np.float64)
        array([1., 2.])
        """
        if copy:
            return np.array(self._data, dtype=dtype, copy=True)
        return self._data if dtype is None else self._data.astype(dtype, copy=False)

    def item(self) -> Union[float, int, bool]:
        """The value of a one-element tensor as a Python number.

        >>> Tensor([[2.5]]).item()
        2.5
        """
        if self._data.size != 1:
            raise RuntimeError(f"a Tensor with {self._data.size} elements cannot be converted "
                               "to a Python scalar")
        return self._data.reshape(()).item()

    def tolist(self) -> Any:
        """The values as (nested) Python lists.

        >>> Tensor([[1.0, 2.0]]).tolist()
        [[1.0, 2.0]]
        """
        return self._data.tolist()

    def __len__(self) -> int:
        """The size of the first dimension; iterating yields the rows.

        >>> t = Tensor([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
        >>> len(t), [row.sum().item() for row in t]
        (3, [3.0, 7.0, 11.0])
        """
        if self._data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self._data.shape[0]

    def __iter__(self):
        """Iterate over the first dimension (see `__len__`)."""
        return (self[i] for i in range(len(self)))

    def __bool__(self) -> bool:
        """Truth value of a one-element tensor; `float()`, `int()` convert it likewise.

        >>> bool(Tensor([0.0])), float(Tensor([2.5])), int(Tensor([7], dtype="int64"))
        (False, 2.5, 7)
        """
        if self._data.size != 1:
            raise RuntimeError(f"Boolean value of Tensor with {self._data.size} values is "
                               "ambiguous")
        return bool(self._data)

    def __float__(self) -> float:
        """`float(t)` of a one-element tensor (see `__bool__`)."""
        return float(self.item())

    def __int__(self) -> int:
        """`int(t)` of a one-element tensor (see `__bool__`)."""
        return int(self.item())

    def __index__(self) -> int:
        """A one-element integer tensor can index Python sequences.

        >>> ["a", "b", "c"][Tensor(1, dtype="int64")]
        'b'
        """
        if self._data.dtype.kind not in "iu" or self._data.size != 1:
            raise TypeError("only integer tensors of a single element can be used as an index")
        return int(self.item())

    __hash__ = object.__hash__

    def __repr__(self) -> str:
        """PyTorch-style text: dtype only when not the default, then grad info.

        >>> Tensor([1.5, 2.0]), Tensor([1, 2], dtype="int64"), Tensor([1.0], requires_grad=True) * 2
        (tensor([1.5000, 2.0000]), tensor([1, 2]), tensor([2.], grad_fn=<MulBackward>))
        """
        data = self._data
        # like torch: "1., 2." for whole numbers, otherwise four fixed decimals "1.5000"
        integral = data.dtype.kind != "f" or not np.all(np.isfinite(data)) or \
            np.all(data == np.round(data))
        body = np.array2string(data, separator=", ", prefix="tensor(", precision=4,
                               threshold=200, edgeitems=3,
                               floatmode="maxprec" if integral else "fixed")
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
        if self._data.size and self._data.dtype.kind in "fiu":
            info += (f" min={self._data.min():.4g} mean={self._data.mean():.4g} "
                     f"max={self._data.max():.4g}")
        if self._ctx is not None:
            info += f" grad_fn={self._ctx.name}"
        return f"<b>{escape(info)}</b><pre>{escape(repr(self))}</pre>"

    # ----- dtype ------------------------------------------------------------------------
    def to(self, *args: Any, **kwargs: Any) -> "Tensor":
        """`.to(device)`, `.to(dtype)`, `.to(device, dtype)`, `.to(other)` as in PyTorch:
        self when nothing changes (unless copy=True). The CPU is the only device: asking
        for another (e.g. 'cuda') is a clear error.

        >>> from tinygrad_cnn import device
        >>> t = Tensor([1.5, 2.0]); t.to(device("cpu")) is t
        True
        >>> t.to("cpu", dtype="float64")
        tensor([1.5000, 2.0000], dtype=float64)
        >>> t.to(Tensor([1], dtype="int32"))
        tensor([1, 2], dtype=int32)
        """
        request = devices.parse_to_args(*args, **kwargs)
        out = self if request.dtype is None else self.type(request.dtype)
        return out.clone() if request.copy and out is self else out

    def cuda(self, device: Any = None, non_blocking: bool = False) -> "Tensor":
        """Refused with a clear error: there is no GPU backend (see `tinygrad_cnn.cuda`).

        >>> try:
        ...     Tensor([1.0]).cuda()
        ... except RuntimeError as error:
        ...     print(str(error)[:50])
        cannot use device 'cuda': tinygrad_cnn runs on the
        """
        devices.resolve("cuda" if device is None else devices.device("cuda", device)
                        if isinstance(device, int) else device)
        return self

    def type(self, dtype: Any) -> "Tensor":
        """Cast to `dtype` (returns self if it already has it). A float-to-float cast of a
        tensor requiring grad stays in the graph; other casts leave it.

        >>> Tensor([1.5, -2.7]).type(np.int64)
        tensor([ 1, -2])
        """
        dtype = np.dtype(dtype)
        if dtype == self._data.dtype:
            return self
        if self._requires_grad and dtype.kind == "f":
            return Cast.apply(self, dtype=dtype)
        return Tensor._wrap(self._data.astype(dtype), False)

    def float(self) -> "Tensor":
        """Cast to float32; `double()`, `long()`, `int()`, `bool()` are the other casts.

        >>> Tensor([1, 2], dtype="int64").float()
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

        >>> Tensor([1.0]).is_floating_point(), Tensor([1], dtype="int64").is_floating_point()
        (True, False)
        """
        return self._data.dtype.kind == "f"

    # ----- the op table ---------------------------------------------------------------------
    # Each op method is the function beside the op's Function in ops/<file>.py, where its
    # forward, gradient, picture label and circuit rule also live: one import line per file.
    from .ops.activation import relu, sigmoid, tanh
    from .ops.softmax import log_softmax, softmax
    from .ops.unary import abs, clamp, clone, exp, log, neg, sqrt
    from .ops.arithmetic import add, div, maximum, minimum, mul, pow, radd, rdiv, rmul, rpow, \
        rsub, sub
    from .ops.matmul import matmul, rmatmul
    from .ops.reduce import amax, amin, argmax, argmin, max, mean, min, std, sum, var
    from .ops.shape import expand, expand_as, flatten, getitem, permute, reshape, squeeze, t, \
        transpose, unsqueeze
    from .ops.compare import eq, ge, gt, le, logical_and, logical_not, logical_or, lt, ne
    from .ops.gather import argsort, gather, index_select, sort, topk
    from .ops.movement import chunk, flip, repeat, split, view_as
    from .ops.scan import cumsum, prod
    from .ops.logical import all, any
    from .ops.norm import norm
    from .ops.einsum import bmm
    from .ops.new import new_empty, new_full, new_ones, new_tensor, new_zeros, type_as
    # operators and aliases
    __add__, __sub__, __mul__, __truediv__, __pow__, __matmul__ = add, sub, mul, div, pow, matmul
    __radd__, __rsub__, __rmul__, __rtruediv__, __rpow__ = radd, rsub, rmul, rdiv, rpow
    __rmatmul__, __neg__, __getitem__ = rmatmul, neg, getitem
    __lt__, __le__, __gt__, __ge__, __eq__, __ne__ = lt, le, gt, ge, eq, ne
    __invert__, __and__, __or__ = logical_not, logical_and, logical_or
    from .ops.inplace import add_, clamp_, copy_, div_, fill_, iadd, imul, isub, itruediv, \
        mul_, normal_, pow_, setitem, sub_, uniform_, zero_
    clip, view = clamp, reshape
    __iadd__, __isub__, __imul__, __itruediv__, __setitem__ = iadd, isub, imul, itruediv, setitem
    clip_ = clamp_
    del radd, rsub, rmul, rdiv, rpow, rmatmul, getitem, iadd, isub, imul, itruediv, setitem

    # ----- operands (dtype promotion), masks, and the rest ---------------------------------
    def _operand(self, other: Any) -> "Tensor":
        if isinstance(other, Tensor):
            return other
        if isinstance(other, (int, float, bool, np.number, np.bool_)):
            return Tensor._wrap(dtypes.scalar_array(other, self._data.dtype), False)
        return Tensor(dtypes.to_array(other))

    def _operands(self, other: Any, elementwise: bool = True) -> Tuple["Tensor", "Tensor"]:
        """(self, other) as tensors of one dtype, promoted as PyTorch does; for elementwise
        ops their shapes must broadcast."""
        other = self._operand(other)
        a, b = self._data, other._data
        if elementwise and a.shape != b.shape and b.ndim:
            broadcastable(a.shape, b.shape)
        if a.dtype == b.dtype:  # the common case: no promotion work
            return self, other
        dtype = dtypes.result_type(a, b)
        return self.type(dtype), other.type(dtype)

    def __pos__(self) -> "Tensor":
        """`+t` is `t` (see `__neg__`)."""
        return self

    def __abs__(self) -> "Tensor":
        """`abs(t)` is `t.abs()` (see `__neg__`)."""
        return self.abs()

    def contiguous(self) -> "Tensor":
        """Return self (kept for PyTorch-compatible code).

        >>> t = Tensor([[1.0, 2.0]]).T; t.contiguous() is t
        True
        """
        return self

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

    @property
    def T(self) -> "Tensor":
        """All dimensions reversed (the matrix transpose for 2-d); `t()` does the same.

        >>> Tensor([[1.0, 2.0], [3.0, 4.0]]).T
        tensor([[1., 3.],
                [2., 4.]])
        """
        return self.permute(tuple(reversed(range(self.ndim))))


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
    return Tensor(dtypes.to_array(x))


def where(condition: Any, input: Any, other: Any) -> Tensor:
    """Pick from `input` where `condition` is true, else from `other` (both broadcast).

    >>> where(Tensor([True, False]), Tensor([1.0, 2.0]), 0.0)
    tensor([1., 0.])
    >>> where(Tensor([[True], [False]]), Tensor([1.0, 2.0]), Tensor([-1.0, -2.0]))
    tensor([[ 1.,  2.],
            [-1., -2.]])
    """
    cond = condition._data if isinstance(condition, Tensor) else np.asarray(condition)
    if isinstance(input, Tensor) or not isinstance(other, Tensor):
        a = as_tensor(input)
        b = as_tensor(other, like=a)
    else:
        b = other
        a = as_tensor(input, like=b)
    a, b = a._operands(b)
    return Where.apply(a, b, condition=cond.astype(bool, copy=False))
