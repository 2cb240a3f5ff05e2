"""tinygrad_cnn.save / load: round trips, file objects, atomic writes, refusing unsafe files."""
import io
import json
import os
import pickle
import zipfile
from collections import OrderedDict

import numpy as np
import pytest
import torch
from hypothesis import given, settings, strategies as st

import tinygrad_cnn as tg
from tinygrad_cnn import nn, optim
from tinygrad_cnn.serialization import _MAGIC, _MAGIC_TEXT


def round_trip(obj, tmp_path=None):
    if tmp_path is None:
        buffer = io.BytesIO()
        tg.save(obj, buffer)
        buffer.seek(0)
        return tg.load(buffer)
    tg.save(obj, tmp_path / "obj.pt")
    return tg.load(tmp_path / "obj.pt")


def same(a, b):
    """Deep equality that compares arrays/tensors by dtype, shape and values."""
    assert type(a) is type(b), (type(a), type(b))
    if isinstance(a, (tg.Tensor, np.ndarray)):
        assert a.dtype == b.dtype and a.shape == b.shape
        np.testing.assert_array_equal(np.asarray(a), np.asarray(b))
        if isinstance(a, tg.Tensor):
            assert a.requires_grad == b.requires_grad
    elif isinstance(a, dict):
        assert list(a) == list(b)
        for k in a:
            same(a[k], b[k])
    elif isinstance(a, (list, tuple)):
        assert len(a) == len(b)
        for x, y in zip(a, b):
            same(x, y)
    elif isinstance(a, float) and np.isnan(a):
        assert np.isnan(b)
    else:
        assert a == b


dtypes = st.sampled_from([np.float32, np.float64, np.int64, np.int32, np.uint8, np.bool_,
                          np.float16])
arrays = st.builds(lambda shape, dtype, seed: (np.random.default_rng(seed).standard_normal(shape)
                                               * 10).astype(dtype),
                   st.lists(st.integers(0, 3), max_size=3), dtypes, st.integers(0, 99))
leaves = st.one_of(arrays, arrays.map(tg.Tensor), st.integers(-2**62, 2**62), st.floats(),
                   st.text(max_size=5), st.booleans(), st.none())
trees = st.recursive(leaves, lambda kids: st.one_of(
    st.lists(kids, max_size=3), st.tuples(kids, kids),
    st.dictionaries(st.one_of(st.text(max_size=4), st.integers(-5, 5)), kids, max_size=3)),
    max_leaves=8)


@settings(max_examples=60, deadline=None)
@given(obj=trees)
def test_round_trip_of_any_nesting(obj):
    same(obj, round_trip(obj))


def test_round_trip_keeps_tensor_kinds_grad_flags_and_sharing(tmp_path):
    w = nn.Parameter(tg.randn(2, 3))
    x = tg.randn(4, requires_grad=True)
    back = round_trip({"w": w, "x": x, "x_again": x, "od": OrderedDict(b=1, a=2),
                       "dev": tg.device("cpu")}, tmp_path)
    assert isinstance(back["w"], nn.Parameter) and back["w"].requires_grad
    assert back["x"].requires_grad and back["x"] is back["x_again"]
    assert isinstance(back["od"], OrderedDict) and list(back["od"]) == ["b", "a"]
    assert back["dev"] == tg.device("cpu")
    same(back["w"].detach(), w.detach())


def test_model_and_optimizer_round_trip_resumes_training_exactly(tmp_path):
    def make():
        tg.manual_seed(0)
        model = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 1))
        return model, optim.Adam(model.parameters(), lr=0.01)

    def train(model, opt, steps):
        x = tg.Tensor(np.linspace(-1, 1, 12, dtype=np.float32).reshape(4, 3))
        for _ in range(steps):
            opt.zero_grad(); (model(x) ** 2).mean().backward(); opt.step()

    model, opt = make()
    train(model, opt, 3)
    tg.save({"model": model.state_dict(), "optimizer": opt.state_dict(), "epoch": 3},
            tmp_path / "ckpt.pt")
    train(model, opt, 2)
    resumed, ropt = make()
    ckpt = tg.load(tmp_path / "ckpt.pt")
    resumed.load_state_dict(ckpt["model"]); ropt.load_state_dict(ckpt["optimizer"])
    train(resumed, ropt, 2)
    assert ckpt["epoch"] == 3 and ropt.state_dict()["state"][0]["step"] == 5
    for a, b in zip(model.parameters(), resumed.parameters()):
        np.testing.assert_array_equal(a.detach().numpy(), b.detach().numpy())


