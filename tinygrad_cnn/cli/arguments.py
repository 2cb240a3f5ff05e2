"""argparse `type=` validators for the numeric flags: a nonsensical value (--epochs 0,
--lr -1, --gamma nan) stops the command before any work, with argparse's one-line error
naming the flag.

>>> positive_int("3"), positive_float("1e-3"), non_negative_float("0")
(3, 0.001, 0.0)
>>> positive_int("0")
Traceback (most recent call last):
argparse.ArgumentTypeError: must be a positive integer, got '0'
"""
from __future__ import annotations

import argparse
import math
from typing import Callable, Union

Number = Union[int, float]


def _validator(parse: Callable[[str], Number], what: str,
               ok: Callable[[Number], bool]) -> Callable[[str], Number]:
    """A `type=` function: `parse` the text, accept it if finite and `ok`."""
    def validate(text: str) -> Number:
        try:
            value = parse(text)
        except ValueError:
            value = math.nan
        if not (math.isfinite(value) and ok(value)):
            raise argparse.ArgumentTypeError(f"must be {what}, got {text!r}")
        return value

    validate.__name__ = what.replace(" ", "_")  # argparse names it in some messages
    return validate


positive_int = _validator(int, "a positive integer", lambda v: v >= 1)
non_negative_int = _validator(int, "a non-negative integer", lambda v: v >= 0)
positive_float = _validator(float, "a positive number", lambda v: v > 0)
non_negative_float = _validator(float, "a non-negative number", lambda v: v >= 0)
