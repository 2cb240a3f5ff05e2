"""Optimizers against torch.optim: same params, same gradient rule, same trajectory."""
import numpy as np
import pytest
import torch

from tinygrad_cnn import Tensor, optim

# (optimizer name, options): every optimizer and its main option combinations.
CASES = [
    ("SGD", dict(lr=0.1)),
    ("SGD", dict(lr=0.1, momentum=0.9)),
    ("SGD", dict(lr=0.1, momentum=0.9, dampening=0.3, weight_decay=0.1)),
    ("SGD", dict(lr=0.1, momentum=0.9, nesterov=True, weight_decay=0.01)),
    ("SGD", dict(lr=0.1, momentum=0.5, maximize=True)),
    ("Adam", dict()),
    ("Adam", dict(lr=0.05, betas=(0.8, 0.9), weight_decay=0.1)),
    ("Adam", dict(lr=0.05, amsgrad=True)),
    ("Adam", dict(lr=0.05, maximize=True, weight_decay=0.1)),
    ("Adam", dict(lr=0.05, weight_decay=0.1, decoupled_weight_decay=True)),
    ("AdamW", dict(lr=0.05)),
    ("AdamW", dict(lr=0.05, weight_decay=0.2, amsgrad=True)),
    ("RMSprop", dict()),
    ("RMSprop", dict(lr=0.05, momentum=0.9, weight_decay=0.1)),
    ("RMSprop", dict(lr=0.05, centered=True)),
    ("RMSprop", dict(lr=0.05, centered=True, momentum=0.5, maximize=True)),
    ("Adagrad", dict()),
    ("Adagrad", dict(lr=0.1, lr_decay=0.1, weight_decay=0.1, initial_accumulator_value=0.5)),
    ("Adadelta", dict()),
    ("Adadelta", dict(lr=0.5, rho=0.8, weight_decay=0.1)),
    ("Adamax", dict()),
    ("Adamax", dict(lr=0.05, betas=(0.7, 0.9), weight_decay=0.1)),
    ("NAdam", dict()),
    ("NAdam", dict(lr=0.05, weight_decay=0.1, momentum_decay=0.01)),
    ("NAdam", dict(lr=0.05, weight_decay=0.1, decoupled_weight_decay=True)),
]
IDS = [f"{name}-{'-'.join(f'{k}={v}' for k, v in kw.items()) or 'defaults'}"
       for name, kw in CASES]
SHAPES = [(3, 4), (5,), (2, 1, 3)]
STEPS = 5


@pytest.fixture(autouse=True)
def _torch_float64():
    """torch keeps scalar optimizer state (NAdam's mu_product) in the default dtype."""
    old = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    yield
    torch.set_default_dtype(old)


def initial_params(dtype=np.float64):
    rng = np.random.default_rng(1)
    return [rng.standard_normal(s).astype(dtype) for s in SHAPES]


def gradient(step, i, param):
    """A gradient depending on the current param (so the trajectories feed back), and
    None for the last parameter on odd steps (optimizers must skip it)."""
    if i == len(SHAPES) - 1 and step % 2 == 1:
        return None
    noise = np.random.default_rng(100 * step + i).standard_normal(param.shape)
    return (0.7 * param + noise).astype(param.dtype)


def run_ours(opt, params, steps=range(STEPS)):
    for step in steps:
        for i, p in enumerate(params):
            g = gradient(step, i, p._data)
            p.grad = None if g is None else Tensor(g)
        opt.step()


def run_torch(opt, params, steps=range(STEPS)):
    for step in steps:
        for i, p in enumerate(params):
            g = gradient(step, i, p.detach().numpy())
            p.grad = None if g is None else torch.from_numpy(g)
        opt.step()


def make_pair(name, kwargs, dtype=np.float64):
    ours = [Tensor(a.copy(), requires_grad=True) for a in initial_params(dtype)]
    theirs = [torch.tensor(a.copy(), requires_grad=True) for a in initial_params(dtype)]
    return (ours, getattr(optim, name)(ours, **kwargs),
            theirs, getattr(torch.optim, name)(theirs, **kwargs))


