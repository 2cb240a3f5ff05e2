"""conv2d against PyTorch: forward and gradients over generated geometries, errors."""
import numpy as np
import pytest
import torch
import torch.nn.functional as TF
from hypothesis import given
from hypothesis import strategies as st

from tinygrad_cnn import Tensor, gradcheck, no_grad
from tinygrad_cnn.kernels import im2col
from tinygrad_cnn.nn.functional import conv2d
from tinygrad_cnn.ops.conv2d import Conv2d
from thread_fakes import ThreeThreads
from torch_oracle import assert_close, assert_grads_close, pair

DTYPES = [np.float64, np.float32]
# torch warns that it copies the input for 'same' with even kernels: not our concern
pytestmark = pytest.mark.filterwarnings("ignore:Using padding='same'")


def _two(v):
    return (v, v) if isinstance(v, int) else tuple(v)


@st.composite
def conv_cases(draw):
    """A valid conv2d configuration: shapes plus keyword arguments."""
    groups = draw(st.sampled_from([1, 1, 2, 3]))
    cin, cout = groups * draw(st.integers(1, 2)), groups * draw(st.integers(1, 3))
    kh, kw = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    dilation = draw(st.sampled_from([1, 2, (1, 2), (2, 1)]))
    padding = draw(st.one_of(st.integers(0, 2), st.tuples(st.integers(0, 2), st.integers(0, 2)),
                             st.sampled_from(["same", "valid"])))
    stride = 1 if padding == "same" else draw(st.sampled_from([1, 2, 3, (1, 2), (2, 1)]))
    (dh, dw) = _two(dilation)
    eff = (dh * (kh - 1) + 1, dw * (kw - 1) + 1)
    if padding == "same":
        pads = (eff[0] - 1, eff[1] - 1)
    elif padding == "valid":
        pads = (0, 0)
    else:
        pads = tuple(2 * p for p in _two(padding))
    h = draw(st.integers(max(1, eff[0] - pads[0]), max(1, eff[0] - pads[0]) + 5))
    w = draw(st.integers(max(1, eff[1] - pads[1]), max(1, eff[1] - pads[1]) + 5))
    n = draw(st.integers(1, 3))
    kwargs = dict(stride=stride, padding=padding, dilation=dilation, groups=groups)
    return (n, cin, h, w), (cout, cin // groups, kh, kw), draw(st.booleans()), kwargs


def _check_against_torch(x_shape, w_shape, with_bias, kwargs, dtype):
    arrays = [np.random.randn(*x_shape), np.random.randn(*w_shape)]
    if with_bias:
        arrays.append(np.random.randn(w_shape[0]))
    ours, theirs = zip(*(pair(a.astype(dtype)) for a in arrays))
    out = conv2d(*ours, **kwargs)
    ref = TF.conv2d(*theirs, **kwargs)
    assert_close(out, ref)
    g = np.random.randn(*ref.shape).astype(dtype)
    out.backward(g)
    ref.backward(torch.tensor(g))
    assert_grads_close(ours, theirs)
    assert out.dtype == dtype and all(t.grad.dtype == dtype for t in ours)


def _direct_route(mp, direct: bool) -> None:
    """Send every stride-1 ungrouped conv within reach to kernels/direct.py (direct=True),
    or none (False), whatever their channels and taps."""
    from tinygrad_cnn.kernels.routes import direct as direct_kernels
    if direct:
        mp.setattr(direct_kernels, "DIRECT_MIN_TAPS", 1)
        mp.setattr(direct_kernels, "DIRECT_MAX_CHANNELS", 10**6)
    else:
        mp.setattr(direct_kernels, "DIRECT_MAX_CHANNELS", 0)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("direct", [True, False])
@given(case=conv_cases())
def test_conv2d_matches_torch(case, dtype, direct):
    with pytest.MonkeyPatch.context() as mp:
        _direct_route(mp, direct)
        _check_against_torch(*case, dtype)


def _blocked_route(mp, block_bytes: int) -> None:
    """Send every ungrouped conv to kernels/routes/blocked.py, with blocks of
    `block_bytes` of columns (1: one output position per block)."""
    from tinygrad_cnn.kernels.routes import blocked
    _direct_route(mp, False)
    mp.setattr(blocked, "BLOCKED_MIN_TAPS", 1)
    mp.setattr(blocked, "BLOCKED_MIN_OUT", 1)
    mp.setattr(blocked, "BLOCK_BYTES", block_bytes)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("save_bytes,block_bytes", [(0, 1), (1 << 30, 200), (1 << 30, 1 << 20)])
@given(case=conv_cases())
def test_blocked_route_matches_torch(case, dtype, save_bytes, block_bytes):
    """Every ungrouped case through blocked.py (not only wide ones): blocks of one
    output position, of a few (across rows and images) and of the whole batch; the
    channel-last input kept for backward or copied again."""
    from tinygrad_cnn.kernels import runtime
    with pytest.MonkeyPatch.context() as mp:
        _blocked_route(mp, block_bytes)
        mp.setattr(runtime, "SAVE_BYTES", save_bytes)
        _check_against_torch(*case, dtype)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("w_shape,kwargs", [
    ((12, 8, 2, 2), dict(padding="same")),  # even kernel: the odd pixel bottom/right
    ((12, 8, 3, 3), dict(padding=(0, 2))),
    ((12, 8, 3, 2), dict(padding="same", dilation=(2, 3))),
    ((12, 8, 4, 3), dict(padding=(3, 4))),  # padding past the kernel's reach
    ((12, 8, 1, 1), dict(padding=1)),  # padded 1x1 (unpadded ones are pointwise)
    ((12, 8, 3, 3), dict(stride=(2, 3), padding=(1, 2))),
    ((12, 8, 1, 1), dict(stride=2, padding=(0, 1))),
])
def test_blocked_route_in_batch_parts_matches_torch(w_shape, kwargs, dtype, monkeypatch):
    """Asymmetric 'same' padding, dilation, even kernels, wide padding, 1x1, strides: in 3
    batch parts on threads, with blocks of 10 positions crossing rows and images."""
    from tinygrad_cnn.kernels import runtime
    from tinygrad_cnn.kernels.conv import route_name
    from tinygrad_cnn.ops.conv2d import _resolve_padding
    taps = 8 * w_shape[2] * w_shape[3]
    _blocked_route(monkeypatch, 10 * taps * np.dtype(dtype).itemsize)
    monkeypatch.setattr(runtime, "SPLIT_MIN_FLOPS", 0)
    ThreeThreads().install(monkeypatch, runtime)
    x_shape, dilation = (5, 8, 7, 9), kwargs.get("dilation", 1)
    pad = _resolve_padding(kwargs.get("padding", 0), _two(kwargs.get("stride", 1)), w_shape[2:],
                           _two(dilation))
    stride = kwargs.get("stride", 1)
    assert route_name(x_shape, w_shape, stride, pad, dilation) == "blocked"
    _check_against_torch(x_shape, w_shape, True, kwargs, dtype)


@pytest.mark.parametrize("route,stride", [("pointwise", 1), ("pointwise", 2), ("direct", 1),
                                          ("blocked", 1), ("blocked", 2), ("im2col", 1),
                                          ("im2col", 2), ("reference", 2)])
def test_every_route_takes_an_empty_batch(route, stride):
    """A batch of 0 images gives torch's empty output and zero weight/bias gradients on
    every route (hypothesis found the pointwise route failing on (0,1,3,3) with 1x1)."""
    from tinygrad_cnn.kernels.conv import use_route
    kernel = 1 if route == "pointwise" else 3
    with use_route(route):
        _check_against_torch((0, 8, 6, 6), (16, 8, kernel, kernel), True,
                             dict(stride=stride), np.float64)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("stride", [1, 2, (3, 1)])
@pytest.mark.parametrize("parts", [False, True])
def test_pointwise_route_matches_torch(stride, parts, dtype, monkeypatch):
    """1x1 convs without padding (ResNet shortcuts), strided or not, whole or in 3 batch
    parts on threads, take routes/pointwise.py and match torch."""
    from tinygrad_cnn.kernels import runtime
    from tinygrad_cnn.kernels.conv import route_name
    if parts:
        monkeypatch.setattr(runtime, "SPLIT_MIN_FLOPS", 0)
        ThreeThreads().install(monkeypatch, runtime)
    assert route_name((5, 6, 7, 9), (4, 6, 1, 1), stride) == "pointwise"
    _check_against_torch((5, 6, 7, 9), (4, 6, 1, 1), True, dict(stride=stride), dtype)


TRANSPOSED_CASES = [  # stride 1, O <= C: the input gradient is a conv of the gradient
    ((4, 6, 3, 3), dict(padding=1)),
    ((3, 6, 5, 5), dict(padding=2)),
    ((6, 6, 3, 3), dict(padding=0)),
    ((2, 6, 1, 2), dict()),
    ((4, 6, 4, 2), dict(padding="same", dilation=(2, 1))),  # uneven left/right padding
    ((4, 6, 2, 3), dict(padding="same")),  # uneven top/bottom padding
    ((4, 3, 3, 3), dict(padding=(2, 1), dilation=2, groups=2)),
    ((6, 1, 3, 3), dict(padding=1, groups=6)),  # depthwise
]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("w_shape,kwargs", TRANSPOSED_CASES + [
    ((4, 6, 3, 3), dict(padding=3)),  # padding past the kernel's reach: col2im
    ((20, 6, 3, 3), dict(padding=1)),  # O > C, too wide for the direct route: col2im
    ((2, 6, 1, 1), dict()),  # 1x1: the pointwise route's own input gradient
])
@pytest.mark.parametrize("direct", [True, False])
def test_input_gradient_as_a_transposed_conv_matches_torch(w_shape, kwargs, dtype, direct,
                                                          monkeypatch):
    """The transposed conv runs by the direct kernel or im2col: the same cases take it."""
    from tinygrad_cnn.kernels.routes import transposed
    if not direct:
        _direct_route(monkeypatch, False)
    routes = []
    original = transposed.plan
    monkeypatch.setattr(transposed, "plan",
                        lambda geo, w, route: routes.append(original(geo, w, route)) or routes[-1])
    _check_against_torch((3, 6, 7, 8), w_shape, True, kwargs, dtype)
    assert (routes[-1] is not None) == ((w_shape, kwargs) in TRANSPOSED_CASES)


@st.composite
def direct_cases(draw):
    """Convs the direct route takes by default: stride 1, ungrouped, at most 16 channels,
    at least 32 taps, padding within the kernel's reach; every tap count mod 3 and
    channel count mod 4."""
    kh, kw = draw(st.tuples(st.integers(1, 5), st.integers(1, 5)).filter(lambda k: k != (1, 1)))
    c, o = draw(st.integers(-(-32 // (kh * kw)), 16)), draw(st.integers(1, 16))
    dilation = draw(st.sampled_from([1, 2, (1, 2)]))
    reach = [d * (k - 1) for d, k in zip(_two(dilation), (kh, kw))]
    padding = draw(st.one_of(st.sampled_from(["same", "valid"]),
                             st.tuples(st.integers(0, reach[0]), st.integers(0, reach[1]))))
    pads = (0, 0) if isinstance(padding, str) else padding
    low = [max(1, r + 1 - 2 * p) for r, p in zip(reach, pads)]
    h, w = draw(st.integers(low[0], low[0] + 6)), draw(st.integers(low[1], low[1] + 6))
    kwargs = dict(padding=padding, dilation=dilation)
    return (draw(st.integers(1, 3)), c, h, w), (o, c, kh, kw), draw(st.booleans()), kwargs


@pytest.mark.parametrize("dtype", DTYPES)
@given(case=direct_cases())
def test_direct_route_matches_torch(case, dtype):
    """Forward, weight gradient and (with enough taps for it: O*kh*kw >= 32) the input
    gradient, a transposed conv, run by kernels/direct.py, and match torch."""
    from tinygrad_cnn.kernels.routes import direct as conv_kernels
    calls = []
    with pytest.MonkeyPatch.context() as mp:
        for name in ("direct_forward", "direct_weight_grad"):
            kernel = getattr(conv_kernels, name)
            mp.setattr(conv_kernels, name,
                       lambda *a, kernel=kernel, name=name: calls.append(name) or kernel(*a))
        _check_against_torch(*case, dtype)
    o, _, kh, kw = case[1]
    assert calls.count("direct_forward") == 1 + (o * kh * kw >= 32)
    assert calls.count("direct_weight_grad") == 1


@pytest.mark.parametrize("direct", [True, False])
def test_nonfinite_inputs_spread_only_through_their_windows(direct, monkeypatch):
    """An inf or nan in x makes exactly the outputs whose windows hold it non-finite, as
    in torch: the direct kernel's extra reads (junk columns, past a row's end) never reach
    a kept output."""
    _direct_route(monkeypatch, direct)
    x = np.random.randn(2, 8, 9, 11).astype(np.float32)
    x[0, 3, 4, 0], x[0, 5, 2, 10], x[1, 0, 8, 5] = np.inf, -np.inf, np.nan
    w = np.random.randn(6, 8, 3, 5).astype(np.float32)
    out = conv2d(Tensor(x), Tensor(w), padding=(1, 2)).numpy()
    ref = TF.conv2d(torch.tensor(x), torch.tensor(w), padding=(1, 2)).numpy()
    finite = np.isfinite(ref)
    assert 0 < finite.sum() < finite.size
    np.testing.assert_array_equal(np.isfinite(out), finite)
    np.testing.assert_allclose(out[finite], ref[finite], rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("kernel,dilation", [((4, 2), 1), ((2, 3), (3, 2)), ((1, 1), 1)])
def test_same_padding_even_kernels_split_like_torch(kernel, dilation, dtype):
    _check_against_torch((2, 3, 5, 6), (4, 3) + kernel, True,
                         dict(padding="same", dilation=dilation), dtype)


@pytest.mark.parametrize("dtype", DTYPES)
def test_unbatched_input(dtype):
    x, tx = pair(np.random.randn(3, 7, 6).astype(dtype))
    w, tw = pair(np.random.randn(4, 3, 3, 2).astype(dtype))
    out, ref = conv2d(x, w, stride=(2, 1), padding=1), TF.conv2d(tx, tw, stride=(2, 1), padding=1)
    assert out.shape == (4, 4, 7)
    assert_close(out, ref)
    out.sum().backward()
    ref.sum().backward()
    assert_grads_close([x, w], [tx, tw])


def test_depthwise_conv_matches_torch():
    _check_against_torch((2, 6, 8, 8), (12, 1, 3, 3), True, dict(padding=1, groups=6),
                         np.float64)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("kwargs", [dict(padding=1), dict(stride=2, padding=(1, 0), groups=2),
                                    dict(dilation=2, padding=2)])
@pytest.mark.parametrize("per_image", [False, True])
def test_batch_tiles_and_recomputed_columns(monkeypatch, kwargs, dtype, per_image):
    """Tiny budgets force several batch tiles (the last one short) and backward
    recomputing the columns instead of keeping them; with both GEMM layouts (one folded
    GEMM per tile, or one GEMM per image)."""
    from tinygrad_cnn.kernels import runtime
    from tinygrad_cnn.kernels.routes import im2col as conv_kernels
    _direct_route(monkeypatch, False)
    monkeypatch.setattr(conv_kernels, "PER_IMAGE_PIXELS", 1 if per_image else 10**9)
    monkeypatch.setattr(conv_kernels, "TILE_BYTES", 2 * 4 * 9 * 36 * np.dtype(dtype).itemsize)
    monkeypatch.setattr(runtime, "SAVE_BYTES", 0)
    _check_against_torch((5, 4, 6, 6), (6, 4 // kwargs.get("groups", 1), 3, 3), True,
                         kwargs, dtype)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("save_bytes,direct", [(0, False), (1 << 30, False), (0, True)])
@given(case=conv_cases())
def test_batch_parts_on_threads_match_torch(case, dtype, save_bytes, direct):
    """Every conv split into up to 3 batch parts run on worker threads (N=1..3, so also
    parts of one image and no split at all), saved columns kept or recomputed, or by the
    direct route."""
    from tinygrad_cnn.kernels import runtime
    fake = ThreeThreads()
    with pytest.MonkeyPatch.context() as mp:
        _direct_route(mp, direct)
        mp.setattr(runtime, "SPLIT_MIN_FLOPS", 0)
        fake.install(mp, runtime)
        mp.setattr(runtime, "SAVE_BYTES", save_bytes)
        _check_against_torch(*case, dtype)
    if case[0][0] > 1:  # BLAS was put on one thread for the parts, then restored
        assert fake.set_calls[:2] == [1, 3]


def test_batch_parts_cover_the_batch_evenly(monkeypatch):
    from tinygrad_cnn.kernels import runtime
    ThreeThreads().install(monkeypatch, runtime)
    assert runtime.batch_parts(7, 1e9) == [(0, 2), (2, 4), (4, 7)]
    assert runtime.batch_parts(2, 1e9) == [(0, 1), (1, 2)]
    assert runtime.batch_parts(7, 1.0) == [(0, 7)]  # too small to be worth threads


def test_an_error_in_a_batch_part_propagates_and_restores_blas_threads(monkeypatch):
    from tinygrad_cnn.kernels import runtime
    fake = ThreeThreads().install(monkeypatch, runtime)

    def part(i, n0, n1):
        if i == 2:
            raise ValueError(f"part {i} failed")
        return n1 - n0
    with pytest.raises(ValueError, match="part 2 failed"):
        runtime.run_parts(part, [(0, 1), (1, 2), (2, 3)])
    assert fake.set_calls == [1, 3]
    assert runtime.run_parts(part, [(0, 2), (2, 5)]) == [2, 3]


@pytest.mark.parametrize("per_image", [False, True])
def test_both_gemm_layouts_with_whole_batch_columns(monkeypatch, per_image):
    from tinygrad_cnn.kernels.routes import im2col as conv_kernels
    _direct_route(monkeypatch, False)
    monkeypatch.setattr(conv_kernels, "PER_IMAGE_PIXELS", 1 if per_image else 10**9)
    for kwargs in (dict(padding=1), dict(stride=2, groups=2, dilation=(1, 2))):
        _check_against_torch((3, 4, 9, 8), (6, 4 // kwargs.get("groups", 1), 3, 2), True,
                             kwargs, np.float64)


def test_workspace_buffers_never_alias_live_arrays():
    """Two convs in one graph, kept with retain_graph for two backwards: every output,
    saved array and gradient must stay intact while buffers are recycled."""
    x, tx = pair(np.random.randn(8, 3, 40, 40))
    w1, tw1 = pair(np.random.randn(8, 3, 3, 3))
    w2, tw2 = pair(np.random.randn(8, 8, 3, 3))
    out = conv2d(conv2d(x, w1, padding=1).relu(), w2, padding=1)
    ref = TF.conv2d(TF.conv2d(tx, tw1, padding=1).relu(), tw2, padding=1)
    other = conv2d(x, w1, padding=1)  # same shapes as the first conv: competes for buffers
    assert_close(out, ref)
    for _ in range(2):
        out.sum().backward(retain_graph=True)
        ref.sum().backward(retain_graph=True)
        assert_grads_close([x, w1, w2], [tx, tw1, tw2])
    assert_close(other, TF.conv2d(tx, tw1, padding=1))


def test_tutorial_example_im2col_is_the_conv():
    """10 images 1x9x9, 5 filters 3x3, stride 1, padding 1: a 9x810 patch matrix."""
    x = np.random.randn(10, 1, 9, 9).astype(np.float32)
    w = np.random.randn(5, 1, 3, 3).astype(np.float32)
    cols = im2col(x, 3, stride=1, padding=1)
    assert cols.shape == (9, 810)
    by_gemm = (w.reshape(5, 9) @ cols).reshape(5, 10, 9, 9).transpose(1, 0, 2, 3)
    out = conv2d(Tensor(x), Tensor(w), stride=1, padding=1)
    assert out.shape == (10, 5, 9, 9)
    np.testing.assert_allclose(out._data, by_gemm, rtol=1e-5, atol=1e-5)
    assert_close(out, TF.conv2d(torch.tensor(x), torch.tensor(w), padding=1))


@pytest.mark.parametrize("kwargs", [dict(stride=2, padding=1), dict(padding="same", dilation=2),
                                    dict(groups=2, padding=(1, 0), stride=(1, 2))])
def test_gradcheck(kwargs):
    x = Tensor(np.random.randn(1, 2, 4, 4), requires_grad=True)
    w = Tensor(np.random.randn(2, 2 // kwargs.get("groups", 1), 2, 3), requires_grad=True)
    b = Tensor(np.random.randn(2), requires_grad=True)
    assert gradcheck(lambda *t: conv2d(*t, **kwargs), (x, w, b))


def test_only_requested_gradients_are_computed():
    x = Tensor(np.random.randn(1, 2, 5, 5), requires_grad=True)
    w = Tensor(np.random.randn(3, 2, 3, 3))
    b = Tensor(np.random.randn(3), requires_grad=True)
    out = conv2d(x, w, b)
    assert out._ctx.cols is None  # no weight grad wanted: the patch matrix is not kept
    out.sum().backward()
    assert w.grad is None and x.grad is not None
    np.testing.assert_allclose(b.grad._data, np.full(3, 9.0))


def test_no_grad_records_nothing():
    x = Tensor(np.random.randn(1, 2, 5, 5), requires_grad=True)
    with no_grad():
        out = conv2d(x, Tensor(np.random.randn(3, 2, 3, 3), requires_grad=True))
    assert out._ctx is None and not out.requires_grad


def test_options_are_recorded_for_the_graph():
    x = Tensor(np.random.randn(1, 2, 6, 6), requires_grad=True)
    out = conv2d(x, Tensor(np.random.randn(4, 1, 2, 2)), stride=2, padding=1, groups=2)
    assert isinstance(out._ctx, Conv2d)
    assert out._ctx.options == dict(stride=(2, 2), padding=(1, 1, 1, 1), dilation=(1, 1),
                                    groups=2)


def _raises(match, x_shape=(2, 4, 9, 9), w_shape=(8, 4, 3, 3), b_shape=None, dtype=np.float32,
            w_dtype=None, **kwargs):
    x = Tensor(np.zeros(x_shape, dtype=dtype))
    w = Tensor(np.zeros(w_shape, dtype=w_dtype or dtype))
    b = None if b_shape is None else Tensor(np.zeros(b_shape, dtype=dtype))
    with pytest.raises(RuntimeError, match=match):
        conv2d(x, w, b, **kwargs)


@pytest.mark.parametrize("args,match", [
    (dict(x_shape=(9, 9)), r"Expected 3D \(unbatched\) or 4D \(batched\) input to conv2d, "
                           r"but got input of size: \(9, 9\)"),
    (dict(w_shape=(8, 4, 3)), r"weight should be 4-D .* got weight of size \(8, 4, 3\)"),
    (dict(w_shape=(8, 3, 3, 3)), r"Given groups=1, weight of size \(8, 3, 3, 3\), expected "
                                 r"input \(2, 4, 9, 9\) to have 3 channels, but got 4 "
                                 r"channels instead"),
    (dict(w_shape=(8, 2, 3, 3), groups=3), r"Given groups=3, weight of size \(8, 2, 3, 3\), "
                                           r"expected input \(2, 4, 9, 9\) to have 6 channels"),
    (dict(w_shape=(6, 1, 3, 3), groups=4), r"Given groups=4, expected weight to be divisible "
                                           r"by 4 at dimension 0, but got weight of size "
                                           r"\(6, 1, 3, 3\)"),
    (dict(groups=0), r"non-positive groups is not supported, got groups=0"),
    (dict(w_shape=(8, 4, 10, 10)), r"Calculated padded input size per channel: \(9 x 9\)\. "
                                   r"Kernel size: \(10 x 10\)\. Kernel size can't be greater"),
    (dict(dilation=5), r"padded input size per channel: \(9 x 9\)\. Kernel size: \(11 x 11\)"),
    (dict(w_shape=(8, 4, 12, 12), padding=1), r"padded input size per channel: \(11 x 11\)"),
    (dict(stride=(1, 0)), r"non-positive stride is not supported, got stride=\(1, 0\)"),
    (dict(dilation=0), r"non-positive dilation is not supported, got dilation=\(0, 0\)"),
    (dict(padding=(0, -1)), r"negative padding is not supported, got padding=\(0, -1\)"),
    (dict(padding="same", stride=2), r"padding='same' is not supported for strided "
                                     r"convolutions, got stride=\(2, 2\)"),
    (dict(padding="full"), r"Invalid padding string: 'full'"),
    (dict(b_shape=(7,)), r"Given weight of size \(8, 4, 3, 3\), expected bias to be "
                         r"1-dimensional with 8 elements, but got bias of size \(7,\)"),
    (dict(dtype=np.float64, w_dtype=np.float32), r"Input type \(float64\) and weight type "
                                                 r"\(float32\) should be the same"),
    (dict(dtype=np.int64), r"conv2d supports float32 and float64 inputs, got int64"),
])
def test_errors(args, match):
    _raises(match, **args)


def test_bias_dtype_error():
    x, w = Tensor(np.zeros((1, 1, 3, 3))), Tensor(np.zeros((1, 1, 3, 3)))
    with pytest.raises(RuntimeError, match=r"Input type \(float64\) and bias type \(float32\)"):
        conv2d(x, w, Tensor(np.zeros(1, dtype=np.float32)))


def test_bad_stride_type():
    with pytest.raises(TypeError, match=r"stride must be an int or a tuple of 1 or 2 ints, "
                                        r"got \(1, 2, 3\)"):
        conv2d(Tensor(np.zeros((1, 1, 3, 3))), Tensor(np.zeros((1, 1, 3, 3))), stride=(1, 2, 3))
