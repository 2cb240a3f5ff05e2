"""The workspace pool: a buffer is handed out again only when nothing references it."""
import numpy as np

from tinygrad_cnn.kernels import workspace


def test_free_buffers_are_recycled_and_held_ones_are_not():
    shape = (64, 1024)  # 256 KiB of float32: pooled
    a = workspace.take(shape, np.float32)
    address = a.ctypes.data
    b = workspace.take(shape, np.float32)
    assert b.ctypes.data != address  # a is still held
    view = a[::2]
    del a
    c = workspace.take(shape, np.float32)
    assert c.ctypes.data != address  # a view of a still holds it
    del view, c
    assert workspace.take(shape, np.float32).ctypes.data == address


def test_small_arrays_bypass_the_pool_and_zeros_are_zero():
    small = workspace.take((4, 4), np.float64)
    assert small.shape == (4, 4) and small.dtype == np.float64
    before = workspace.stats()["buffers"]
    workspace.take((3, 3), np.float32)
    assert workspace.stats()["buffers"] == before
    z = workspace.zeros((128, 1024), np.float32)
    z[:] = 7
    del z
    assert not workspace.zeros((128, 1024), np.float32).any()


def test_clear_keeps_buffers_in_use_valid():
    a = workspace.take((256, 256), np.float32)
    a[:] = 1
    workspace.clear()
    assert workspace.stats() == {"buffers": 0, "bytes": 0}
    b = workspace.take((256, 256), np.float32)
    assert b.ctypes.data != a.ctypes.data and (a == 1).all()
