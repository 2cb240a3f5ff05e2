"""im2col / col2im: the cs231n layout against a naive reference, and adjointness."""
import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from tinygrad_cnn.kernels import col2im, im2col
from tinygrad_cnn.kernels.geometry import adaptive_windows, pool_output_size, same_padding


def naive_im2col(x, k, s, pad4, d):
    """Pad explicitly, then copy each receptive field into a column (n, oh, ow order)."""
    (kh, kw), (sh, sw), (dh, dw) = k, s, d
    xp = np.pad(x, ((0, 0), (0, 0), pad4[:2], pad4[2:]))
    n, c, hp, wp = xp.shape
    oh, ow = (hp - dh * (kh - 1) - 1) // sh + 1, (wp - dw * (kw - 1) - 1) // sw + 1
    columns = []
    for i in range(n):
        for r in range(oh):
            for q in range(ow):
                patch = xp[i, :, r * sh:r * sh + dh * (kh - 1) + 1:dh,
                           q * sw:q * sw + dw * (kw - 1) + 1:dw]
                columns.append(patch.reshape(-1))
    return np.stack(columns, axis=1)


@st.composite
def geometries(draw):
    k = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    s = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    d = (draw(st.integers(1, 2)), draw(st.integers(1, 2)))
    pad4 = tuple(draw(st.integers(0, 2)) for _ in range(4))
    h = draw(st.integers(max(1, d[0] * (k[0] - 1) + 1 - pad4[0] - pad4[1]), 7))
    w = draw(st.integers(max(1, d[1] * (k[1] - 1) + 1 - pad4[2] - pad4[3]), 7))
    return (draw(st.integers(1, 3)), draw(st.integers(1, 3)), h, w), k, s, pad4, d


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@given(geometry=geometries())
def test_im2col_matches_naive_layout(geometry, dtype):
    shape, k, s, pad4, d = geometry
    x = np.random.randn(*shape).astype(dtype)
    cols = im2col(x, k, s, pad4, d)
    assert cols.dtype == dtype
    np.testing.assert_array_equal(cols, naive_im2col(x, k, s, pad4, d))


@given(geometry=geometries())
def test_col2im_is_the_adjoint_of_im2col(geometry):
    """<im2col(x), y> == <x, col2im(y)> for every x, y: col2im is im2col's transpose."""
    shape, k, s, pad4, d = geometry
    x = np.random.randn(*shape)
    cols = im2col(x, k, s, pad4, d)
    y = np.random.randn(*cols.shape)
    back = col2im(y, shape, k, s, pad4, d)
    assert back.shape == shape
    np.testing.assert_allclose(np.vdot(cols, y), np.vdot(x, back), rtol=1e-10)


def test_tutorial_shape_and_first_column():
    x = np.random.randn(10, 1, 9, 9).astype(np.float32)
    cols = im2col(x, 3, stride=1, padding=1)
    assert cols.shape == (9, 810) and cols.dtype == np.float32
    # column 0 is the top-left window of image 0, half in the zero padding
    expected = np.pad(x[0, 0], 1)[:3, :3].reshape(-1)
    np.testing.assert_array_equal(cols[:, 0], expected)
    # column 81 starts image 1
    np.testing.assert_array_equal(cols[:, 81], np.pad(x[1, 0], 1)[:3, :3].reshape(-1))


def test_col2im_counts_overlaps():
    x = np.ones((1, 1, 3, 4))
    counts = col2im(im2col(x, 2, padding=(0, 1)), x.shape, 2, padding=(0, 1))
    np.testing.assert_array_equal(counts[0, 0], [[2, 2, 2, 2], [4, 4, 4, 4], [2, 2, 2, 2]])


def test_padding_forms_agree():
    x = np.random.randn(1, 2, 5, 5)
    np.testing.assert_array_equal(im2col(x, 3, padding=1), im2col(x, 3, padding=(1, 1, 1, 1)))
    np.testing.assert_array_equal(im2col(x, 3, padding=(1, 2)), im2col(x, 3, padding=(1, 1, 2, 2)))


