"""`njit` for our kernels, made into a numba dispatcher on first use.

`import numba` alone costs ~0.18 s, and every kernel module decorated its kernels with
`numba.njit` at import, so `import tinygrad_cnn` paid it on the importing thread. This
`njit(**options)` returns a `LazyKernel` instead: numba is imported, and the real
`numba.njit(**options)(py_func)` dispatcher (same options, same on-disk cache) built, on
the kernel's first call or first attribute read (`.signatures`, `.inspect_types`, ...).

A kernel that calls another kernel in nopython code needs the callee to be a dispatcher
when numba types the caller, so building a dispatcher first builds every lazy kernel the
function names among its globals (recursively) and puts the dispatchers in their place.
Module globals are thus plain dispatchers after the first call; a `LazyKernel` someone
imported by name keeps forwarding to it (one extra Python call).

>>> @njit(cache=False)
... def _twice(x):
...     return 2 * x
>>> _twice(21)
42
>>> _twice.py_func(4)
8
"""
from __future__ import annotations

import threading
from types import CodeType
from typing import Any, Callable, Dict, Iterator

#: held while dispatchers are built: the warm-up thread and the main thread may race
_build_lock = threading.RLock()


class LazyKernel:
    """A numba-jitted kernel whose dispatcher is built on first use (module docstring)."""

    def __init__(self, py_func: Callable, options: Dict[str, Any]) -> None:
        self.py_func = py_func
        self.options = options
        self.dispatcher: Any = None
        self._building = False
        self._call: Callable = self._first_call
        self.__wrapped__ = py_func  # as numba's dispatcher: inspect and doctest see py_func
        self.__name__ = py_func.__name__
        self.__qualname__ = py_func.__qualname__
        self.__module__ = py_func.__module__
        self.__doc__ = py_func.__doc__

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self._call(*args, **kwargs)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__") or name in ("dispatcher", "_building", "_call", "py_func",
                                             "options"):
            raise AttributeError(name)  # not forwarded: copy/pickle probes, half-built state
        return getattr(self.materialise(), name)

    def __repr__(self) -> str:
        state = "built" if self.dispatcher is not None else "not built yet"
        return f"<LazyKernel {self.__module__}.{self.__qualname__} ({state})>"

    def _first_call(self, *args: Any, **kwargs: Any) -> Any:
        return self.materialise()(*args, **kwargs)

    def materialise(self) -> Any:
        """The numba dispatcher, built now if need be (and the callees it names first)."""
        dispatcher = self.dispatcher
        if dispatcher is not None:
            return dispatcher
        with _build_lock:
            if self.dispatcher is None:
                self._build()
            return self.dispatcher

    def _build(self) -> None:
        from numba import njit as numba_njit
        self._building = True  # a kernel naming itself (recursion) is not built twice
        try:
            _materialise_callees(self.py_func)
            dispatcher = numba_njit(**self.options)(self.py_func)
        finally:
            self._building = False
        namespace = self.py_func.__globals__
        if namespace.get(self.__name__) is self:
            namespace[self.__name__] = dispatcher
        self.dispatcher, self._call = dispatcher, dispatcher


def _names(code: CodeType) -> Iterator[str]:
    """The global names `code` and the code objects nested in it may read."""
    yield from code.co_names
    for const in code.co_consts:
        if isinstance(const, CodeType):
            yield from _names(const)


def _materialise_callees(func: Callable) -> None:
    """Build every lazy kernel `func` names and put the dispatcher in `func`'s globals."""
    namespace = func.__globals__
    for name in set(_names(func.__code__)):
        value = namespace.get(name)
        if isinstance(value, LazyKernel) and not value._building:
            namespace[name] = value.materialise()


def load_cached(kernel: Any, *args: Any) -> bool:
    """Give `kernel` (lazy or built) its specialisation for arguments like `args` if numba's
    disk cache holds one; never compiles. True if it has that specialisation now."""
    from numba import typeof
    from numba.core.compiler_lock import global_compiler_lock
    dispatcher = kernel.materialise() if isinstance(kernel, LazyKernel) else kernel
    signature = tuple(typeof(a) for a in args)
    with global_compiler_lock:
        if signature in dispatcher.overloads:
            return True
        cres = dispatcher._cache.load_overload(signature, dispatcher.targetctx)
        if cres is None:
            return False
        # what numba's Dispatcher.compile does with a cache hit (it compiles on a miss)
        dispatcher.targetctx.insert_user_function(cres.entry_point, cres.fndesc,
                                                  [cres.library])
        dispatcher.add_overload(cres)
        return True


def njit(**options: Any) -> Callable[[Callable], LazyKernel]:
    """`numba.njit(**options)` as a decorator whose dispatcher is built on first use."""
    def decorate(py_func: Callable) -> LazyKernel:
        return LazyKernel(py_func, options)
    return decorate
