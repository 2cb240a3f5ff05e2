"""The PyTorch surface added for real programs (issue 17): each op's values AND gradients
against torch in float64 (rtol 1e-6), written once for both libraries — the same lambda
runs with `m` = torch and `m` = tinygrad_cnn."""
import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

import tinygrad_cnn as tg

RNG = np.random.default_rng(0)


def run_both(op, arrays, int_arrays=()):
    """op(m, *tensors) with both libraries; returns ((out, grads) ours, (out, grads) torch)."""
    results = []
    for m in (tg, torch):
        xs = [m.tensor(a.copy(), dtype=m.float64, requires_grad=True) for a in arrays]
        ints = [m.tensor(a.copy()) for a in int_arrays]
        out = op(m, *xs, *ints)
        out = out[0] if isinstance(out, tuple) else out
        seed = np.random.default_rng(1).standard_normal(tuple(out.shape))
        if out.requires_grad:
            (out * m.tensor(seed, dtype=m.float64)).sum().backward()
        results.append((out.detach().numpy(), [None if x.grad is None else x.grad.numpy()
                                               for x in xs]))
    return results


def check(op, *shapes, ints=(), rtol=1e-6, atol=1e-10):
    arrays = [RNG.standard_normal(s) for s in shapes]
    (ours, our_grads), (theirs, their_grads) = run_both(op, arrays, ints)
    assert ours.shape == theirs.shape
    np.testing.assert_allclose(ours, theirs, rtol=rtol, atol=atol)
    for g, h in zip(our_grads, their_grads):
        assert (g is None) == (h is None)
        if g is not None:
            np.testing.assert_allclose(g, h, rtol=rtol, atol=atol)


