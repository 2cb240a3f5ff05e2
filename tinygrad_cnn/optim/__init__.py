"""Optimizers and learning-rate schedulers, with torch.optim's names and defaults.

>>> from tinygrad_cnn import Tensor, optim
>>> w = Tensor([1.0], requires_grad=True)
>>> opt = optim.Adam([w], lr=0.1)
>>> sched = optim.lr_scheduler.StepLR(opt, step_size=1, gamma=0.5)
>>> (w * w).sum().backward(); opt.step(); opt.zero_grad(); sched.step()
>>> opt.param_groups[0]["lr"], w.grad is None
(0.05, True)
"""
from . import lr_scheduler
from .adadelta import Adadelta
from .adagrad import Adagrad
from .adam import Adam
from .adamax import Adamax
from .adamw import AdamW
from .lr_scheduler import (CosineAnnealingLR, ExponentialLR, InverseTimeLR, LambdaLR,
                           LRScheduler, MultiStepLR, OneCycleLR, ReduceLROnPlateau, StepLR)
from .nadam import NAdam
from .optimizer import Optimizer
from .rmsprop import RMSprop
from .sgd import SGD

__all__ = ["Optimizer", "SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "Adadelta", "Adamax",
           "NAdam", "lr_scheduler", "LRScheduler", "StepLR", "ExponentialLR",
           "CosineAnnealingLR", "InverseTimeLR", "MultiStepLR", "LambdaLR", "OneCycleLR",
           "ReduceLROnPlateau"]
