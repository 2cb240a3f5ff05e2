"""`tinygrad_cnn.backends`: the flags scripts read or set on torch.backends, all CPU-honest.

`backends.mps.is_available()` is False; `backends.cudnn.benchmark` and `.deterministic`
can be set (scripts do) and change nothing, since there is no cuDNN: results here are
deterministic for a fixed seed anyway.

>>> mps.is_available(), cudnn.is_available()
(False, False)
>>> cudnn.deterministic = True; cudnn.benchmark = False
"""
from __future__ import annotations


class _Backend:
    """A backend that is never available here."""

    def __init__(self, name: str) -> None:
        self.name = name

    def is_available(self) -> bool:
        return False

    def is_built(self) -> bool:
        return False

    def __repr__(self) -> str:
        return f"<tinygrad_cnn.backends.{self.name}: not available>"


class _Cudnn(_Backend):
    """Holds the flags scripts set (`benchmark`, `deterministic`, `enabled`)."""

    def __init__(self) -> None:
        super().__init__("cudnn")
        self.benchmark = False
        self.deterministic = False
        self.enabled = True


mps = _Backend("mps")
cudnn = _Cudnn()
