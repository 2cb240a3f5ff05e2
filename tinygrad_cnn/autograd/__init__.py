"""The autograd engine: Function nodes, the backward walk, grad modes and gradcheck."""
from .function import Function
from .grad import grad
from .grad_mode import (detect_anomaly, enable_grad, is_grad_enabled, no_grad,
                        set_detect_anomaly, set_grad_enabled)

__all__ = ["Function", "grad", "no_grad", "enable_grad", "set_grad_enabled", "is_grad_enabled",
           "detect_anomaly", "set_detect_anomaly"]
