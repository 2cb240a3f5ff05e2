"""Checkpoints: round-trips of nested state, atomic writes, clear errors on bad files."""
import io
import itertools
import os
import re
import signal
import subprocess
import sys
import time
import zipfile

import numpy as np
import pytest

from tinygrad_cnn import Tensor
from tinygrad_cnn.training import load_checkpoint, save_checkpoint
from tinygrad_cnn.training.checkpoint import remove_stale_temp_files


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


# ----- killed saves: their temporary files are cleaned up by the next save ------------------
_SAVER = """
import sys
import numpy as np
from tinygrad_cnn.training import save_checkpoint
big = np.random.default_rng(0).random(4_000_000)  # 32 MB: the write takes a while
i = 0
while True:
    save_checkpoint(sys.argv[1], {"w": big, "i": i})
    i += 1
"""


def _temp_files(directory):
    return sorted(p.name for p in directory.iterdir() if p.name.endswith(".tmp"))


@pytest.mark.slow
def test_sigkilled_saves_leave_the_checkpoint_intact_and_their_temp_files_are_removed(
        tmp_path):
    path = tmp_path / "checkpoint.npz"
    repo = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    env = {**os.environ, "PYTHONPATH": repo}
    save_checkpoint(path, {"w": np.zeros(4_000_000), "i": -1})
    for _ in range(3):
        saver = subprocess.Popen([sys.executable, "-c", _SAVER, str(path)], env=env)
        deadline = time.monotonic() + 60
        mine = f"checkpoint.npz.{saver.pid}."
        while not any(n.startswith(mine) for n in _temp_files(tmp_path)):  # mid-write
            assert saver.poll() is None and time.monotonic() < deadline
            time.sleep(0.001)
        saver.send_signal(signal.SIGKILL)
        saver.wait()
    leftovers = _temp_files(tmp_path)
    assert len(leftovers) >= 2, "the kills did not land mid-save"
    assert all(re.fullmatch(r"checkpoint\.npz\.\d+\.[a-z0-9_]{8}\.tmp", n) for n in leftovers)
    assert load_checkpoint(path)["w"].shape == (4_000_000,)  # the last complete save
    unrelated = tmp_path / "checkpoint.npz.backup.tmp"
    unrelated.write_bytes(b"mine")
    save_checkpoint(path, {"w": np.ones(2)})
    assert _temp_files(tmp_path) == [unrelated.name]
    assert load_checkpoint(path)["w"].tolist() == [1.0, 1.0]


def test_temp_files_of_running_saves_are_kept(tmp_path):
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        live = tmp_path / f"c.npz.{sleeper.pid}.abcd_123.tmp"
        own = tmp_path / f"c.npz.{os.getpid()}.zzzz0000.tmp"
        other_name = tmp_path / "d.npz.999999999.abcd1234.tmp"
        for f in (live, own, other_name):
            f.write_bytes(b"in progress")
        save_checkpoint(tmp_path / "c.npz", {"a": np.ones(1)})
        assert _temp_files(tmp_path) == sorted(f.name for f in (live, own, other_name))
    finally:
        sleeper.kill()
        sleeper.wait()
    assert remove_stale_temp_files(tmp_path / "c.npz") == [live]


# ----- reads are bounded by the file's size ---------------------------------------------------
def _npz_with(path, members, compression=zipfile.ZIP_STORED):
    with zipfile.ZipFile(path, "w", compression) as archive:
        for name, data in members.items():
            with archive.open(name, "w", force_zip64=True) as f:
                for chunk in data if not isinstance(data, bytes) else [data]:
                    f.write(chunk)
    return path


def _npy_header(shape, descr="<f8"):
    buffer = io.BytesIO()
    np.lib.format.write_array_header_1_0(buffer, {"descr": descr, "fortran_order": False,
                                                  "shape": shape})
    return buffer.getvalue()


def _meta(text):
    buffer = io.BytesIO()
    np.save(buffer, np.frombuffer(text.encode(), np.uint8))
    return buffer.getvalue()


def test_a_member_claiming_800_gb_is_refused_before_allocating(tmp_path):
    path = _npz_with(tmp_path / "forged.npz", {
        "__meta__.json.npy": _meta('{"__array__": "w"}'),
        "w.npy": _npy_header((100_000_000_000,)) + bytes(8)})
    with pytest.raises(ValueError, match=r"forged.npz is not a tinygrad_cnn checkpoint: member "
                                         r"'w.npy' declares 800000000000 bytes, more than a "
                                         r"\d+-byte file can hold"):
        load_checkpoint(path)


@pytest.mark.parametrize("shape", [(2 ** 62, 2 ** 62), (2 ** 31, 2 ** 31, 4)])
def test_a_header_whose_size_overflows_int64_is_refused(tmp_path, shape):
    path = _npz_with(tmp_path / "wrap.npz", {"__meta__.json.npy": _meta("{}"),
                                             "w.npy": _npy_header(shape, "|u1") + bytes(16)})
    with pytest.raises(ValueError, match=rf"declares {int(np.prod(shape, dtype=object))} "):
        load_checkpoint(path)


def test_a_zip_bomb_is_refused(tmp_path):
    zeros = (bytes(1 << 20) for _ in range(64))  # 64 MB of zeros deflate to ~64 KB
    path = _npz_with(tmp_path / "bomb.npz", {
        "__meta__.json.npy": _meta('{"__array__": "w"}'),
        "w.npy": itertools.chain([_npy_header((64 << 20,), "|u1")], zeros)},
        zipfile.ZIP_DEFLATED)
    assert path.stat().st_size < 1 << 20
    with pytest.raises(ValueError, match=r"member .w.npy. declares 671089\d\d bytes, more "
                                         r"than a \d+-byte file"):
        load_checkpoint(path)


def test_a_compressed_checkpoint_of_real_weights_still_loads(tmp_path):
    weights = np.random.default_rng(0).normal(size=(300, 300)).astype(np.float32)
    path = tmp_path / "c.npz"
    np.savez_compressed(path, **{"__meta__.json": np.frombuffer(
        b'{"__array__": "w"}', np.uint8)}, w=weights)
    np.testing.assert_array_equal(load_checkpoint(path), weights)


@pytest.mark.parametrize("meta, problem", [
    (b"not json {", "JSONDecodeError"), (b'{"__array__": "missing"}', "KeyError"),
    (b'{"__dict__": 5}', "TypeError"), (b"\xff\xfe", "UnicodeDecodeError")])
def test_a_corrupt_meta_member_is_reported_with_the_file(tmp_path, meta, problem):
    path = tmp_path / "c.npz"
    np.savez(path, **{"__meta__.json": np.frombuffer(meta, np.uint8)})
    with pytest.raises(ValueError, match=rf"c.npz is not a tinygrad_cnn checkpoint: its "
                                         rf"__meta__.json member is not the index "
                                         rf"save_checkpoint writes \({problem}"):
        load_checkpoint(path)
