"""device / cuda / accelerator / backends against torch's CPU-only answers."""
import pickle

import numpy as np
import pytest
import torch

import tinygrad_cnn as tg
from tinygrad_cnn.devices import parse_to_args, resolve

SPELLINGS = [("cpu",), ("cpu:0",), ("cpu", 1), ("cuda",), ("cuda:1",), ("cuda", 0), ("mps",),
             ("meta",)]


@pytest.mark.parametrize("args", SPELLINGS)
def test_device_matches_torch(args):
    ours, theirs = tg.device(*args), torch.device(*args)
    assert (repr(ours), str(ours), ours.type, ours.index) == \
        (repr(theirs), str(theirs), theirs.type, theirs.index)


@pytest.mark.parametrize("a", SPELLINGS)
@pytest.mark.parametrize("b", SPELLINGS)
def test_device_equality_and_hash_match_torch(a, b):
    assert (tg.device(*a) == tg.device(*b)) == (torch.device(*a) == torch.device(*b))
    if tg.device(*a) == tg.device(*b):
        assert hash(tg.device(*a)) == hash(tg.device(*b))


def test_device_never_equals_a_string_as_in_torch():
    assert (tg.device("cpu") == "cpu") == (torch.device("cpu") == "cpu") == False  # noqa: E712


def test_device_copies_a_device_and_pickles():
    d = tg.device("cuda:2")
    assert tg.device(d) == d and pickle.loads(pickle.dumps(d)) == d


@pytest.mark.parametrize("bad", ["gpu", "cuda:x", "cuda:-1", "cpu:0:1"])
def test_bad_device_strings_raise_like_torch(bad):
    with pytest.raises(RuntimeError) as theirs:
        torch.device(bad)
    with pytest.raises(RuntimeError) as ours:
        tg.device(bad)
    assert bad in str(ours.value)
    assert ("Invalid" in str(theirs.value)) == ("Invalid" in str(ours.value))


def test_integer_device_means_an_accelerator_and_raises_like_torch():
    with pytest.raises(RuntimeError, match="Cannot access accelerator"):
        torch.device(0)
    with pytest.raises(RuntimeError, match="Cannot access accelerator"):
        tg.device(0)


def test_cuda_and_accelerator_probes_match_torch_cpu_build():
    assert tg.cuda.is_available() == torch.cuda.is_available() == False  # noqa: E712
    assert tg.cuda.device_count() == torch.cuda.device_count() == 0
    assert tg.accelerator.is_available() == torch.accelerator.is_available()
    assert tg.accelerator.current_accelerator() == torch.accelerator.current_accelerator()
    assert tg.accelerator.current_accelerator(check_available=True) is None
    assert tg.accelerator.device_count() == torch.accelerator.device_count()
    assert tg.backends.mps.is_available() == torch.backends.mps.is_available()
    tg.cuda.manual_seed(0), tg.cuda.manual_seed_all(0), torch.cuda.manual_seed(0)


def test_the_usual_device_picking_lines_pick_the_cpu():
    for lib in (torch, tg):
        use_cuda = lib.cuda.is_available()
        dev = lib.device("cuda" if use_cuda else "cpu")
        acc = lib.accelerator.current_accelerator() if lib.accelerator.is_available() else "cpu"
        assert str(dev) == "cpu" and acc == "cpu"


@pytest.mark.parametrize("arg", ["cuda", "cuda:0", tg.device("mps")])
def test_resolve_refuses_non_cpu_devices_naming_them(arg):
    with pytest.raises(RuntimeError, match=f"cannot use device '{arg}'.*CPU only"):
        resolve(arg)
    with pytest.raises(RuntimeError, match="CPU only"):
        parse_to_args(arg)


def test_resolve_accepts_cpu_spellings():
    assert resolve(None) == resolve("cpu") == tg.device("cpu")
    assert resolve("cpu:0") == tg.device("cpu", 0)


@pytest.mark.parametrize("args, kwargs, want", [
    (("cpu",), {}, ("cpu", None)),
    ((np.float64,), {}, (None, np.float64)),
    (("cpu", np.int64), {}, ("cpu", np.int64)),
    ((), {"device": "cpu", "dtype": np.float32}, ("cpu", np.float32)),
    ((tg.zeros(1, dtype=np.float64),), {}, ("cpu", np.float64)),
])
def test_parse_to_args_reads_every_torch_form(args, kwargs, want):
    parsed = parse_to_args(*args, **kwargs)
    assert (None if parsed.device is None else parsed.device.type) == want[0]
    assert parsed.dtype == (None if want[1] is None else np.dtype(want[1]))


def test_parse_to_args_rejects_garbage_clearly():
    with pytest.raises(TypeError, match="expects a device, a dtype or a tensor"):
        parse_to_args(object())
    with pytest.raises(TypeError, match="unexpected keyword argument 'devcie'"):
        parse_to_args(devcie="cpu")


def test_module_to_reads_devices_like_torch_and_refuses_cuda():
    net = tg.nn.Linear(2, 1)
    assert net.to(tg.device("cpu")) is net and net.to("cpu", dtype=np.float64) is net
    assert net.weight.dtype == np.float64
    assert net.to(tg.zeros(1, dtype=np.float32)).weight.dtype == np.float32
    with pytest.raises(RuntimeError, match="cannot use device 'cuda'"):
        net.to("cuda")
