"""Numba kernels and the runtime under them: convolution routes, pooling, im2col."""
from .conv import Needs, conv_backward, conv_forward, route_name, use_route
from .im2col import col2im, im2col
from .pool import (avgpool_backward, avgpool_forward, maxpool_backward, maxpool_forward,
                   maxpool_indices)
