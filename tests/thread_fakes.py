"""A stand-in for kernels.threads inside batch_split: 3 threads, setter recorded only."""


class ThreeThreads:
    """get_num_threads() is 3; set_num_threads only records (BLAS is left alone)."""

    def __init__(self):
        self.set_calls = []

    def get_num_threads(self):
        return 3

    def set_num_threads(self, n):
        self.set_calls.append(n)
