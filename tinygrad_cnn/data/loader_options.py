"""The torch.utils.data.DataLoader options beyond batching, checked as PyTorch checks them.

Workers run in-process: `num_workers`, `pin_memory`, `timeout`, `prefetch_factor`,
`persistent_workers`, `multiprocessing_context`, `pin_memory_device` and `in_order` are
validated and then have nothing to do (batches are assembled by vectorised numpy indexing
in the main process, and there is no GPU memory to pin into). `worker_init_fn`, if given,
is called once with worker id 0 before the first batch of each iteration, as the one
"worker" starts.
"""
from __future__ import annotations

from typing import Any, Callable, Optional


def check_loader_options(batch_size: Optional[int], shuffle: Any, sampler: Any,
                         batch_sampler: Any, drop_last: bool, num_workers: int, timeout: float,
                         prefetch_factor: Optional[int], persistent_workers: bool) -> None:
    """Raise PyTorch's ValueError for a combination torch.utils.data.DataLoader refuses."""
    if not isinstance(num_workers, int) or num_workers < 0:
        raise ValueError("num_workers option should be non-negative; use num_workers=0 to "
                         "disable multiprocessing.")
    if timeout < 0:
        raise ValueError("timeout option should be non-negative")
    if num_workers == 0 and prefetch_factor is not None:
        raise ValueError("prefetch_factor option could only be specified in multiprocessing."
                         "let num_workers > 0 to enable multiprocessing, otherwise set "
                         "prefetch_factor to None.")
    if persistent_workers and num_workers == 0:
        raise ValueError("persistent_workers option needs num_workers > 0")
    if sampler is not None and shuffle:
        raise ValueError("sampler option is mutually exclusive with shuffle")
    if batch_sampler is not None and (batch_size != 1 or shuffle or sampler is not None
                                      or drop_last):
        raise ValueError("batch_sampler option is mutually exclusive with batch_size, "
                         "shuffle, sampler, and drop_last")
    if batch_size is None and drop_last:
        raise ValueError("batch_size=None option disables auto-batching and is mutually "
                         "exclusive with drop_last")


def start_worker(worker_init_fn: Optional[Callable[[int], None]]) -> None:
    """Run `worker_init_fn(0)`: the main process plays the only worker."""
    if worker_init_fn is not None:
        worker_init_fn(0)
