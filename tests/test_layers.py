"""Every layer against its torch.nn twin, with torch's weights copied in (float64 and float32).

A layer is described once by a `build(lib)` function that works for both `tinygrad_cnn.nn`
and `torch.nn`, so both sides are built with exactly the same arguments.
"""
import numpy as np
import pytest
import torch

import tinygrad_cnn as tg
from tinygrad_cnn import nn
from torch_oracle import assert_close, pair

DTYPES = [np.float64, np.float32]


def twins(build, dtype):
    """(ours, torch's) built by `build`, in `dtype`, with torch's weights loaded into ours."""
    theirs = build(torch.nn).to(torch.float64 if dtype == np.float64 else torch.float32)
    ours = build(nn).to(dtype)
    ours.load_state_dict(theirs.state_dict())
    return ours, theirs


def check_forward_backward(ours, theirs, x_np, dtype):
    """Same output, same input gradient and same parameter gradients as torch."""
    x, tx = pair(x_np.astype(dtype))
    out, tout = ours(x), theirs(tx)
    assert out.dtype == dtype
    assert_close(out, tout)
    seed = np.random.default_rng(1).standard_normal(out.shape).astype(dtype)
    out.backward(tg.tensor(seed))
    tout.backward(torch.from_numpy(seed))
    assert_close(x.grad, tx.grad)
    torch_params = dict(theirs.named_parameters())
    for name, p in ours.named_parameters():
        assert_close(p.grad, torch_params[name].grad)


LAYERS = {
    "linear": (lambda lib: lib.Linear(5, 3), (4, 5)),
    "linear_no_bias": (lambda lib: lib.Linear(5, 3, bias=False), (2, 7, 5)),
    "conv": (lambda lib: lib.Conv2d(3, 4, 3), (2, 3, 7, 6)),
    "conv_stride_pad": (lambda lib: lib.Conv2d(2, 4, (3, 2), stride=2, padding=1), (2, 2, 8, 7)),
    "conv_dilation_groups": (lambda lib: lib.Conv2d(4, 6, 3, dilation=2, groups=2, bias=False),
                             (1, 4, 9, 9)),
    "maxpool": (lambda lib: lib.MaxPool2d(2), (2, 3, 6, 6)),
    "maxpool_stride_pad": (lambda lib: lib.MaxPool2d(3, stride=2, padding=1), (1, 2, 7, 7)),
    "avgpool": (lambda lib: lib.AvgPool2d(2), (2, 3, 6, 5)),
    "adaptive_avgpool": (lambda lib: lib.AdaptiveAvgPool2d((2, 3)), (2, 3, 5, 7)),
    "flatten": (lambda lib: lib.Flatten(), (2, 3, 4, 5)),
    "flatten_dims": (lambda lib: lib.Flatten(0, 2), (2, 3, 4, 5)),
    "relu": (lambda lib: lib.ReLU(), (3, 4)),
    "leaky_relu": (lambda lib: lib.LeakyReLU(0.2), (3, 4)),
    "sigmoid": (lambda lib: lib.Sigmoid(), (3, 4)),
    "tanh": (lambda lib: lib.Tanh(), (3, 4)),
    "softmax": (lambda lib: lib.Softmax(dim=1), (3, 4)),
    "log_softmax": (lambda lib: lib.LogSoftmax(dim=-1), (3, 4)),
    "identity": (lambda lib: lib.Identity(), (3, 4)),
    "batchnorm1d_train": (lambda lib: lib.BatchNorm1d(4), (6, 4)),
    "batchnorm1d_3d_train": (lambda lib: lib.BatchNorm1d(4), (6, 4, 3)),
    "batchnorm2d_train": (lambda lib: lib.BatchNorm2d(3), (4, 3, 5, 5)),
    "batchnorm2d_no_affine": (lambda lib: lib.BatchNorm2d(3, affine=False), (4, 3, 2, 2)),
    "batchnorm2d_no_stats": (lambda lib: lib.BatchNorm2d(3, track_running_stats=False),
                             (4, 3, 2, 2)),
    "sequential": (lambda lib: lib.Sequential(lib.Conv2d(1, 2, 3, padding=1), lib.ReLU(),
                                              lib.MaxPool2d(2), lib.Flatten(),
                                              lib.Linear(2 * 3 * 3, 4)), (2, 1, 6, 6)),
}


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", LAYERS)
def test_layer_matches_torch(name, dtype):
    build, shape = LAYERS[name]
    ours, theirs = twins(build, dtype)
    check_forward_backward(ours, theirs, np.random.default_rng(0).standard_normal(shape), dtype)


