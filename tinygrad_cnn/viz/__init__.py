"""See the computation: three pictures of the same autograd graph, built with graphviz.

- `draw_graph(t)`: the forward tensor DAG (ops, shapes, parameters by module name);
- `draw_backward(t)`: the gradient flow in the order the engine walks it;
- `draw_circuit(t)`: small computations expanded to scalar `*`, `+`, `max`, ... nodes with
  forward values (black) and gradients (red) on the wires;
- `draw_gradient_flow(loss)`: the backward graph, edges coloured and thickened by
  log10 of the gradient's norm (where does it vanish?);
- `backprop_frames(loss)`: one frame per step of the engine's backward (GIF, SVGs, slider);
- `draw_gradcheck(loss)`: each op coloured by its analytic-vs-numerical gradient error;
- `open_op(loss, tensor, index)`: one output element of one op opened into its circuit,
  inside the collapsed graph of a big network;
- `GradientNormMonitor(model)` + `plot_gradient_norms`: per-layer ‖δ‖ over training.

Each returns a `graphviz.Digraph`: it shows inline in Jupyter and `.render()`s to files.

>>> from tinygrad_cnn import Tensor
>>> from tinygrad_cnn.viz import draw_graph
>>> "mul" in draw_graph((Tensor([1.0], requires_grad=True) * 2.0).sum()).source
True
"""
from .backward_graph import draw_backward
from .circuit import build_circuit, draw_circuit
from .forward_graph import draw_graph
from .frames import Frames, backprop_frames
from .gradcheck_view import check_ops, draw_gradcheck
from .gradient_flow import draw_gradient_flow
from .gradient_norms import GradientNormMonitor, plot_gradient_norms
from .open_op import open_op
from .recorder import record_backward
from .walk import retain_all_grads

__all__ = ["draw_graph", "draw_backward", "draw_circuit", "build_circuit", "retain_all_grads",
           "draw_gradient_flow", "backprop_frames", "Frames", "record_backward",
           "draw_gradcheck", "check_ops", "open_op", "GradientNormMonitor",
           "plot_gradient_norms"]
