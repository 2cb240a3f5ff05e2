"""The scratch-buffer pool (kernels/runtime.py): a buffer is handed out again only when nothing references it."""
import numpy as np

from tinygrad_cnn.kernels import runtime


def test_free_buffers_are_recycled_and_held_ones_are_not():
    shape = (64, 1024)  # 256 KiB of float32: pooled
    a = runtime.scratch(shape, np.float32)
    address = a.ctypes.data
    b = runtime.scratch(shape, np.float32)
    assert b.ctypes.data != address  # a is still held
    view = a[::2]
    del a
    c = runtime.scratch(shape, np.float32)
    assert c.ctypes.data != address  # a view of a still holds it
    del view, c
    assert runtime.scratch(shape, np.float32).ctypes.data == address


def test_small_arrays_bypass_the_pool_and_zeros_are_zero():
    small = runtime.scratch((4, 4), np.float64)
    assert small.shape == (4, 4) and small.dtype == np.float64
    before = runtime.scratch_stats()["buffers"]
    runtime.scratch((3, 3), np.float32)
    assert runtime.scratch_stats()["buffers"] == before
    z = runtime.scratch_zeros((128, 1024), np.float32)
    z[:] = 7
    del z
    assert not runtime.scratch_zeros((128, 1024), np.float32).any()


def test_clear_keeps_buffers_in_use_valid():
    a = runtime.scratch((256, 256), np.float32)
    a[:] = 1
    runtime.clear_scratch()
    assert runtime.scratch_stats() == {"buffers": 0, "bytes": 0}
    b = runtime.scratch((256, 256), np.float32)
    assert b.ctypes.data != a.ctypes.data and (a == 1).all()


def test_a_deep_residual_step_takes_every_buffer_from_the_pool():
    """Many activations of one shape are alive at once in a deep net (a ResNet stage keeps
    dozens of (N, C, H, W) arrays for backward): after the first step every one of them,
    and every gradient, is recycled (fresh memory costs a page fault per 4 KiB)."""
    from tinygrad_cnn import Tensor, nn
    from tinygrad_cnn.nn import functional as F

    blocks = [nn.Sequential(nn.Conv2d(8, 8, 3, padding=1, bias=False), nn.BatchNorm2d(8),
                            nn.ReLU()) for _ in range(8)]
    x = Tensor(np.random.default_rng(0).standard_normal((16, 8, 32, 32), dtype=np.float32))

    def step():
        h = x
        for block in blocks:
            h = F.relu(block(h) + h)
        h.sum().backward()

    step()
    unpooled = runtime.scratch_unpooled()
    step()
    step()
    # (the pool's size may still grow by a buffer that garbage from earlier tests holds
    # until the collector runs; what matters is that nothing was handed out unpooled)
    assert runtime.scratch_unpooled() == unpooled
    assert runtime.scratch_stats()["buffers"] > 40