CASES = {
    "view_as": (lambda m, x: x.view_as(m.zeros(6, 2)), (3, 4)),
    "flip": (lambda m, x: x.flip(0, 2), (2, 3, 4)),
    "flip_torch": (lambda m, x: m.flip(x, [-1]), (2, 3)),
    "repeat": (lambda m, x: x.repeat(2, 1, 3), (3, 2)),
    "chunk": (lambda m, x: m.cat(x.chunk(3, dim=1)[1:], 1) * 2, (2, 7)),
    "split_sizes": (lambda m, x: x.split([1, 3], dim=0)[1], (4, 2)),
    "split_int": (lambda m, x: m.stack(x.split(2)[:2]), (5, 3)),
    "cumsum": (lambda m, x: x.cumsum(dim=1), (3, 4)),
    "prod_all": (lambda m, x: x.prod(), (2, 3)),
    "prod_dim": (lambda m, x: x.prod(1, keepdim=True), (3, 4)),
    "norm_fro": (lambda m, x: x.norm(), (3, 4)),
    "norm_dim": (lambda m, x: x.norm(p=2, dim=1), (3, 4)),
    "norm_p1": (lambda m, x: m.norm(x, p=1), (5,)),
    "norm_p3": (lambda m, x: x.norm(p=3, dim=0, keepdim=True), (3, 2)),
    "einsum_matmul": (lambda m, x, y: m.einsum("ij,jk->ik", x, y), (2, 3), (3, 4)),
    "einsum_batch": (lambda m, x, y: m.einsum("bij,bkj->bik", x, y), (2, 3, 4), (2, 5, 4)),
    "einsum_sum_out": (lambda m, x, y: m.einsum("ij,k->i", x, y), (2, 3), (4,)),
    "einsum_implicit": (lambda m, x: m.einsum("ji", x), (2, 3)),
    "bmm": (lambda m, x, y: m.bmm(x, y), (2, 3, 4), (2, 4, 5)),
    "sort": (lambda m, x: x.sort(dim=1, descending=True).values, (3, 5)),
    "topk": (lambda m, x: x.topk(2, dim=0).values, (5, 3)),
    "topk_smallest": (lambda m, x: m.topk(x, 3, largest=False)[0], (6,)),
    "new_zeros_type_as": (lambda m, x: x + x.new_zeros(3, 4) + x.new_ones((4,)).type_as(x),
                          (3, 4)),
    "gelu": (lambda m, x: m.nn.functional.gelu(x), (4, 5)),
    "gelu_tanh": (lambda m, x: m.nn.GELU(approximate="tanh")(x), (4, 5)),
    "silu": (lambda m, x: m.nn.SiLU()(x), (4, 5)),
    "layer_norm": (lambda m, x, w, b: m.nn.functional.layer_norm(x, (3, 4), w, b),
                   (2, 3, 4), (3, 4), (3, 4)),
    "group_norm": (lambda m, x, w, b: m.nn.functional.group_norm(x, 2, w, b),
                   (2, 4, 3, 3), (4,), (4,)),
    "interpolate_nearest": (lambda m, x: m.nn.functional.interpolate(x, scale_factor=2),
                            (1, 2, 3, 4)),
    "interpolate_nearest_size": (lambda m, x: m.nn.functional.interpolate(x, size=(5, 3)),
                                 (2, 1, 3, 4)),
    "interpolate_bilinear": (lambda m, x: m.nn.functional.interpolate(
        x, size=(5, 7), mode="bilinear", align_corners=False), (1, 2, 3, 4)),
    "interpolate_bilinear_corners": (lambda m, x: m.nn.functional.interpolate(
        x, scale_factor=2, mode="bilinear", align_corners=True), (1, 2, 3, 4)),
    "upsample_down": (lambda m, x: m.nn.Upsample(size=(2, 3), mode="bilinear")(x),
                      (1, 1, 5, 7)),
    "conv_transpose2d": (lambda m, x, w, b: m.nn.functional.conv_transpose2d(
        x, w, b, stride=2, padding=1, output_padding=1), (2, 3, 4, 5), (3, 2, 3, 3), (2,)),
    "conv_transpose2d_groups": (lambda m, x, w: m.nn.functional.conv_transpose2d(
        x, w, groups=2, dilation=2, padding=3), (1, 4, 5, 5), (4, 3, 3, 3)),
    "conv_transpose2d_plain": (lambda m, x, w: m.nn.functional.conv_transpose2d(x, w),
                               (1, 2, 3, 3), (2, 1, 2, 2)),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_values_and_gradients_match_torch(name):
    op, *shapes = CASES[name]
    check(op, *shapes)


INDEX_CASES = {
    "gather": (lambda m, x, i: x.gather(1, i), (3, 4), np.array([[0, 3], [1, 1], [2, 0]])),
    "index_select": (lambda m, x, i: x.index_select(0, i), (3, 4), np.array([2, 0, 2])),
    "one_hot_sum": (lambda m, x, i: (x * m.nn.functional.one_hot(i, 4)).sum(1), (3, 4),
                    np.array([1, 0, 3])),
}


@pytest.mark.parametrize("name", sorted(INDEX_CASES))
def test_index_ops_match_torch(name):
    op, shape, index = INDEX_CASES[name]
    check(op, shape, ints=(index,))


@given(shape=st.lists(st.integers(1, 4), min_size=1, max_size=3), data=st.data())
def test_shape_ops_over_generated_shapes(shape, data):
    dim = data.draw(st.integers(-len(shape), len(shape) - 1))
    reps = data.draw(st.lists(st.integers(1, 3), min_size=len(shape), max_size=len(shape) + 1))
    check(lambda m, x: x.flip(dim), shape)
    check(lambda m, x: x.cumsum(dim), shape)
    check(lambda m, x: x.prod(dim), shape)
    check(lambda m, x: x.sort(dim).values, shape)
    check(lambda m, x: x.repeat(*reps), shape)
    chunks = data.draw(st.integers(1, 4))
    check(lambda m, x: m.cat(x.chunk(chunks, dim), dim), shape)


@given(h=st.integers(1, 5), w=st.integers(1, 5), oh=st.integers(1, 8), ow=st.integers(1, 8),
       corners=st.booleans())
def test_bilinear_over_generated_sizes(h, w, oh, ow, corners):
    check(lambda m, x: m.nn.functional.interpolate(x, size=(oh, ow), mode="bilinear",
                                                   align_corners=corners), (1, 2, h, w))


@given(stride=st.integers(1, 3), padding=st.integers(0, 2), k=st.integers(1, 3),
       extra=st.integers(0, 2))
def test_conv_transpose2d_over_generated_geometry(stride, padding, k, extra):
    output_padding = min(extra, stride - 1)
    if 2 * padding >= 2 * stride + k + output_padding:  # no output: both refuse
        with pytest.raises(RuntimeError, match="too small"):
            tg.nn.functional.conv_transpose2d(tg.zeros(1, 2, 4, 3), tg.zeros(2, 3, k, k),
                                              stride=stride, padding=padding)
        return
    check(lambda m, x, w: m.nn.functional.conv_transpose2d(
        x, w, stride=stride, padding=padding, output_padding=output_padding),
        (1, 2, 4, 3), (2, 3, k, k))


def test_prod_gradient_with_zeros():
    check(lambda m, x: (x * m.tensor([[0.0, 1.0, 1.0], [0.0, 0.0, 1.0]],
                                     dtype=m.float64)).prod(1), (2, 3))


def test_non_differentiable_results_match_torch():
    x = RNG.standard_normal((3, 4))
    for m_op in (lambda m, t: t.argsort(1, descending=True), lambda m, t: t.topk(2).indices,
                 lambda m, t: (t > 0).all(1), lambda m, t: (t > 0).any(),
                 lambda m, t: m.all(t > -5), lambda m, t: t.argmax(axis=1),
                 lambda m, t: t.sum(axis=0), lambda m, t: m.linspace(-1, 2, 7),
                 lambda m, t: m.nn.functional.one_hot(m.tensor([2, 0]))):
        ours, theirs = m_op(tg, tg.tensor(x)), m_op(torch, torch.tensor(x))
        np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


def test_autograd_grad_matches_torch_and_leaves_grad_alone():
    results = []
    for m in (tg, torch):
        x = m.tensor([1.0, -2.0, 3.0], dtype=m.float64, requires_grad=True)
        w = m.tensor([0.5, 0.1, 2.0], dtype=m.float64, requires_grad=True)
        h = x * w
        gx, gh = m.autograd.grad((h * h).sum(), [x, h], retain_graph=True)
        (gw,) = m.autograd.grad(h.sum(), w, grad_outputs=m.tensor(2.0, dtype=m.float64))
        assert x.grad is None and w.grad is None
        results.append([t.numpy() for t in (gx, gh, gw)])
    for ours, theirs in zip(*results):
        np.testing.assert_allclose(ours, theirs, rtol=1e-6)
    x = tg.tensor([1.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="allow_unused"):
        tg.autograd.grad((x * 2).sum(), [x, tg.tensor([1.0], requires_grad=True)])


def test_dropout2d_zeroes_whole_channels_and_masks_the_gradient():
    x = tg.ones(4, 16, 3, 3, requires_grad=True)
    out = tg.nn.functional.dropout2d(x, p=0.5)
    per_channel = out.detach().numpy().reshape(4, 16, 9)
    assert set(np.unique(per_channel)) <= {0.0, 2.0}
    assert (per_channel.min(2) == per_channel.max(2)).all()
    out.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), out.detach().numpy())
    assert tg.nn.Dropout2d(0.5).eval()(x) is x


