"""`to_onnx`: write the graph a forward pass *recorded* as an ONNX model.

The forward pass runs once on `example_input`; every op it records in the autograd DAG
(a `Function` node with its options, as the graph pictures show it) becomes one ONNX node,
parameters and constants become initializers. So what is exported is exactly what ran —
including any Python control flow, as it went for this input. The batch dimension stays
free ("batch"); other shapes are those of the example. Dropout and batch statistics
belong to training: the model must be in `eval()` mode.
"""
from __future__ import annotations

import importlib
import os
from typing import Any, Callable, Dict, List, Tuple, Union

import numpy as np

from ..atomic import write_atomically
from ..autograd.engine import inputs_first
from ..autograd.grad_mode import enable_grad
from ..nn import Module
from ..tensor import Tensor

OPSET = 17


def _onnx() -> Any:
    try:
        return importlib.import_module("onnx")
    except ImportError:
        raise ImportError('to_onnx needs the onnx package: pip install "tinygrad_cnn[onnx]"'
                          ) from None


def to_onnx(model: Module, example_input: Any, path: Union[str, os.PathLike, None] = None,
            input_name: str = "input", output_name: str = "output") -> Any:
    """Run `model(example_input)`, convert the recorded graph to an ONNX ModelProto, write
    it to `path` (atomically) if given, and return it.

    >>> from tinygrad_cnn import nn, randn
    >>> net = nn.Sequential(nn.Linear(4, 3), nn.ReLU()).eval()
    >>> [n.op_type for n in to_onnx(net, randn(2, 4)).graph.node]
    ['Transpose', 'MatMul', 'Add', 'Relu']
    """
    onnx = _onnx()
    x = Tensor(np.asarray(example_input), requires_grad=True)  # so every op is recorded
    with enable_grad():
        y = model(x)
    if not isinstance(y, Tensor):
        raise TypeError(f"to_onnx exports models returning one Tensor; got {type(y).__name__}")
    builder = _GraphBuilder(onnx, model, x, input_name)
    for t in inputs_first(y):
        builder.add(t)
    model_proto = builder.model(y, output_name)
    onnx.checker.check_model(model_proto)
    if path is not None:
        write_atomically(path, model_proto.SerializeToString())
    return model_proto


class _GraphBuilder:
    """Collects ONNX nodes and initializers while the DAG is walked inputs-first."""

    def __init__(self, onnx: Any, model: Module, x: Tensor, input_name: str) -> None:
        self.onnx, self.x, self.input_name = onnx, x, input_name
        self.names: Dict[int, str] = {id(x): input_name}
        self.param_names = {id(p): n for n, p in model.named_parameters()}
        self.buffer_names = {id(np.asarray(b)): n for n, b in model.named_buffers()}
        self.nodes: List[Any] = []
        self.initializers: List[Any] = []

    # ----- names ----------------------------------------------------------------------
    def name_of(self, t: Tensor) -> str:
        return self.names[id(t)]

    def constant(self, value: Any, hint: str) -> str:
        """An initializer holding `value` (buffers keep their module names)."""
        array = np.asarray(value)
        name = self.buffer_names.get(id(value)) or f"{hint}_c{len(self.initializers)}"
        if any(i.name == name for i in self.initializers):
            return name
        self.initializers.append(self.onnx.numpy_helper.from_array(array, name))
        return name

    def node(self, op_type: str, inputs: List[str], **attributes: Any) -> str:
        out = f"{op_type.lower()}_{len(self.nodes)}"
        self.nodes.append(self.onnx.helper.make_node(op_type, inputs, [out], **attributes))
        return out

    # ----- the walk -------------------------------------------------------------------
    def add(self, t: Tensor) -> None:
        if id(t) in self.names:
            return
        if t._ctx is None:
            hint = "const"
            name = self.param_names.get(id(t))
            self.names[id(t)] = self.constant(np.asarray(t.detach()), hint) if name is None \
                else self._named_initializer(t, name)
            return
        op = t._ctx.name
        if op not in CONVERTERS:
            raise NotImplementedError(
                f"to_onnx cannot export the op {op} yet; exportable ops: "
                + ", ".join(sorted(CONVERTERS)))
        inputs = [self.name_of(p) for p in t._ctx.parents]
        self.names[id(t)] = CONVERTERS[op](self, t, inputs, t._ctx.options)

    def _named_initializer(self, t: Tensor, name: str) -> str:
        self.initializers.append(self.onnx.numpy_helper.from_array(
            np.asarray(t.detach()), name))
        return name

    def model(self, y: Tensor, output_name: str) -> Any:
        helper, onnx = self.onnx.helper, self.onnx
        last = self.nodes[-1] if self.nodes else None
        if last is not None and last.output[0] == self.name_of(y):
            last.output[0] = output_name  # the root's op writes the graph output directly
        else:  # the model returned its input or a constant
            self.nodes.append(helper.make_node("Identity", [self.name_of(y)], [output_name]))
        elem = helper.np_dtype_to_tensor_dtype
        graph = helper.make_graph(
            self.nodes, "tinygrad_cnn",
            [helper.make_tensor_value_info(self.input_name, elem(self.x.dtype),
                                           ["batch", *self.x.shape[1:]])],
            [helper.make_tensor_value_info(output_name, elem(y.dtype),
                                           ["batch", *y.shape[1:]])],
            self.initializers)
        proto = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)],
                                  producer_name="tinygrad_cnn")
        proto.ir_version = min(proto.ir_version, onnx.IR_VERSION)
        return proto


