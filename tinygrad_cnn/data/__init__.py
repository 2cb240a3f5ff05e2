"""Datasets, mini-batch loading and the MNIST / Fashion-MNIST / digits loaders.

>>> from tinygrad_cnn.data import DataLoader, TensorDataset, load_digits, to_float
>>> x, y = load_digits()
>>> loader = DataLoader(TensorDataset(to_float(x, 16), y), batch_size=64, shuffle=True, seed=0)
>>> xb, yb = next(iter(loader)); xb.shape, yb.dtype
((64, 8, 8), dtype('int64'))
"""
from .dataloader import DataLoader
from .dataset import Dataset, TensorDataset
from .digits import load_digits
from .download import download, file_hash
from .idx import read_idx, write_idx
from .mnist import FASHION_MNIST, MNIST, load_fashion_mnist, load_mnist
from .splits import Split, TrainTest, train_test_split
from .transforms import (FASHION_MNIST_MEAN, FASHION_MNIST_STD, MNIST_MEAN, MNIST_STD,
                         add_channel, normalize, to_float)

__all__ = ["Dataset", "TensorDataset", "DataLoader", "load_mnist", "load_fashion_mnist",
           "load_digits", "read_idx", "write_idx", "download", "file_hash", "Split",
           "TrainTest", "train_test_split", "to_float", "normalize", "add_channel",
           "MNIST_MEAN", "MNIST_STD", "FASHION_MNIST_MEAN", "FASHION_MNIST_STD", "MNIST",
           "FASHION_MNIST"]
