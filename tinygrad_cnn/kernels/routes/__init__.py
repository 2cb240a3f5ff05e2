"""The convolution routes: each module is one way to compute a conv and its gradients,
with `applies`, `forward` and `backward`; `kernels/conv.py` holds the table."""