def test_a_saved_state_dict_loads_into_torch_like_weights():
    tg.manual_seed(0)
    ours = nn.Linear(3, 2)
    theirs = torch.nn.Linear(3, 2)
    state = round_trip(ours.state_dict())
    theirs.load_state_dict({k: torch.as_tensor(np.asarray(v)) for k, v in state.items()})
    np.testing.assert_array_equal(theirs.weight.detach().numpy(), ours.weight.detach().numpy())


def test_save_to_a_path_is_atomic(tmp_path, monkeypatch):
    target = tmp_path / "w.pt"
    tg.save({"version": 1}, target)
    monkeypatch.setattr(os, "replace", lambda *a: (_ for _ in ()).throw(OSError("disk full")))
    with pytest.raises(OSError, match="disk full"):
        tg.save({"version": 2}, target)
    monkeypatch.undo()
    assert tg.load(target) == {"version": 1} and os.listdir(tmp_path) == ["w.pt"]


def test_unsavable_objects_are_named():
    with pytest.raises(TypeError, match=r"cannot store function \(at the saved object\['f'\]\)"):
        tg.save({"f": lambda: 0}, io.BytesIO())
    with pytest.raises(TypeError, match="dtype=object"):
        tg.save(np.array([None]), io.BytesIO())


@pytest.mark.parametrize("legacy", [False, True])
def test_a_torch_saved_file_is_refused_with_directions(tmp_path, legacy):
    path = tmp_path / "torch.pt"
    torch.save({"w": torch.ones(2)}, path, _use_new_zipfile_serialization=not legacy)
    with pytest.raises(ValueError, match="written by torch.save.*weights_only=True"):
        tg.load(path)


class _Exploit:
    def __reduce__(self):
        return (os.system, ("touch pwned",))


def forged(structure, arrays=None, magic=_MAGIC_TEXT):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        z.writestr(_MAGIC, magic)
        z.writestr("structure.json", json.dumps(structure))
        for name, payload in (arrays or {}).items():
            z.writestr(name, payload)
    buffer.seek(0)
    return buffer


def npy_with_pickle():
    out = io.BytesIO()
    np.save(out, np.array([_Exploit()], dtype=object), allow_pickle=True)
    return out.getvalue()


@pytest.mark.parametrize("buffer, match", [
    (lambda: forged({"$": "ndarray", "array": 0}, {"arrays/0.npy": npy_with_pickle()}),
     "damaged or forged.*pickle"),
    (lambda: forged({"$": "tensor", "array": 7}), "damaged or forged"),
    (lambda: forged({"$": "evil"}), "unknown entry 'evil'"),
    (lambda: forged({"$": "tensor", "array": "../x"}), "not an integer"),
    (lambda: forged({}, magic=b"other"), "not a tinygrad_cnn.save file"),
    (lambda: io.BytesIO(pickle.dumps(_Exploit())), "written by torch.save"),
    (lambda: io.BytesIO(b"just some bytes"), "not a zip archive"),
])
def test_malicious_or_damaged_files_are_refused_without_running_code(tmp_path, monkeypatch,
                                                                      buffer, match):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ValueError, match=match):
        tg.load(buffer())
    assert not (tmp_path / "pwned").exists()


def test_map_location_must_be_the_cpu():
    buffer = io.BytesIO(); tg.save(tg.ones(1), buffer); buffer.seek(0)
    with pytest.raises(RuntimeError, match="cannot use device 'cuda:0'"):
        tg.load(buffer, map_location="cuda:0")
    buffer.seek(0)
    same(tg.load(buffer, map_location=tg.device("cpu")), tg.ones(1))
