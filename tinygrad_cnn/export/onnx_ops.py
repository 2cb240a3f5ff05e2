"""How each recorded op becomes ONNX nodes: one converter per `Function` name.

A converter gets the graph builder, the op's output tensor (its `_ctx` holds the inputs and
options), the ONNX names of its inputs and the options; it adds nodes and returns the name
of the value it produced. Opset 17.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable, Dict, List, Tuple

import numpy as np

from ..tensor import Tensor

if TYPE_CHECKING:
    from .onnx_graph import _GraphBuilder

Converter = Callable[["_GraphBuilder", Tensor, List[str], Dict[str, Any]], str]


def _same(onnx_op: str) -> Converter:
    return lambda b, t, ins, o: b.node(onnx_op, ins)


def _conv(b: "_GraphBuilder", t: Tensor, ins: List[str], o: Dict[str, Any]) -> str:
    top, bottom, left, right = o["padding"]
    return b.node("Conv", ins, strides=list(o["stride"]), pads=[top, left, bottom, right],
                  dilations=list(o["dilation"]), group=o["groups"])


def _pool_ceil(t: Tensor, kernel: Tuple[int, int], stride: Tuple[int, int],
               padding: Tuple[int, int], dilation: Tuple[int, int]) -> int:
    """1 when the recorded output size needed ceil_mode (the floor formula gives less)."""
    x = t._ctx.parents[0]
    floor = [(x.shape[-2 + i] + 2 * padding[i] - dilation[i] * (kernel[i] - 1) - 1)
             // stride[i] + 1 for i in range(2)]
    return int(list(t.shape[-2:]) != floor)


def _max_pool(b: "_GraphBuilder", t: Tensor, ins: List[str], o: Dict[str, Any]) -> str:
    k, s, p, d = o["kernel_size"], o["stride"], o["padding"], o["dilation"]
    return b.node("MaxPool", ins, kernel_shape=list(k), strides=list(s), pads=[*p, *p],
                  dilations=list(d), ceil_mode=_pool_ceil(t, k, s, p, d))


def _avg_pool(b: "_GraphBuilder", t: Tensor, ins: List[str], o: Dict[str, Any]) -> str:
    if o["divisor_override"] is not None:
        raise NotImplementedError("to_onnx cannot export avg_pool2d with divisor_override")
    k, s, p = o["kernel_size"], o["stride"], o["padding"]
    return b.node("AveragePool", ins, kernel_shape=list(k), strides=list(s), pads=[*p, *p],
                  ceil_mode=_pool_ceil(t, k, s, p, (1, 1)),
                  count_include_pad=int(o["count_include_pad"]))


def _adaptive_avg_pool(b: "_GraphBuilder", t: Tensor, ins: List[str], o: Dict[str, Any]) -> str:
    height, width = t._ctx.parents[0].shape[-2:]
    out_h, out_w = o["output_size"]
    if (out_h, out_w) == (1, 1):
        return b.node("GlobalAveragePool", ins)
    if height % out_h or width % out_w:
        raise NotImplementedError(f"to_onnx exports adaptive_avg_pool2d only when the input "
                                  f"size divides the output size; got {(height, width)} -> "
                                  f"{(out_h, out_w)}")
    kernel = [height // out_h, width // out_w]
    return b.node("AveragePool", ins, kernel_shape=kernel, strides=kernel)


def _batch_norm(b: "_GraphBuilder", t: Tensor, ins: List[str], o: Dict[str, Any]) -> str:
    if o.get("batch_stats"):
        raise ValueError("to_onnx exports inference graphs: call model.eval() first "
                         "(batch norm used batch statistics)")
    return b.node("BatchNormalization", [*ins, b.constant(o["mean"], "running_mean"),
                                         b.constant(o["var"], "running_var")],
                  epsilon=float(o["eps"]))


def _dropout(b: "_GraphBuilder", t: Tensor, ins: List[str], o: Dict[str, Any]) -> str:
    raise ValueError("to_onnx exports inference graphs: call model.eval() first "
                     "(dropout ran in training mode)")


def _reshape(b: "_GraphBuilder", t: Tensor, ins: List[str], o: Dict[str, Any]) -> str:
    shape = list(o["shape"])
    if shape and shape[0] == t._ctx.parents[0].shape[0]:
        shape[0] = 0  # ONNX: copy the input's dim 0, so the batch size stays free
    return b.node("Reshape", [ins[0], b.constant(np.array(shape, np.int64), "shape")])


def _reduce(onnx_op: str, axes_input: bool) -> Converter:
    """Opset 17: ReduceSum takes its axes as an input, ReduceMean as an attribute."""
    def convert(b: "_GraphBuilder", t: Tensor, ins: List[str], o: Dict[str, Any]) -> str:
        dim = o.get("dim")
        axes = list(range(t._ctx.parents[0].ndim)) if dim is None else \
            list(dim if isinstance(dim, (tuple, list)) else [dim])
        keepdims = int(bool(o.get("keepdim")))
        if axes_input:
            return b.node(onnx_op, [ins[0], b.constant(np.array(axes, np.int64), "axes")],
                          keepdims=keepdims)
        return b.node(onnx_op, ins, axes=axes, keepdims=keepdims)
    return convert


def _pad(b: "_GraphBuilder", t: Tensor, ins: List[str], o: Dict[str, Any]) -> str:
    ndim, pad = t.ndim, list(o["pad"])
    begins, ends = [0] * ndim, [0] * ndim
    for i in range(len(pad) // 2):  # torch's pad lists the last dimension first
        begins[ndim - 1 - i], ends[ndim - 1 - i] = pad[2 * i], pad[2 * i + 1]
    value = np.array(o.get("value", 0.0), t.dtype)
    return b.node("Pad", [ins[0], b.constant(np.array(begins + ends, np.int64), "pads"),
                          b.constant(value, "pad_value")], mode="constant")


def _getitem(b: "_GraphBuilder", t: Tensor, ins: List[str], o: Dict[str, Any]) -> str:
    """Basic indexing (slices, integers, None, ...) as Slice, then Squeeze, then Unsqueeze."""
    shape = t._ctx.parents[0].shape
    parts = _index_parts(o["index"], len(shape))
    starts, ends, axes, steps, squeeze, unsqueeze = [], [], [], [], [], []
    axis = out = 0
    for part in parts:
        if part is None:
            unsqueeze.append(out)
            out += 1
            continue
        if isinstance(part, slice):
            if part not in (slice(None), slice(None, None, 1)):
                starts.append(_bound(part.start, part.step, True)), axes.append(axis)
                ends.append(_bound(part.stop, part.step, False)), steps.append(part.step or 1)
            out += 1
        else:
            k = int(part)  # kept negative when it was: x[-1] is the last for any batch
            end = _INT64_MAX if k == -1 else k + 1
            starts.append(k), ends.append(end), axes.append(axis), steps.append(1)
            squeeze.append(axis)
        axis += 1
    name = ins[0]
    if axes:
        arrays = [np.array(v, np.int64) for v in (starts, ends, axes, steps)]
        name = b.node("Slice", [name, *(b.constant(a, "slice") for a in arrays)])
    if squeeze:
        name = b.node("Squeeze", [name, b.constant(np.array(squeeze, np.int64), "axes")])
    if unsqueeze:
        name = b.node("Unsqueeze", [name, b.constant(np.array(unsqueeze, np.int64), "axes")])
    return name if name != ins[0] else b.node("Identity", [name])


def _bound(value: Any, step: Any, start: bool) -> int:
    """A slice bound as ONNX reads it (negative = from the end, as in Python); an omitted
    one stays open-ended, so `x[1:]` still means "to the end" for another batch size."""
    if value is not None:
        return int(value)
    forward = (step or 1) > 0
    if start:
        return 0 if forward else -1
    return _INT64_MAX if forward else -_INT64_MAX


_INT64_MAX = 2 ** 63 - 1


def _index_parts(index: Any, ndim: int) -> List[Any]:
    """The index as one entry per input axis (plus Nones), the Ellipsis expanded."""
    parts = list(index) if isinstance(index, tuple) else [index]
    for p in parts:
        if not (p is None or p is Ellipsis or isinstance(p, (slice, int, np.integer))):
            raise NotImplementedError("to_onnx exports basic indexing (slices, integers, "
                                      f"None, ...) only, not {type(p).__name__} indices")
    used = sum(p is not None and p is not Ellipsis for p in parts)
    if any(p is Ellipsis for p in parts):
        at = [p is Ellipsis for p in parts].index(True)
        parts[at:at + 1] = [slice(None)] * (ndim - used)
    consumed = sum(p is not None for p in parts)
    return parts + [slice(None)] * (ndim - consumed)


def _clamp(b: "_GraphBuilder", t: Tensor, ins: List[str], o: Dict[str, Any]) -> str:
    bound = [b.constant(np.array(v, t.dtype), "bound") if v is not None else ""
             for v in (o.get("min"), o.get("max"))]
    return b.node("Clip", [ins[0], *bound])


def _gelu(b: "_GraphBuilder", t: Tensor, ins: List[str], o: Dict[str, Any]) -> str:
    """Opset 17 has no Gelu node: x·(1 + erf(x/√2))/2, or the tanh form."""
    def const(v: float) -> str:
        return b.constant(np.array(v, t.dtype), "gelu")
    x = ins[0]
    if o.get("approximate") == "tanh":
        cube = b.node("Mul", [b.node("Mul", [x, x]), x])
        inner = b.node("Mul", [b.node("Add", [x, b.node("Mul", [cube, const(0.044715)])]),
                               const(float(np.sqrt(2.0 / np.pi)))])
        bump = b.node("Tanh", [inner])
    else:
        bump = b.node("Erf", [b.node("Div", [x, const(float(np.sqrt(2.0)))])])
    return b.node("Mul", [b.node("Mul", [x, const(0.5)]), b.node("Add", [bump, const(1.0)])])


def _linear(b: "_GraphBuilder", t: Tensor, ins: List[str], o: Dict[str, Any]) -> str:
    """Gemm (x @ W^T + b) for a 2-D input; MatMul with the transposed weight (and Add)
    for other ranks, which Gemm does not take."""
    if t._ctx.parents[0].ndim == 2:
        return b.node("Gemm", ins, transB=1)
    out = b.node("MatMul", [ins[0], b.node("Transpose", [ins[1]], perm=[1, 0])])
    return b.node("Add", [out, ins[2]]) if len(ins) > 2 else out


def _flip(b: "_GraphBuilder", t: Tensor, ins: List[str], o: Dict[str, Any]) -> str:
    axes = list(o["dims"])
    big = np.iinfo(np.int64).max
    return b.node("Slice", [ins[0], b.constant(np.full(len(axes), -1, np.int64), "starts"),
                            b.constant(np.full(len(axes), -big, np.int64), "ends"),
                            b.constant(np.array(axes, np.int64), "axes"),
                            b.constant(np.full(len(axes), -1, np.int64), "steps")])


CONVERTERS: Dict[str, Converter] = {
    "Add": _same("Add"), "Sub": _same("Sub"), "Mul": _same("Mul"), "Div": _same("Div"),
    "Pow": _same("Pow"), "MatMul": _same("MatMul"), "Maximum": _same("Max"),
    "Minimum": _same("Min"), "Neg": _same("Neg"), "Exp": _same("Exp"), "Log": _same("Log"),
    "Sqrt": _same("Sqrt"), "Abs": _same("Abs"), "ReLU": _same("Relu"),
    "Sigmoid": _same("Sigmoid"), "Tanh": _same("Tanh"), "Identity": _same("Identity"),
    "LeakyReLU": lambda b, t, ins, o: b.node("LeakyRelu", ins,
                                             alpha=float(o.get("negative_slope", 0.01))),
    "Softmax": lambda b, t, ins, o: b.node("Softmax", ins, axis=o.get("dim", -1)),
    "LogSoftmax": lambda b, t, ins, o: b.node("LogSoftmax", ins, axis=o.get("dim", -1)),
    "Permute": lambda b, t, ins, o: b.node("Transpose", ins, perm=list(o["dims"])),
    "Cat": lambda b, t, ins, o: b.node("Concat", ins, axis=o.get("dim", 0)),
    "Cast": lambda b, t, ins, o: b.node(
        "Cast", ins, to=b.onnx.helper.np_dtype_to_tensor_dtype(np.dtype(o["dtype"]))),
    "Linear": _linear, "Conv2d": _conv, "MaxPool2d": _max_pool, "AvgPool2d": _avg_pool,
    "AdaptiveAvgPool2d": _adaptive_avg_pool, "BatchNorm": _batch_norm, "Dropout": _dropout,
    "Reshape": _reshape, "Pad": _pad, "Getitem": _getitem, "Sum": _reduce("ReduceSum", True),
    "Mean": _reduce("ReduceMean", False), "Clamp": _clamp,
    "GELU": _gelu, "SiLU": lambda b, t, ins, o: b.node("Mul", [ins[0], b.node("Sigmoid", ins)]),
    "Flip": _flip, "Cumsum": lambda b, t, ins, o: b.node(
        "CumSum", [ins[0], b.constant(np.array(o["dim"], np.int64), "axis")]),
    "Einsum": lambda b, t, ins, o: b.node(
        "Einsum", ins, equation=",".join(o["inputs"]) + "->" + o["output"]),
}