@pytest.mark.parametrize("name,kwargs", CASES, ids=IDS)
def test_matches_torch_float64(name, kwargs):
    ours, opt, theirs, topt = make_pair(name, kwargs)
    run_ours(opt, ours)
    run_torch(topt, theirs)
    for o, t in zip(ours, theirs):
        np.testing.assert_allclose(o._data, t.detach().numpy(), rtol=1e-6, atol=1e-10)
    assert not np.allclose(ours[0]._data, initial_params()[0]), "the params did not move"


@pytest.mark.parametrize("kwargs", [{}, {"amsgrad": True}, {"weight_decay": 0.1}])
def test_adam_on_a_large_parameter_runs_in_parts_and_matches_torch(monkeypatch, kwargs):
    """Past runtime.SPLIT_MIN_BYTES the fused Adam loop runs over ranges on the workers
    (three here, uneven): every element updated once, as torch's."""
    from thread_fakes import ThreeThreads
    from tinygrad_cnn.kernels import runtime
    ThreeThreads().install(monkeypatch, runtime)
    monkeypatch.setattr(runtime, "SPLIT_MIN_BYTES", 1 << 12)
    start = np.random.default_rng(7).standard_normal((61, 37))
    assert len(runtime.pass_parts(start.size, start.nbytes)) == 3
    ours, theirs = Tensor(start.copy(), requires_grad=True), torch.tensor(start.copy(),
                                                                          requires_grad=True)
    opt, topt = optim.Adam([ours], lr=0.01, **kwargs), torch.optim.Adam([theirs], lr=0.01,
                                                                         **kwargs)
    run_ours(opt, [ours])
    run_torch(topt, [theirs])
    np.testing.assert_allclose(ours._data, theirs.detach().numpy(), rtol=1e-6, atol=1e-10)


@pytest.mark.parametrize("name,kwargs", CASES, ids=IDS)
def test_float32_stays_float32_and_close(name, kwargs):
    ours, opt, theirs, topt = make_pair(name, kwargs, np.float32)
    run_ours(opt, ours)
    run_torch(topt, theirs)
    for o, t in zip(ours, theirs):
        assert o.dtype == np.float32 and o.grad.dtype == np.float32
        np.testing.assert_allclose(o._data, t.detach().numpy(), rtol=1e-4, atol=1e-5)
    for state in opt.state.values():
        assert all(v.dtype == np.float32 for v in state.values() if isinstance(v, np.ndarray))


def test_update_is_in_place_on_the_same_array():
    p = Tensor(np.ones(3), requires_grad=True)
    array = p._data
    p.grad = Tensor(np.ones(3))
    optim.Adam([p], lr=0.1).step()
    assert p._data is array and np.allclose(array, 0.9)


@pytest.mark.parametrize("name,kwargs", CASES, ids=IDS)
def test_state_keys_match_torch(name, kwargs):
    ours, opt, theirs, topt = make_pair(name, kwargs)
    run_ours(opt, ours)
    run_torch(topt, theirs)
    sd, tsd = opt.state_dict(), topt.state_dict()
    assert sorted(sd["state"]) == sorted(k for k, v in tsd["state"].items()
                                         if any(x is not None for x in v.values()))
    for i, s in sd["state"].items():
        assert set(s) == {k for k, v in tsd["state"][i].items() if v is not None}
    torch_only = {"foreach", "capturable", "differentiable", "fused"}
    for g, tg in zip(sd["param_groups"], tsd["param_groups"]):
        assert g["params"] == tg["params"]
        assert {k: v for k, v in g.items() if k != "params"} == \
               {k: v for k, v in tg.items() if k not in torch_only | {"params"}}


