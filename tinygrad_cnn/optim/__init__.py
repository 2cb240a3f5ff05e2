"""Optimizers and learning-rate schedulers, with torch.optim's names and defaults.

>>> from tinygrad_cnn import Tensor, optim
>>> w = Tensor([1.0], requires_grad=True)
>>> opt = optim.Adam([w], lr=0.1)
>>> sched = optim.lr_scheduler.StepLR(opt, step_size=1, gamma=0.5)
>>> (w * w).sum().backward(); opt.step(); opt.zero_grad(); sched.step()
>>> opt.param_groups[0]["lr"], w.grad is None
(0.05, True)
"""
from ..lazy import lazy_names
from .adam import Adam
from .optimizer import Optimizer
from .sgd import SGD

#: imported on first use (lazy.py): the other optimizers and the schedulers
__getattr__, __dir__ = lazy_names(__name__, {
    "AdamW": ".adamw:AdamW", "RMSprop": ".rmsprop:RMSprop", "Adagrad": ".adagrad:Adagrad",
    "Adadelta": ".adadelta:Adadelta", "Adamax": ".adamax:Adamax", "NAdam": ".nadam:NAdam",
    "lr_scheduler": ".lr_scheduler",
    **{name: f".lr_scheduler:{name}" for name in (
        "LRScheduler", "StepLR", "ExponentialLR", "CosineAnnealingLR", "InverseTimeLR",
        "MultiStepLR", "LambdaLR", "OneCycleLR", "ReduceLROnPlateau")}}, globals())

__all__ = ["Optimizer", "SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "Adadelta", "Adamax",
           "NAdam", "lr_scheduler", "LRScheduler", "StepLR", "ExponentialLR",
           "CosineAnnealingLR", "InverseTimeLR", "MultiStepLR", "LambdaLR", "OneCycleLR",
           "ReduceLROnPlateau"]