def test_geometry_helpers():
    assert same_padding((4, 1), (1, 1)) == (1, 2, 0, 0)
    assert same_padding((3, 2), (2, 3)) == (2, 2, 1, 2)
    # ceil_mode: the last window must start inside the input or the left padding
    for size, k, s, p in [(5, 2, 2, 1), (6, 2, 2, 1), (4, 3, 2, 1), (7, 3, 3, 1), (5, 1, 3, 0)]:
        expected = torch.nn.functional.max_pool2d(torch.zeros(1, 1, size, 1), (k, 1), (s, 1),
                                                  (p, 0), ceil_mode=True).shape[2]
        assert pool_output_size(size, k, s, p, 1, True) == expected, (size, k, s, p)
    start, end, length = adaptive_windows(7, 3)
    assert list(start) == [0, 2, 4] and list(end) == [3, 5, 7] and list(length) == [3, 3, 3]


@pytest.mark.parametrize("call,match", [
    (lambda: im2col(np.zeros((3, 4, 4)), 2), r"im2col expects a 4-D \(N, C, H, W\) array, "
                                             r"got shape \(3, 4, 4\)"),
    (lambda: im2col(np.zeros((1, 1, 4, 4)), 5), r"im2col: a 5x5 kernel \(dilation \(1, 1\)\) "
                                                r"does not fit the input \(1, 1, 4, 4\)"),
    (lambda: col2im(np.zeros((4, 9)), (1, 1, 4), 2), r"col2im expects a 4-D x_shape"),
    (lambda: col2im(np.zeros((4, 8)), (1, 1, 4, 4), 2), r"col2im: cols of shape \(4, 8\) do "
                                                        r"not match .* which need \(4, 9\)"),
])
def test_errors(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def test_bad_kernel_size_type():
    with pytest.raises(TypeError, match=r"kernel_size must be an int or a tuple of 1 or 2 ints"):
        im2col(np.zeros((1, 1, 4, 4)), (2, 2, 2))


def test_awkward_arrays_do_not_add_numba_specialisations():
    """Read-only, broadcast or transposed arrays are normalised before reaching numba, so
    each kernel compiles at most once per dtype (float32, float64)."""
    import sys

    from tinygrad_cnn.kernels import pool

    im2col_module = sys.modules["tinygrad_cnn.kernels.im2col"]
    for dtype in (np.float32, np.float64):
        x = np.random.randn(2, 3, 5, 4).astype(dtype).transpose(0, 1, 3, 2)
        cols = im2col(np.broadcast_to(x, x.shape), 2)
        col2im(np.broadcast_to(cols, cols.shape), x.shape, 2)
        out, idx = pool.maxpool_forward(x, (2, 2), (1, 1), (0, 0), (1, 1), (3, 4))
        pool.maxpool_backward(np.broadcast_to(dtype(1), out.shape), idx, x.shape, (2, 2),
                              (1, 1), (0, 0), (1, 1))
    kernels = [im2col_module._im2col_kernel, im2col_module._col2im_kernel,
               pool._maxpool_kernel, pool._maxpool_backward_kernel]
    # (max-pool windows of more than 254 taps, tested elsewhere, add int32-tap versions)
    signatures = [[s for s in k.signatures if "int32" not in str(s)] for k in kernels]
    assert all(len(s) <= 2 for s in signatures), signatures


def test_kernels_refuse_strided_buffers_they_would_write_through_a_copy():
    """The kernels write through flat views; a strided output would make reshape(-1)
    copy and the result vanish silently, so it is refused."""
    from tinygrad_cnn.kernels.im2col import columns_into, to_grid
    x = np.random.randn(1, 1, 4, 4).astype(np.float32)
    cols = np.zeros((9, 8), np.float32)[:, ::2]  # (9, 4), every other column
    with pytest.raises(ValueError, match="C-contiguous"):
        columns_into(to_grid(x, (0, 0, 0, 0), 1), (3, 3), (1, 1), (1, 1), (2, 2), 0, cols)
