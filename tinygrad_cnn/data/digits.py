"""The 8x8 handwritten digits (UCI optdigits test set, 1797 samples) bundled with
scikit-learn: real data that needs no download, for fast examples and tests."""
from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np

from .splits import Split

N_SAMPLES, IMAGE_SIZE, MAX_PIXEL = 1797, 8, 16


def digits_path() -> Path:
    """Where scikit-learn keeps `digits.csv.gz`, found without importing sklearn (slow).

    >>> digits_path().name
    'digits.csv.gz'
    """
    spec = importlib.util.find_spec("sklearn")
    if spec is None or not spec.submodule_search_locations:
        raise ImportError("load_digits reads the digits file bundled with scikit-learn: "
                          "pip install scikit-learn")
    path = Path(list(spec.submodule_search_locations)[0]) / "datasets" / "data" / "digits.csv.gz"
    if not path.exists():
        raise FileNotFoundError(f"scikit-learn is installed but {path} is missing")
    return path


def load_digits() -> Split:
    """All 1797 digits: uint8 images (1797, 8, 8) with values 0..16, int64 labels 0-9.
    Use `train_test_split` for a deterministic split and `to_float(x, 16)` to scale.

    >>> x, y = load_digits()
    >>> x.shape, x.max(), y[:5].tolist()
    ((1797, 8, 8), np.uint8(16), [0, 1, 2, 3, 4])
    """
    table = np.loadtxt(digits_path(), delimiter=",", dtype=np.int64)
    if table.shape != (N_SAMPLES, IMAGE_SIZE * IMAGE_SIZE + 1):
        raise ValueError(f"{digits_path()}: expected a {N_SAMPLES}x65 table, "
                         f"got shape {table.shape}")
    images = table[:, :-1].reshape(-1, IMAGE_SIZE, IMAGE_SIZE).astype(np.uint8)
    return Split(images, table[:, -1])
