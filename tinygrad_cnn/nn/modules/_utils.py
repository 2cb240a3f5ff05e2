"""Small helpers shared by layer constructors."""
from __future__ import annotations

from typing import Any, Tuple


def _pair(value: Any) -> Tuple[int, int]:
    """3 -> (3, 3); (2, 3) stays. Strings (e.g. padding='same') are kept as they are."""
    if isinstance(value, str):
        return value  # type: ignore[return-value]
    if isinstance(value, (tuple, list)):
        if len(value) != 2:
            raise ValueError(f"expected an int or a pair of ints, got {value!r}")
        return (int(value[0]), int(value[1]))
    return (int(value), int(value))
