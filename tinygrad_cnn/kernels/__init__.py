"""Numba kernels for convolution and pooling, behind small swappable functions."""
from .conv import (channel_major, conv_backward, conv_backward_input, conv_backward_weight,
                   conv_forward)
from .im2col import col2im, im2col
from .pool import (avgpool_backward, avgpool_forward, maxpool_backward, maxpool_forward,
                   maxpool_indices)
