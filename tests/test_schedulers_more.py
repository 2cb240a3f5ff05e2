"""MultiStepLR, LambdaLR, OneCycleLR, ReduceLROnPlateau against torch.optim.lr_scheduler."""
import numpy as np
import pytest
import torch
from hypothesis import given, settings, strategies as st

from tinygrad_cnn import Tensor, optim
from tinygrad_cnn.optim import lr_scheduler


def optimizers(kind="SGD", **kwargs):
    """Ours and torch's optimizer of the same kind with two groups of different lrs."""
    a, b = Tensor(np.zeros(2), requires_grad=True), Tensor(np.zeros(2), requires_grad=True)
    ta, tb = torch.zeros(2, requires_grad=True), torch.zeros(2, requires_grad=True)
    ours = getattr(optim, kind)([{"params": [a]}, {"params": [b], "lr": 0.03}], lr=0.1, **kwargs)
    theirs = getattr(torch.optim, kind)([{"params": [ta]}, {"params": [tb], "lr": 0.03}],
                                        lr=0.1, **kwargs)
    return ours, theirs


def run(scheduler, optimizer, steps, metrics=None):
    """lrs and momenta after construction and after every step()."""
    def snapshot():
        groups = optimizer.param_groups
        momentum = [g.get("momentum", g.get("betas", (0,))[0]) for g in groups]
        return scheduler.get_last_lr() + [g["lr"] for g in groups] + momentum
    seq = [snapshot()]
    for i in range(steps):
        optimizer.step()
        scheduler.step(*([] if metrics is None else [metrics[i]]))
        seq.append(snapshot())
    return np.array(seq, dtype=float)


def assert_same(name, kwargs, steps, kind="SGD", opt_kwargs=None, metrics=None):
    ours, theirs = optimizers(kind, **(opt_kwargs or {}))
    seq = run(getattr(lr_scheduler, name)(ours, **kwargs), ours, steps, metrics)
    tseq = run(getattr(torch.optim.lr_scheduler, name)(theirs, **kwargs), theirs, steps, metrics)
    np.testing.assert_allclose(seq, tseq, rtol=1e-12, atol=1e-15)
    assert len(set(seq[:, 0])) > 1, "the schedule never changed the lr"


@pytest.mark.parametrize("kwargs", [dict(milestones=[2, 5]),
                                    dict(milestones=[5, 2, 5], gamma=0.5)])
def test_multistep_matches_torch(kwargs):
    assert_same("MultiStepLR", kwargs, 12)


@pytest.mark.parametrize("lr_lambda", [lambda t: 0.95 ** t, [lambda t: 1 / (1 + t), lambda t: t % 3]])
def test_lambda_matches_torch(lr_lambda):
    assert_same("LambdaLR", dict(lr_lambda=lr_lambda), 10)


@pytest.mark.parametrize("kwargs, kind, opt_kwargs", [
    (dict(max_lr=1.0, total_steps=20), "SGD", dict(momentum=0.9)),
    (dict(max_lr=[1.0, 0.5], epochs=3, steps_per_epoch=7, anneal_strategy="linear"), "SGD",
     dict(momentum=0.9)),
    (dict(max_lr=0.01, total_steps=17, three_phase=True, pct_start=0.25), "Adam", {}),
    (dict(max_lr=0.3, total_steps=11, cycle_momentum=False), "SGD", {}),
])
def test_one_cycle_matches_torch_including_momentum(kwargs, kind, opt_kwargs):
    steps = kwargs.get("total_steps") or kwargs["epochs"] * kwargs["steps_per_epoch"]
    assert_same("OneCycleLR", kwargs, steps - 1, kind, opt_kwargs)


def test_one_cycle_refuses_stepping_past_the_end_like_torch():
    ours, theirs = optimizers(momentum=0.9)
    for lib, opt in ((lr_scheduler, ours), (torch.optim.lr_scheduler, theirs)):
        s = lib.OneCycleLR(opt, max_lr=1.0, total_steps=2)
        opt.step(); s.step(); opt.step(); s.step()
        with pytest.raises(ValueError, match="Tried to step 3 times"):
            s.step()


def test_one_cycle_without_momentum_option_errors_like_torch():
    ours = optim.Adagrad([Tensor(np.zeros(1), requires_grad=True)])
    with pytest.raises(ValueError, match="must support momentum or beta1"):
        lr_scheduler.OneCycleLR(ours, max_lr=1.0, total_steps=5)


@settings(max_examples=25, deadline=None)
@given(metrics=st.lists(st.sampled_from([1.0, 0.9, 0.5, 0.49995, 2.0, 0.3]), min_size=5,
                        max_size=30),
       mode=st.sampled_from(["min", "max"]), threshold_mode=st.sampled_from(["rel", "abs"]),
       patience=st.integers(0, 3), cooldown=st.integers(0, 2),
       min_lr=st.sampled_from([0, 0.002, [0.01, 0.0]]))
def test_plateau_matches_torch(metrics, mode, threshold_mode, patience, cooldown, min_lr):
    kwargs = dict(mode=mode, threshold_mode=threshold_mode, patience=patience,
                  cooldown=cooldown, min_lr=min_lr, factor=0.5)
    ours, theirs = optimizers()
    seq = run(lr_scheduler.ReduceLROnPlateau(ours, **kwargs), ours, len(metrics), metrics)
    tseq = run(torch.optim.lr_scheduler.ReduceLROnPlateau(theirs, **kwargs), theirs,
               len(metrics), metrics)
    np.testing.assert_allclose(seq, tseq, rtol=1e-12)


def test_plateau_accepts_a_tensor_metric_and_round_trips_its_state():
    ours, _ = optimizers()
    s = lr_scheduler.ReduceLROnPlateau(ours, patience=0)
    s.step(Tensor([1.0])); s.step(Tensor([2.0]))
    state = s.state_dict()
    again = lr_scheduler.ReduceLROnPlateau(ours, patience=0)
    again.load_state_dict(state)
    assert again.best == 1.0 and again.get_last_lr() == s.get_last_lr()
    assert s.get_last_lr() == pytest.approx([0.01, 0.003])


@pytest.mark.parametrize("bad, match", [(dict(factor=1.0), "Factor should be < 1.0"),
                                        (dict(mode="up"), "mode up is unknown"),
                                        (dict(min_lr=[0.1]), "expected 2 min_lrs, got 1")])
def test_plateau_errors_like_torch(bad, match):
    ours, theirs = optimizers()
    with pytest.raises(ValueError, match=match):
        torch.optim.lr_scheduler.ReduceLROnPlateau(theirs, **bad)
    with pytest.raises(ValueError, match=match):
        lr_scheduler.ReduceLROnPlateau(ours, **bad)


def test_lambda_state_dict_drops_functions_and_resumes():
    ours, _ = optimizers()
    s = lr_scheduler.LambdaLR(ours, lambda t: 0.5 ** t)
    s.step(); s.step()
    state = s.state_dict()
    assert state["lr_lambdas"] == [None, None]
    again = lr_scheduler.LambdaLR(optimizers()[0], lambda t: 0.5 ** t)
    again.load_state_dict(state); again.step()
    assert again.get_last_lr() == pytest.approx([0.1 / 8, 0.03 / 8])