def test_param_groups_with_different_lrs_match_torch():
    a0, b0 = initial_params()[:2]
    ours = [Tensor(a0.copy(), requires_grad=True), Tensor(b0.copy(), requires_grad=True)]
    theirs = [torch.tensor(a0.copy(), requires_grad=True), torch.tensor(b0.copy(),
                                                                        requires_grad=True)]
    opt = optim.SGD([{"params": [ours[0]]}, {"params": [ours[1]], "lr": 0.01}],
                    lr=0.1, momentum=0.9)
    topt = torch.optim.SGD([{"params": [theirs[0]]}, {"params": [theirs[1]], "lr": 0.01}],
                           lr=0.1, momentum=0.9)
    assert [g["lr"] for g in opt.param_groups] == [0.1, 0.01]
    assert opt.param_groups[1]["momentum"] == 0.9  # missing options take the defaults
    for step in range(STEPS):
        for p, tp in zip(ours, theirs):
            g = gradient(step, 0, p._data)
            p.grad, tp.grad = Tensor(g), torch.from_numpy(gradient(step, 0, tp.detach().numpy()))
        opt.step()
        topt.step()
    for o, t in zip(ours, theirs):
        np.testing.assert_allclose(o._data, t.detach().numpy(), rtol=1e-6, atol=1e-10)


def test_add_param_group_and_duplicate_error():
    a, b = Tensor(np.zeros(2), requires_grad=True), Tensor(np.zeros(2), requires_grad=True)
    opt = optim.Adam([a], lr=0.1)
    opt.add_param_group({"params": b, "betas": (0.5, 0.5)})
    assert opt.param_groups[1]["params"][0] is b
    assert opt.param_groups[1]["betas"] == (0.5, 0.5) and opt.param_groups[1]["lr"] == 0.1
    with pytest.raises(ValueError, match="more than one parameter group"):
        opt.add_param_group({"params": [a]})


def test_constructor_errors():
    p = Tensor(np.zeros(2), requires_grad=True)
    with pytest.raises(ValueError, match="empty parameter list"):
        optim.SGD([])
    with pytest.raises(TypeError, match="iterable of Tensors or dicts"):
        optim.SGD(p)
    with pytest.raises(TypeError, match="only optimize Tensors, .* is ndarray"):
        optim.SGD([np.zeros(2)])
    with pytest.raises(ValueError, match="non-leaf"):
        optim.SGD([p * 2])
    with pytest.raises(TypeError, match="ordered collections"):
        optim.SGD({p})


@pytest.mark.parametrize("make,message", [
    (lambda p: optim.SGD(p, lr=-1), "Invalid learning rate: -1"),
    (lambda p: optim.SGD(p, momentum=-0.5), "Invalid momentum value: -0.5"),
    (lambda p: optim.SGD(p, weight_decay=-1), "Invalid weight_decay value: -1"),
    (lambda p: optim.SGD(p, nesterov=True), "Nesterov momentum requires a momentum"),
    (lambda p: optim.SGD(p, momentum=0.9, dampening=0.1, nesterov=True), "zero dampening"),
    (lambda p: optim.Adam(p, lr=-0.1), "Invalid learning rate: -0.1"),
    (lambda p: optim.Adam(p, eps=-1e-8), "Invalid epsilon value: -1e-08"),
    (lambda p: optim.Adam(p, betas=(1.0, 0.9)), "Invalid beta parameter at index 0: 1.0"),
    (lambda p: optim.AdamW(p, betas=(0.9, -0.1)), "Invalid beta parameter at index 1: -0.1"),
    (lambda p: optim.RMSprop(p, alpha=-1), "Invalid alpha value: -1"),
    (lambda p: optim.RMSprop(p, momentum=-1), "Invalid momentum value: -1"),
    (lambda p: optim.Adagrad(p, lr_decay=-1), "Invalid lr_decay value: -1"),
    (lambda p: optim.Adagrad(p, initial_accumulator_value=-1),
     "Invalid initial_accumulator_value value: -1"),
    (lambda p: optim.Adadelta(p, rho=1.5), "Invalid rho value: 1.5"),
    (lambda p: optim.Adamax(p, weight_decay=-2), "Invalid weight_decay value: -2"),
    (lambda p: optim.NAdam(p, momentum_decay=-1), "Invalid momentum_decay value: -1"),
])
def test_invalid_arguments_like_torch(make, message):
    with pytest.raises(ValueError, match=message):
        make([Tensor(np.zeros(2), requires_grad=True)])