def test_layers_have_torch_parameter_shapes_and_names():
    for build in (lambda m: m.nn.ConvTranspose2d(4, 6, 3, stride=2, groups=2),
                  lambda m: m.nn.LayerNorm((3, 4)), lambda m: m.nn.GroupNorm(2, 6)):
        ours, theirs = build(tg), build(torch)
        assert {k: tuple(v.shape) for k, v in ours.state_dict().items()} == \
            {k: tuple(v.shape) for k, v in theirs.state_dict().items()}


def test_layer_modules_match_torch_with_copied_weights():
    for build, shape in ((lambda m: m.nn.ConvTranspose2d(4, 6, 3, stride=2, groups=2,
                                                          output_padding=1), (2, 4, 5, 5)),
                         (lambda m: m.nn.LayerNorm(5), (3, 5)),
                         (lambda m: m.nn.GroupNorm(3, 6), (2, 6, 2, 2))):
        ours, theirs = build(tg).double(), build(torch).double()
        ours.load_state_dict(theirs.state_dict())
        x = RNG.standard_normal(shape)
        np.testing.assert_allclose(ours(tg.tensor(x)).detach().numpy(),
                                   theirs(torch.tensor(x)).detach().numpy(), rtol=1e-6)


def test_surface_errors_are_torch_like():
    x = tg.randn(3, 4)
    with pytest.raises(RuntimeError, match="out of bounds"):
        x.gather(1, tg.tensor([[4]]).expand(3, 1))
    with pytest.raises(RuntimeError, match="k out of range"):
        x.topk(5)
    with pytest.raises(RuntimeError, match="sum exactly to 4"):
        x.split([1, 2], dim=1)
    with pytest.raises(NotImplementedError, match="mode 'bicubic'"):
        tg.nn.functional.interpolate(tg.zeros(1, 1, 2, 2), scale_factor=2, mode="bicubic")
    with pytest.raises(RuntimeError, match="num_groups"):
        tg.nn.functional.group_norm(tg.zeros(1, 3, 2), 2)
    with pytest.raises(TypeError, match="both dim and axis"):
        x.sum(1, axis=0)