@pytest.mark.parametrize("name", ["linear", "conv", "batchnorm2d_train", "maxpool", "softmax",
                                  "dropout", "leaky_relu", "flatten", "sequential"])
def test_repr_matches_torch(name):
    build = LAYERS[name][0] if name in LAYERS else (lambda lib: lib.Dropout(0.3))
    assert repr(build(nn)) == repr(build(torch.nn))


def test_conv_and_linear_reprs_with_options_match_torch():
    for build in (lambda lib: lib.Conv2d(4, 6, (3, 2), stride=2, padding=1, dilation=2,
                                         groups=2, bias=False),
                  lambda lib: lib.Linear(3, 1, bias=False),
                  lambda lib: lib.AvgPool2d(3, stride=1, padding=1),
                  lambda lib: lib.AdaptiveAvgPool2d(1),
                  lambda lib: lib.BatchNorm1d(3, momentum=None, affine=False)):
        assert repr(build(nn)) == repr(build(torch.nn))


def test_default_parameter_shapes_dtypes_and_counts_match_torch():
    for build in (lambda lib: lib.Conv2d(3, 8, 5, groups=1), lambda lib: lib.Linear(10, 4),
                  lambda lib: lib.BatchNorm2d(7), lambda lib: lib.Conv2d(4, 8, 3, groups=4)):
        ours, theirs = build(nn), build(torch.nn)
        assert [(n, p.shape, p.dtype) for n, p in ours.named_parameters()] == \
            [(n, tuple(p.shape), np.float32) for n, p in theirs.named_parameters()]
    bn = nn.BatchNorm2d(3)
    assert bn.weight.tolist() == [1.0] * 3 and bn.bias.tolist() == [0.0] * 3


def test_constructor_errors():
    with pytest.raises(ValueError, match="must both be divisible by groups"):
        nn.Conv2d(3, 4, 3, groups=2)
    with pytest.raises(ValueError, match="dropout probability has to be between 0 and 1"):
        nn.Dropout(1.5)
    with pytest.raises(ValueError, match=r"expected 4D input \(got 2D input\)"):
        nn.BatchNorm2d(3)(tg.randn(4, 3))


# ----- train vs eval -----------------------------------------------------------------------
@pytest.mark.parametrize("momentum", [0.1, None])
@pytest.mark.parametrize("build", [lambda lib, m: lib.BatchNorm2d(3, momentum=m),
                                   lambda lib, m: lib.BatchNorm1d(3, momentum=m)])
def test_batchnorm_running_stats_follow_torch_over_steps_then_eval(build, momentum):
    ours, theirs = twins(lambda lib: build(lib, momentum), np.float64)
    shape = (5, 3, 4, 4) if isinstance(ours, nn.BatchNorm2d) else (5, 3)
    rng = np.random.default_rng(0)
    for _ in range(4):
        x = rng.normal(2.0, 3.0, shape)
        assert_close(ours(tg.tensor(x)), theirs(torch.tensor(x)))
    for name, buf in theirs.named_buffers():
        assert_close(getattr(ours, name), buf)
    assert ours.num_batches_tracked.item() == 4
    ours.eval(), theirs.eval()
    check_forward_backward(ours, theirs, rng.standard_normal(shape), np.float64)
    assert ours.num_batches_tracked.item() == 4  # eval does not count batches


def test_batchnorm_running_stats_round_trip_through_state_dict():
    bn = nn.BatchNorm1d(2)
    bn(tg.randn(8, 2) * 5 + 1)
    fresh = nn.BatchNorm1d(2)
    fresh.load_state_dict(bn.state_dict())
    x = tg.randn(3, 2)
    np.testing.assert_array_equal(fresh.eval()(x)._data, bn.eval()(x)._data)


def test_dropout_train_zeroes_and_rescales_eval_is_identity():
    drop = nn.Dropout(0.25)
    x = tg.ones(200, 100)
    out = drop(x)._data
    assert set(np.unique(out)) == {0.0, np.float32(1 / 0.75)}
    assert abs((out == 0).mean() - 0.25) < 0.01
    np.testing.assert_array_equal(drop.eval()(x)._data, x._data)


def test_dropout_gradient_uses_the_same_mask():
    x = tg.ones(50, 50, requires_grad=True)
    out = nn.Dropout(0.5)(x)
    out.sum().backward()
    np.testing.assert_array_equal(x.grad._data, out._data)