# ----- one converter per op: (builder, output tensor, input names, options) -> name -------
Converter = Callable[[_GraphBuilder, Tensor, List[str], Dict[str, Any]], str]


def _same(onnx_op: str) -> Converter:
    return lambda b, t, ins, o: b.node(onnx_op, ins)


def _conv(b: _GraphBuilder, t: Tensor, ins: List[str], o: Dict[str, Any]) -> str:
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


def _max_pool(b: _GraphBuilder, t: Tensor, ins: List[str], o: Dict[str, Any]) -> str:
    k, s, p, d = o["kernel_size"], o["stride"], o["padding"], o["dilation"]
    return b.node("MaxPool", ins, kernel_shape=list(k), strides=list(s), pads=[*p, *p],
                  dilations=list(d), ceil_mode=_pool_ceil(t, k, s, p, d))


def _avg_pool(b: _GraphBuilder, t: Tensor, ins: List[str], o: Dict[str, Any]) -> str:
    if o["divisor_override"] is not None:
        raise NotImplementedError("to_onnx cannot export avg_pool2d with divisor_override")
    k, s, p = o["kernel_size"], o["stride"], o["padding"]
    return b.node("AveragePool", ins, kernel_shape=list(k), strides=list(s), pads=[*p, *p],
                  ceil_mode=_pool_ceil(t, k, s, p, (1, 1)),
                  count_include_pad=int(o["count_include_pad"]))


def _adaptive_avg_pool(b: _GraphBuilder, t: Tensor, ins: List[str], o: Dict[str, Any]) -> str:
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


def _batch_norm(b: _GraphBuilder, t: Tensor, ins: List[str], o: Dict[str, Any]) -> str:
    if o.get("batch_stats"):
        raise ValueError("to_onnx exports inference graphs: call model.eval() first "
                         "(batch norm used batch statistics)")
    return b.node("BatchNormalization", [*ins, b.constant(o["mean"], "running_mean"),
                                         b.constant(o["var"], "running_var")],
                  epsilon=float(o["eps"]))


def _dropout(b: _GraphBuilder, t: Tensor, ins: List[str], o: Dict[str, Any]) -> str:
    raise ValueError("to_onnx exports inference graphs: call model.eval() first "
                     "(dropout ran in training mode)")


def _reshape(b: _GraphBuilder, t: Tensor, ins: List[str], o: Dict[str, Any]) -> str:
    shape = list(o["shape"])
    if shape and shape[0] == t._ctx.parents[0].shape[0]:
        shape[0] = 0  # ONNX: copy the input's dim 0, so the batch size stays free
    return b.node("Reshape", [ins[0], b.constant(np.array(shape, np.int64), "shape")])


def _reduce(onnx_op: str, axes_input: bool) -> Converter:
    """Opset 17: ReduceSum takes its axes as an input, ReduceMean as an attribute."""
    def convert(b: _GraphBuilder, t: Tensor, ins: List[str], o: Dict[str, Any]) -> str:
        dim = o.get("dim")
        axes = list(range(t._ctx.parents[0].ndim)) if dim is None else \
            list(dim if isinstance(dim, (tuple, list)) else [dim])
        keepdims = int(bool(o.get("keepdim")))
        if axes_input:
            return b.node(onnx_op, [ins[0], b.constant(np.array(axes, np.int64), "axes")],
                          keepdims=keepdims)
        return b.node(onnx_op, ins, axes=axes, keepdims=keepdims)
    return convert


def _pad(b: _GraphBuilder, t: Tensor, ins: List[str], o: Dict[str, Any]) -> str:
    ndim, pad = t.ndim, list(o["pad"])
    begins, ends = [0] * ndim, [0] * ndim
    for i in range(len(pad) // 2):  # torch's pad lists the last dimension first
        begins[ndim - 1 - i], ends[ndim - 1 - i] = pad[2 * i], pad[2 * i + 1]
    value = np.array(o.get("value", 0.0), t.dtype)
    return b.node("Pad", [ins[0], b.constant(np.array(begins + ends, np.int64), "pads"),
                          b.constant(value, "pad_value")], mode="constant")


def _getitem(b: _GraphBuilder, t: Tensor, ins: List[str], o: Dict[str, Any]) -> str:
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


def _clamp(b: _GraphBuilder, t: Tensor, ins: List[str], o: Dict[str, Any]) -> str:
    bound = [b.constant(np.array(v, t.dtype), "bound") if v is not None else ""
             for v in (o.get("min"), o.get("max"))]
    return b.node("Clip", [ins[0], *bound])


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
    "Conv2d": _conv, "MaxPool2d": _max_pool, "AvgPool2d": _avg_pool,
    "AdaptiveAvgPool2d": _adaptive_avg_pool, "BatchNorm": _batch_norm, "Dropout": _dropout,
    "Reshape": _reshape, "Pad": _pad, "Getitem": _getitem, "Sum": _reduce("ReduceSum", True),
    "Mean": _reduce("ReduceMean", False), "Clamp": _clamp,
}
