"""one_hot: class indices as rows of zeros with a one (int64, no gradient)."""
from __future__ import annotations

from typing import Any

import numpy as np


def one_hot(tensor: Any, num_classes: int = -1) -> Any:
    """(*, num_classes) int64 with a 1 at each index (num_classes=-1: max index + 1).

    >>> from tinygrad_cnn import tensor
    >>> one_hot(tensor([0, 2]), 3)
    tensor([[1, 0, 0],
            [0, 0, 1]])
    """
    labels = tensor._data
    if labels.dtype.kind not in "iu":
        raise RuntimeError("one_hot is only applicable to index tensor of type LongTensor, "
                           f"got {labels.dtype}")
    if labels.size and labels.min() < 0:
        raise RuntimeError("Class values must be non-negative.")
    if num_classes == -1:
        if not labels.size:
            raise RuntimeError("Can not infer total number of classes from empty tensor.")
        num_classes = int(labels.max()) + 1
    if labels.size and labels.max() >= num_classes:
        raise RuntimeError(f"Class values must be smaller than num_classes ({num_classes}), "
                           f"got {int(labels.max())}.")
    out = (labels[..., None] == np.arange(num_classes)).astype(np.int64)
    return type(tensor)._wrap(out, False)