def test_dropout_is_reproducible_with_manual_seed():
    tg.manual_seed(3)
    a = nn.Dropout()(tg.ones(64))._data
    tg.manual_seed(3)
    np.testing.assert_array_equal(a, nn.Dropout()(tg.ones(64))._data)


# ----- residual block ----------------------------------------------------------------------
def residual_block(lib):
    """A ResNet basic block: the skip connection is just `+`."""

    class Block(lib.Module):
        def __init__(self, channels):
            super().__init__()
            self.conv1 = lib.Conv2d(channels, channels, 3, padding=1, bias=False)
            self.bn1 = lib.BatchNorm2d(channels)
            self.conv2 = lib.Conv2d(channels, channels, 3, padding=1, bias=False)
            self.bn2 = lib.BatchNorm2d(channels)
            self.relu = lib.ReLU()

        def forward(self, x):
            out = self.relu(self.bn1(self.conv1(x)))
            return self.relu(self.bn2(self.conv2(out)) + x)

    return Block(3)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("training", [True, False])
def test_residual_block_matches_torch(dtype, training):
    ours, theirs = twins(residual_block, dtype)
    ours.train(training), theirs.train(training)
    check_forward_backward(ours, theirs, np.random.default_rng(0).standard_normal((2, 3, 5, 5)),
                           dtype)


# ----- losses ------------------------------------------------------------------------------
LOSSES = {
    "cross_entropy": lambda lib: lib.CrossEntropyLoss(),
    "cross_entropy_options": lambda lib: lib.CrossEntropyLoss(
        weight=(torch.tensor if lib is torch.nn else tg.tensor)([1.0, 2.0, 0.5, 1.0]),
        reduction="sum", label_smoothing=0.1),
    "nll": lambda lib: lib.NLLLoss(reduction="none"),
}


def test_legacy_size_average_is_translated_with_torchs_warning():
    logits, target = np.random.default_rng(0).standard_normal((3, 4)), np.array([0, 3, 1])
    with pytest.warns(UserWarning, match="please use reduction='sum' instead"):
        ours = nn.CrossEntropyLoss(size_average=False)
    assert ours.reduction == "sum"
    with pytest.warns(UserWarning, match="reduction='none'"):
        assert nn.MSELoss(reduce=False).reduction == "none"
    with pytest.warns(UserWarning):
        theirs = torch.nn.CrossEntropyLoss(size_average=False)
    assert_close(ours(tg.tensor(logits), tg.tensor(target)),
                 theirs(torch.tensor(logits), torch.tensor(target)))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", LOSSES)
def test_class_losses_match_torch(name, dtype):
    logits = np.random.default_rng(0).standard_normal((6, 4))
    target = np.array([0, 3, 1, 1, 2, -100])  # the last one is ignored (ignore_index)
    ours, theirs = twins(LOSSES[name], dtype)
    x, tx = pair(logits.astype(dtype))
    loss, tloss = ours(x, tg.tensor(target)), theirs(tx, torch.tensor(target))
    assert_close(loss, tloss)
    loss.sum().backward(), tloss.sum().backward()
    assert_close(x.grad, tx.grad)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("build,activation", [
    (lambda lib: lib.MSELoss(), None),
    (lambda lib: lib.MSELoss(reduction="sum"), None),
    (lambda lib: lib.BCELoss(), torch.sigmoid),
    (lambda lib: lib.BCEWithLogitsLoss(
        pos_weight=(torch.tensor if lib is torch.nn else tg.tensor)([2.0, 0.5, 1.0])), None),
])
def test_regression_and_binary_losses_match_torch(build, activation, dtype):
    rng = np.random.default_rng(0)
    inputs = rng.standard_normal((4, 3))
    if activation is not None:
        inputs = activation(torch.from_numpy(inputs)).numpy()
    target = rng.uniform(0, 1, (4, 3)).astype(dtype)
    ours, theirs = twins(build, dtype)
    x, tx = pair(inputs.astype(dtype))
    loss, tloss = ours(x, tg.tensor(target)), theirs(tx, torch.from_numpy(target))
    assert_close(loss, tloss)
    loss.backward(), tloss.backward()
    assert_close(x.grad, tx.grad)


def test_loss_weight_is_a_buffer_and_repr_matches_torch():
    loss = nn.CrossEntropyLoss(weight=tg.ones(3))
    assert [n for n, _ in loss.named_buffers()] == ["weight"]
    assert repr(loss) == repr(torch.nn.CrossEntropyLoss(weight=torch.ones(3))) == \
        "CrossEntropyLoss()"