def test_defaults_match_torch():
    p, tp = Tensor(np.zeros(2), requires_grad=True), torch.zeros(2, requires_grad=True)
    for name in ["SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "Adadelta", "Adamax", "NAdam"]:
        ours = getattr(optim, name)([p]).defaults
        theirs = getattr(torch.optim, name)([tp]).defaults
        assert ours == {k: theirs[k] for k in ours}, name


@pytest.mark.parametrize("set_to_none", [True, False])
def test_zero_grad(set_to_none):
    p, q = Tensor(np.ones(3), requires_grad=True), Tensor(np.ones(2), requires_grad=True)
    p.grad = Tensor(np.full(3, 5.0))
    opt = optim.SGD([p, q])
    opt.zero_grad(set_to_none=set_to_none)
    if set_to_none:
        assert p.grad is None
    else:
        assert np.array_equal(p.grad._data, np.zeros(3))
    assert q.grad is None


def test_step_calls_closure_and_returns_its_loss():
    p = Tensor(np.array([2.0]), requires_grad=True)
    opt = optim.SGD([p], lr=0.25)

    def closure():
        opt.zero_grad()
        loss = (p * p).sum()
        loss.backward()
        return loss

    loss = opt.step(closure)
    assert loss.item() == 4.0 and p._data[0] == 1.0


@pytest.mark.parametrize("name,kwargs", CASES, ids=IDS)
def test_state_dict_round_trip_continues_identically(name, kwargs):
    uninterrupted, opt = make_pair(name, kwargs)[:2]
    run_ours(opt, uninterrupted, range(6))

    first, opt1 = make_pair(name, kwargs)[:2]
    run_ours(opt1, first, range(3))
    saved = opt1.state_dict()
    snapshot = {i: {k: np.copy(v) for k, v in s.items()} for i, s in saved["state"].items()}
    resumed = [Tensor(p._data.copy(), requires_grad=True) for p in first]
    opt2 = getattr(optim, name)(resumed, lr=123.0)  # the loaded options must win
    opt2.load_state_dict(saved)
    run_ours(opt2, resumed, range(3, 6))
    run_ours(opt1, first, range(3, 6))  # later steps must not change the saved dict
    for i, s in saved["state"].items():
        for k, v in s.items():
            np.testing.assert_array_equal(v, snapshot[i][k])
    for u, r in zip(uninterrupted, resumed):
        np.testing.assert_array_equal(u._data, r._data)


def test_load_state_dict_errors_name_the_mismatch():
    a, b = Tensor(np.zeros(2), requires_grad=True), Tensor(np.zeros(3), requires_grad=True)
    two_groups = optim.SGD([{"params": [a]}, {"params": [b]}])
    one_group = optim.SGD([a, b], momentum=0.9)
    with pytest.raises(ValueError, match="different number of parameter groups: 2 saved, 1"):
        one_group.load_state_dict(two_groups.state_dict())
    with pytest.raises(ValueError, match="group 0 has 2 params saved, 1 here"):
        optim.SGD([a]).load_state_dict(one_group.state_dict())
    a.grad, b.grad = Tensor(np.ones(2)), Tensor(np.ones(3))
    one_group.step()
    swapped = optim.SGD([b, a], momentum=0.9)
    with pytest.raises(ValueError, match=r"'momentum_buffer' of parameter 0 has shape \(2,\) "
                                         r"but the parameter has shape \(3,\)"):
        swapped.load_state_dict(one_group.state_dict())


def test_load_state_dict_casts_state_to_param_dtype():
    p64 = Tensor(np.ones(2), requires_grad=True)
    p64.grad = Tensor(np.ones(2))
    opt = optim.Adam([p64])
    opt.step()
    p32 = Tensor(np.ones(2, np.float32), requires_grad=True)
    opt32 = optim.Adam([p32])
    saved = opt.state_dict()
    saved["state"][0]["step"] = np.array(1)  # scalars may come back as 0-d arrays
    opt32.load_state_dict(saved)
    assert opt32.state[p32]["exp_avg"].dtype == np.float32
    assert opt32.state[p32]["step"] == 1 and isinstance(opt32.state[p32]["step"], int)
