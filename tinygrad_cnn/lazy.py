"""Names a package exports but imports on first use (PEP 562's module `__getattr__`), so
`import tinygrad_cnn` loads what building and training a model needs and leaves the rest
(saving, data loading, schedulers, gradcheck, pictures) until it is first touched.

>>> import tinygrad_cnn
>>> tinygrad_cnn.save.__module__
'tinygrad_cnn.serialization'
"""
from __future__ import annotations

import importlib
from typing import Any, Callable, Dict, List, Tuple


def lazy_names(package: str, names: Dict[str, str], namespace: Dict[str, Any]
               ) -> Tuple[Callable[[str], Any], Callable[[], List[str]]]:
    """(`__getattr__`, `__dir__`) for `package`, whose globals are `namespace`.

    names[name] is ".module" (that module itself) or ".module:attribute", relative to
    `package`. A name is imported on first access and kept in `namespace`, so later
    accesses are plain global lookups.
    """
    def __getattr__(name: str) -> Any:
        target = names.get(name)
        if target is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        module, _, attribute = target.partition(":")
        value = importlib.import_module(module, package)
        if attribute:
            value = getattr(value, attribute)
        namespace[name] = value
        return value

    def __dir__() -> List[str]:
        return sorted(set(namespace) | set(names))

    return __getattr__, __dir__
