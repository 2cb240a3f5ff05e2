"""Checkpoints: round-trips of nested state, atomic writes, clear errors on bad files."""
import os

import numpy as np
import pytest

from tinygrad_cnn import Tensor
from tinygrad_cnn.training import load_checkpoint, save_checkpoint


def _state(value: float):
    return {"model": {"conv.weight": np.full((2, 3), value, np.float32),
                      "fc.bias": Tensor(np.arange(3.0))},
            "optimizer": {"state": {0: {"step": 4, "exp_avg": np.ones(2)}},
                          "param_groups": [{"lr": 1e-3, "betas": (0.9, 0.999), "params": [0]}]},
            "epoch": 2, "name": "lenet", "nothing": None,
            "rng": np.random.default_rng(5).bit_generator.state}


def test_round_trip_keeps_structure_types_and_dtypes(tmp_path):
    path = save_checkpoint(tmp_path / "c.npz", _state(1.5))
    back = load_checkpoint(path)
    assert back["model"]["conv.weight"].dtype == np.float32
    np.testing.assert_array_equal(back["model"]["conv.weight"], np.full((2, 3), 1.5))
    np.testing.assert_array_equal(back["model"]["fc.bias"], np.arange(3.0))
    assert back["optimizer"]["state"][0]["step"] == 4  # int keys survive
    assert back["optimizer"]["param_groups"][0]["betas"] == (0.9, 0.999)
    assert (back["epoch"], back["name"], back["nothing"]) == (2, "lenet", None)
    rng = np.random.default_rng()
    rng.bit_generator.state = back["rng"]
    assert rng.random() == np.random.default_rng(5).random()


def test_a_crash_mid_save_keeps_the_previous_checkpoint(tmp_path, monkeypatch):
    path = save_checkpoint(tmp_path / "c.npz", _state(1.0))

    def crash(*args):
        raise KeyboardInterrupt("power cut")

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(KeyboardInterrupt):
        save_checkpoint(path, _state(2.0))
    monkeypatch.undo()
    np.testing.assert_array_equal(load_checkpoint(path)["model"]["conv.weight"], 1.0)
    assert os.listdir(tmp_path) == ["c.npz"]  # no temporary file left behind


def test_bad_files_give_clear_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match="no checkpoint at"):
        load_checkpoint(tmp_path / "missing.npz")
    broken = tmp_path / "broken.npz"
    broken.write_bytes(b"not a zip file at all")
    with pytest.raises(ValueError, match="not a readable tinygrad_cnn checkpoint"):
        load_checkpoint(broken)
    plain = tmp_path / "plain.npz"
    np.savez(plain, a=np.ones(2))
    with pytest.raises(ValueError, match="not a tinygrad_cnn checkpoint"):
        load_checkpoint(plain)
    with pytest.raises(TypeError, match="cannot store object at 's/x'"):
        save_checkpoint(tmp_path / "x.npz", {"x": object()})


def test_truncated_checkpoint_is_reported(tmp_path):
    path = save_checkpoint(tmp_path / "c.npz", _state(1.0))
    path.write_bytes(path.read_bytes()[:200])
    with pytest.raises(ValueError, match="not a readable"):
        load_checkpoint(path)


def test_checkpoint_gets_ordinary_file_permissions(tmp_path):
    old = os.umask(0o022)
    try:
        path = save_checkpoint(tmp_path / "c.npz", {"a": np.ones(1)})
    finally:
        os.umask(old)
    assert path.stat().st_mode & 0o777 == 0o644
