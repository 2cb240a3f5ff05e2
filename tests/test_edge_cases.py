"""The edges of issue 19, one test each: masked batches, empty tensors, zero-size kernels,
nonsense layer arguments, optimizer arguments of the wrong type. Each either matches
PyTorch or raises early with a message naming the bad value."""
import warnings

import numpy as np
import pytest
import torch
import torch.nn.functional as TF

import tinygrad_cnn as tc
from tinygrad_cnn import Tensor, nn, optim
from tinygrad_cnn.nn import functional as F
from torch_oracle import assert_close, pair


# ----- fully masked batches: NaN loss, zero gradient (PyTorch) ------------------------------
@pytest.mark.parametrize("loss, smoothing", [("cross_entropy", 0.0), ("cross_entropy", 0.1),
                                             ("nll_loss", 0.0)])
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape", [(3, 4), (2, 4, 3, 2)])
def test_fully_masked_batch_gives_nan_loss_and_zero_gradient(loss, smoothing, weighted,
                                                             dtype, shape):
    rng = np.random.default_rng(0)
    x, tx = pair(rng.normal(size=shape).astype(dtype))
    target = np.full((shape[0], *shape[2:]), 2)
    w = rng.uniform(0.5, 2, size=shape[1]).astype(dtype) if weighted else None
    kwargs = {"label_smoothing": smoothing} if smoothing else {}
    ours = getattr(F, loss)(x, Tensor(target), None if w is None else Tensor(w),
                            ignore_index=2, **kwargs)
    theirs = getattr(TF, loss)(tx, torch.tensor(target),
                               None if w is None else torch.tensor(w), ignore_index=2, **kwargs)
    assert np.isnan(ours.item()) and torch.isnan(theirs)
    assert ours.dtype == dtype
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no numpy division warnings either
        ours.backward()
    theirs.backward()
    assert_close(x.grad, tx.grad)
    assert not x.grad.data.any()


def test_training_step_on_a_fully_masked_batch_leaves_the_weights_finite():
    model = nn.Linear(4, 3)
    opt = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    before = [p.data.copy() for p in model.parameters()]
    loss = F.cross_entropy(model(tc.randn(5, 4)), Tensor([1] * 5), ignore_index=1)
    loss.backward()
    opt.step()
    for p, old in zip(model.parameters(), before):
        np.testing.assert_array_equal(p.data, old)


@pytest.mark.parametrize("target_kind", ["index", "probability"])
def test_empty_batch_mean_is_nan_like_torch(target_kind):
    x, tx = pair(np.zeros((0, 3)))
    target = np.zeros(0, np.int64) if target_kind == "index" else np.zeros((0, 3))
    ours = F.cross_entropy(x, Tensor(target))
    theirs = TF.cross_entropy(tx, torch.tensor(target))
    assert np.isnan(ours.item()) and torch.isnan(theirs)
    ours.backward(), theirs.backward()
    assert x.grad.shape == (0, 3)


@pytest.mark.parametrize("loss", ["cross_entropy", "nll_loss"])
@pytest.mark.parametrize("length", [3, 5])
def test_class_weight_of_wrong_length_is_refused(loss, length):
    x = tc.randn(3, 4)
    with pytest.raises(RuntimeError, match=rf"weight tensor should be defined either for all "
                                           rf"4 classes or no classes but got weight tensor "
                                           rf"of shape: \[{length}\]"):
        getattr(F, loss)(x, Tensor([0, 1, 2]), weight=tc.ones(length))
    with pytest.raises(RuntimeError):  # torch agrees
        getattr(TF, loss)(torch.randn(3, 4), torch.tensor([0, 1, 2]),
                          weight=torch.ones(length))


def test_class_weight_of_wrong_length_with_smoothing_and_probabilities():
    with pytest.raises(RuntimeError, match=r"for all 4 classes .* shape: \[2, 2\]"):
        F.cross_entropy(tc.randn(3, 4), tc.rand(3, 4), weight=tc.ones(2, 2))
    with pytest.raises(RuntimeError, match=r"for all 4 classes .* shape: \[3\]"):
        nn.CrossEntropyLoss(weight=tc.ones(3), label_smoothing=0.1)(tc.randn(3, 4),
                                                                     Tensor([0, 1, 2]))
