"""LR schedulers against torch.optim.lr_scheduler sequences (and the Keras decay formula)."""
import math

import numpy as np
import pytest
import torch

from tinygrad_cnn import Tensor, optim
from tinygrad_cnn.optim import lr_scheduler

STEPS = 25


def two_group_optimizers():
    """Ours and torch's SGD with two groups of different lrs (schedules are per group)."""
    a, b = Tensor(np.zeros(2), requires_grad=True), Tensor(np.zeros(2), requires_grad=True)
    ta, tb = torch.zeros(2, requires_grad=True), torch.zeros(2, requires_grad=True)
    ours = optim.SGD([{"params": [a]}, {"params": [b], "lr": 0.03}], lr=0.1)
    theirs = torch.optim.SGD([{"params": [ta]}, {"params": [tb], "lr": 0.03}], lr=0.1)
    return ours, theirs


def lr_sequence(scheduler, optimizer, steps=STEPS):
    """The lrs seen by each epoch: the initial ones, then after every step()."""
    seq = [scheduler.get_last_lr()]
    for _ in range(steps):
        optimizer.step()
        scheduler.step()
        seq.append(scheduler.get_last_lr())
        assert seq[-1] == [g["lr"] for g in optimizer.param_groups]
    return np.array(seq)


@pytest.mark.parametrize("name,kwargs", [
    ("StepLR", dict(step_size=3)),
    ("StepLR", dict(step_size=1, gamma=0.5)),
    ("ExponentialLR", dict(gamma=0.9)),
    ("CosineAnnealingLR", dict(T_max=10)),
    ("CosineAnnealingLR", dict(T_max=7, eta_min=0.001)),  # runs past T_max and back up
])
def test_matches_torch_sequence(name, kwargs):
    ours, theirs = two_group_optimizers()
    seq = lr_sequence(getattr(lr_scheduler, name)(ours, **kwargs), ours)
    tseq = lr_sequence(getattr(torch.optim.lr_scheduler, name)(theirs, **kwargs), theirs)
    np.testing.assert_allclose(seq, tseq, rtol=1e-9, atol=1e-12)
    assert len(set(seq[:, 0])) > 1, "the schedule never changed the lr"


def test_inverse_time_matches_keras_formula():
    ours, _ = two_group_optimizers()
    seq = lr_sequence(lr_scheduler.InverseTimeLR(ours, decay=0.2), ours)
    t = np.arange(STEPS + 1)[:, None]
    np.testing.assert_allclose(seq, np.array([[0.1, 0.03]]) / (1 + 0.2 * t), rtol=1e-12)


def test_cosine_reaches_eta_min_at_t_max():
    ours, _ = two_group_optimizers()
    sched = lr_scheduler.CosineAnnealingLR(ours, T_max=4, eta_min=0.01)
    for _ in range(4):
        sched.step()
    assert sched.get_last_lr() == pytest.approx([0.01, 0.01])
    assert math.isclose(ours.param_groups[0]["initial_lr"], 0.1)


def test_state_dict_round_trip_resumes_the_schedule():
    opt, _ = two_group_optimizers()
    sched = lr_scheduler.StepLR(opt, step_size=2, gamma=0.5)
    for _ in range(3):
        sched.step()
    saved = sched.state_dict()
    assert "optimizer" not in saved and saved["last_epoch"] == 3
    expected = lr_sequence(sched, opt, 5)

    opt2, _ = two_group_optimizers()
    resumed = lr_scheduler.StepLR(opt2, step_size=10, gamma=0.9)
    resumed.load_state_dict(saved)
    resumed.step()
    resumed.step()
    resumed.load_state_dict(saved)  # the dict was not aliased by the first load
    np.testing.assert_allclose(lr_sequence(resumed, opt2, 4), expected[:5])


def test_scheduler_overrides_a_manual_lr_change():
    """Closed forms: the documented non-chainable behaviour."""
    opt, _ = two_group_optimizers()
    sched = lr_scheduler.ExponentialLR(opt, gamma=0.5)
    opt.param_groups[0]["lr"] = 42.0
    sched.step()
    assert sched.get_last_lr() == [0.05, 0.015]


def test_errors():
    opt, theirs = two_group_optimizers()
    with pytest.raises(TypeError, match="SGD is not an Optimizer"):
        lr_scheduler.StepLR(theirs, step_size=2)
    with pytest.raises(ValueError, match="step_size must be a positive integer, got 0"):
        lr_scheduler.StepLR(opt, step_size=0)
    with pytest.raises(ValueError, match="T_max must be positive, got -1"):
        lr_scheduler.CosineAnnealingLR(opt, T_max=-1)
    with pytest.raises(ValueError, match="Invalid decay value: -0.1"):
        lr_scheduler.InverseTimeLR(opt, decay=-0.1)
    with pytest.raises(KeyError, match=r"'initial_lr' is not specified in param_groups\[0\]"):
        lr_scheduler.ExponentialLR(opt, gamma=0.5, last_epoch=3)


def test_resume_with_last_epoch_continues_from_initial_lr():
    opt, theirs = two_group_optimizers()
    lr_scheduler.ExponentialLR(opt, gamma=0.5)
    torch.optim.lr_scheduler.ExponentialLR(theirs, gamma=0.5)
    ours = lr_scheduler.ExponentialLR(opt, gamma=0.5, last_epoch=2)
    tsched = torch.optim.lr_scheduler.ExponentialLR(theirs, gamma=0.5, last_epoch=2)
    assert ours.last_epoch == tsched.last_epoch == 3
    assert ours.get_last_lr() == pytest.approx([0.1 * 0.5 ** 3, 0.03 * 0.5 ** 3])
