"""A stand-in for the thread count kernels.runtime reads: 3 threads, setter recorded only."""


class ThreeThreads:
    """get_num_threads() is 3; set_num_threads only records (BLAS is left alone)."""

    def __init__(self):
        self.set_calls = []

    def get_num_threads(self):
        return 3

    def set_num_threads(self, n):
        self.set_calls.append(n)

    def install(self, monkeypatch, runtime):
        """Put this fake in place of runtime's thread getter and setter (undone by
        `monkeypatch`); returns self."""
        monkeypatch.setattr(runtime, "get_num_threads", self.get_num_threads)
        monkeypatch.setattr(runtime, "set_num_threads", self.set_num_threads)
        return self
