"""`tinygrad_cnn.utils.data`: torch.utils.data's names for this project's data loading.

The implementations live in `tinygrad_cnn.data` (one implementation, two import paths), so
`from torch.utils.data import DataLoader, TensorDataset, random_split` ports unchanged.
`DataLoader` runs its workers in-process: `num_workers`, `pin_memory` and the other
multiprocessing options are accepted and checked as PyTorch checks them, then unused.

>>> import numpy as np
>>> loader = DataLoader(TensorDataset(np.arange(6.0), np.arange(6)), batch_size=4,
...                     num_workers=2, pin_memory=True)
>>> [len(y) for _, y in loader]
[4, 2]
"""
from ..data.collate import default_collate, default_convert
from ..data.dataloader import DataLoader
from ..data.dataset import Dataset, TensorDataset
from ..data.sampler import (BatchSampler, RandomSampler, Sampler, SequentialSampler,
                            SubsetRandomSampler)
from ..data.subset import ConcatDataset, Subset, random_split

__all__ = ["Dataset", "TensorDataset", "DataLoader", "Subset", "ConcatDataset", "random_split",
           "default_collate", "default_convert", "Sampler", "SequentialSampler",
           "RandomSampler", "SubsetRandomSampler", "BatchSampler"]
