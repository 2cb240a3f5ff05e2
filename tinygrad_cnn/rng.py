"""Random streams. The library's one generator: every random draw (randn, rand, dropout,
init, shuffling) takes it from here, so `manual_seed` makes a run repeatable. And
`Generator`, torch.Generator's face on a numpy generator: data-loading code passes
`generator=torch.Generator().manual_seed(42)` to `random_split`, `DataLoader` and the
samplers. Its streams differ from PyTorch's (numpy's PCG64, not Mersenne Twister), so the
same seed gives a different, equally reproducible order. A bottom-layer module: ops
(dropout), creation and data use it.

>>> g = Generator().manual_seed(42); g.initial_seed()
42
>>> a = Generator().manual_seed(1).numpy_generator.permutation(5)
>>> a.tolist() == Generator().manual_seed(1).numpy_generator.permutation(5).tolist()
True
"""
from __future__ import annotations

from typing import Any, Dict, Optional, Union

import numpy as np

from .devices import resolve

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


class Generator:
    """A seeded random stream; `manual_seed` returns the generator, as in PyTorch."""

    def __init__(self, device: Any = "cpu") -> None:
        self.device = resolve(device)
        self._seed = int(np.random.SeedSequence().entropy % 2**63)
        self.numpy_generator = np.random.default_rng(self._seed)

    def manual_seed(self, seed: int) -> "Generator":
        """Restart the stream from `seed` (any integer, as torch accepts negative ones)."""
        if not isinstance(seed, (int, np.integer)) or isinstance(seed, bool):
            raise TypeError(f"manual_seed expected an integer seed, got {seed!r}")
        self._seed = int(seed) % 2**64
        self.numpy_generator = np.random.default_rng(self._seed)
        return self

    def seed(self) -> int:
        """Reseed from fresh entropy and return the new seed."""
        return self.manual_seed(int(np.random.SeedSequence().entropy % 2**63))._seed

    def initial_seed(self) -> int:
        return self._seed

    def get_state(self) -> Dict[str, Any]:
        """The bit generator's state (a dict), for `set_state`."""
        return self.numpy_generator.bit_generator.state

    def set_state(self, state: Dict[str, Any]) -> "Generator":
        self.numpy_generator.bit_generator.state = state
        return self

    def __repr__(self) -> str:
        return f"<tinygrad_cnn.Generator seed={self._seed}>"


def numpy_generator(generator: Union[Generator, np.random.Generator, None],
                    default: Optional[np.random.Generator] = None) -> np.random.Generator:
    """The numpy generator behind a `generator=` argument (`default` when None)."""
    if isinstance(generator, Generator):
        return generator.numpy_generator
    if isinstance(generator, np.random.Generator):
        return generator
    if generator is None and default is not None:
        return default
    raise TypeError("generator must be a tinygrad_cnn.Generator or a numpy Generator, got "
                    f"{type(generator).__name__}")
