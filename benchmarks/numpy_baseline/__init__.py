"""A hand-written numpy CNN engine in the cs231n style: the "plain numpy" baseline.

Every layer is a pair `*_forward(...) -> (out, cache)` / `*_backward(dout, cache) -> grads`;
convolution is im2col by fancy indexing + one matmul, max-pooling a reshape + max.
Nothing here is tuned beyond what a careful student would write.
"""
from .conv import conv_backward, conv_forward
from .lenet import NumpyLeNet
from .pool import avg_pool_backward, avg_pool_forward, max_pool_backward, max_pool_forward

__all__ = ["conv_forward", "conv_backward", "max_pool_forward", "max_pool_backward",
           "avg_pool_forward", "avg_pool_backward", "NumpyLeNet"]
