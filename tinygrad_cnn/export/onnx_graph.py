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
from typing import Any, Dict, List, Union

import numpy as np

from ..atomic import write_atomically
from ..autograd.engine import inputs_first
from ..autograd.grad_mode import enable_grad
from ..nn import Module
from ..tensor import Tensor
from .onnx_ops import CONVERTERS

OPSET = 17  # the converters in onnx_ops write this opset's forms


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
    ['Gemm', 'Relu']
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
