"""A wait that keeps its core awake: spin on a flag, outside the GIL, for a bounded time.

Our worker threads hand jobs over through locks. A thread blocked on a lock lets its core
go idle, and on a virtual machine an idle core halts: waking it costs tens of
microseconds, every time (benchmarks/TUNING.md, `spin`). Between the convs of a training
step the worker would wait just long enough to halt. So it first spins here on the job
counter, then blocks as before; PyTorch's OpenMP threads do the same.

The flag is read with an atomic load: a plain load in a loop that writes nothing may be
hoisted out of the loop by the compiler, and the loop would never see the change.
Imported only by a worker thread's first wait, so `import tinygrad_cnn` stays free of numba.
"""
from __future__ import annotations

import numpy as np
from numba import njit
from numba.core import cgutils
from numba.extending import intrinsic

#: iterations of the spin before a wait falls back to blocking (~2 ms at ~0.5 ns each)
SPINS = 4_000_000


@intrinsic
def _atomic_read(typingctx, array, index):
    """array[index] by an acquire load (never hoisted out of a loop)."""
    def codegen(context, builder, signature, args):
        array_type = signature.args[0]
        view = context.make_array(array_type)(context, builder, args[0])
        pointer = cgutils.get_item_pointer(context, builder, array_type, view, [args[1]],
                                           wraparound=False)
        size = context.get_abi_sizeof(context.get_data_type(array_type.dtype))
        return builder.load_atomic(pointer, "acquire", size)
    return array.dtype(array, index), codegen


@njit(cache=True, nogil=True)
def _spin(flags, index, value, spins):
    for _ in range(spins):
        if _atomic_read(flags, index) >= value or _atomic_read(flags, 0) != 0:
            return True
    return False


def spin_until(flags: np.ndarray, index: int, value: int, spins: int = SPINS) -> bool:
    """Spin until flags[index] >= value or flags[0] (the stop flag) is set; False when
    `spins` iterations passed first. flags: a 1-D int64 array written by other threads.

    >>> spin_until(np.array([0, 3], np.int64), 1, 2)
    True
    """
    return _spin(flags, index, value, spins)
