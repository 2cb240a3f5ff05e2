"""The library's one random generator: every random draw (randn, rand, dropout, init,
shuffling) takes it from here, so `manual_seed` makes a run repeatable. A bottom-layer
module: ops (dropout) and creation both use it."""
from __future__ import annotations

import numpy as np

_rng = np.random.default_rng()


def manual_seed(seed: int) -> None:
    """Seed every random draw of the library (randn, rand, dropout, init, shuffling).

    >>> manual_seed(0); a = generator().random(); manual_seed(0); a == generator().random()
    True
    """
    global _rng
    _rng = np.random.default_rng(seed)


def generator() -> np.random.Generator:
    """The library's random generator (reseeded by `manual_seed`).

    >>> manual_seed(1); a = generator().integers(100); manual_seed(1)
    >>> bool(a == generator().integers(100))
    True
    """
    return _rng
