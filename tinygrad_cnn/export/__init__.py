"""Take a model built here to the wider ecosystem: PyTorch (`to_torch`) and ONNX (`to_onnx`).

Both integrations are optional: torch and onnx are imported only when these functions run
(`pip install "tinygrad_cnn[onnx]"` installs onnx and onnxruntime).

>>> from tinygrad_cnn import nn
>>> net = nn.Sequential(nn.Linear(3, 2), nn.ReLU())
>>> to_torch(net)
Sequential(
  (0): Linear(in_features=3, out_features=2, bias=True)
  (1): ReLU()
)
"""
from .onnx_graph import to_onnx
from .torch_module import to_torch, torch_state_dict

__all__ = ["to_torch", "torch_state_dict", "to_onnx"]
