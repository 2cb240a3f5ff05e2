"""tinygrad_cnn: a small, fast, clear autograd engine for convolutional neural networks.

>>> from tinygrad_cnn import Tensor
>>> x = Tensor([2.0], requires_grad=True)
>>> (x ** 3).sum().backward(); x.grad
tensor([12.])
"""
from . import dtypes
from .autograd import (Function, detect_anomaly, enable_grad, is_grad_enabled, no_grad,
                       set_detect_anomaly, set_grad_enabled)
from .creation import (arange, empty, empty_like, eye, from_numpy, full, full_like, generator,
                       linspace, manual_seed, ones, ones_like, rand, rand_like, randint, randn,
                       randn_like, tensor, zeros, zeros_like)
from .dtypes import (bool_, double, float16, float32, float64, get_default_dtype, int32, int64,
                     long, set_default_dtype, uint8)
from .devices import device
from .dtypes import float  # noqa: A004
from .functions import METHOD_FUNCTIONS, allclose, cat, einsum, is_tensor, numel, stack, where
from .kernels.runtime import get_num_threads, set_num_threads
from .lazy import lazy_names
from .rng import Generator
from .tensor import Tensor

from . import nn, optim  # noqa: E402  (nn needs Tensor)

globals().update(METHOD_FUNCTIONS)  # exp, sum, max, ... as in torch.*
__version__ = "0.1.0"

#: imported on first use: not needed to build and train a model (lazy.py)
__getattr__, __dir__ = lazy_names(__name__, {
    "save": ".serialization:save", "load": ".serialization:load",
    "gradcheck": ".autograd.gradcheck:gradcheck",
    "GradcheckError": ".autograd.gradcheck:GradcheckError",
    "utils": ".utils", "data": ".data", "accelerator": ".accelerator", "backends": ".backends",
    "cuda": ".cuda", "models": ".models", "training": ".training", "viz": ".viz",
    "export": ".export"}, globals())

# last, so the import itself does not share the interpreter with it (kernels/warmup.py)
from .kernels.warmup import start as _start_numba_warmup  # noqa: E402

_start_numba_warmup()
