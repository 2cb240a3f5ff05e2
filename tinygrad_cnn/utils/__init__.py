"""`tinygrad_cnn.utils`: where PyTorch code looks for `utils.data`.

>>> from tinygrad_cnn.utils.data import DataLoader, TensorDataset
>>> import tinygrad_cnn as torch
>>> torch.utils.data.DataLoader is DataLoader
True
"""
from . import data

__all__ = ["data"]
