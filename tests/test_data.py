"""Datasets, DataLoader, IDX parsing, MNIST/digits loaders, download checks (no network)."""
import gzip
import os
import re
import urllib.error
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import tinygrad_cnn
from tinygrad_cnn import Tensor
from tinygrad_cnn.data import (FASHION_MNIST, MNIST, MNIST_MEAN, MNIST_STD, DataLoader,
                               Dataset, TensorDataset, add_channel, download, file_hash,
                               load_digits, load_fashion_mnist, load_mnist, normalize,
                               read_idx, to_float, train_test_split, write_idx)
from tinygrad_cnn.data import mnist as mnist_module
from tinygrad_cnn.data.idx import IMAGES_MAGIC, LABELS_MAGIC, parse_idx
from tinygrad_cnn.errors import DataFileError

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "data"


# ----- TensorDataset ------------------------------------------------------------------------
def test_tensor_dataset_accepts_arrays_and_tensors():
    x = Tensor(np.arange(12, dtype=np.float32).reshape(6, 2))
    ds = TensorDataset(x, np.arange(6))
    assert len(ds) == 6
    xi, yi = ds[4]
    assert xi.tolist() == [8.0, 9.0] and yi.item() == 4
    assert ds.tensors[0]._data is x._data  # shares memory, no copy


def test_tensor_dataset_errors():
    with pytest.raises(ValueError, match="Size mismatch between tensors: first dimensions "
                                         "are 5, 4"):
        TensorDataset(np.zeros((5, 2)), np.zeros(4))
    with pytest.raises(ValueError, match="at least one array"):
        TensorDataset()
    with pytest.raises(ValueError, match="array 1 is a scalar"):
        TensorDataset(np.zeros(3), np.float64(2.0))


# ----- DataLoader ---------------------------------------------------------------------------
def ids_dataset(n):
    """Sample i holds features [i, -i] and label i, so batches reveal the order."""
    ids = np.arange(n)
    return TensorDataset(np.stack([ids, -ids], 1).astype(np.float32), ids)


@given(n=st.integers(1, 60), batch_size=st.integers(1, 17), shuffle=st.booleans(),
       drop_last=st.booleans(), seed=st.one_of(st.none(), st.integers(0, 2**32)))
def test_every_sample_once_per_epoch_with_right_batch_sizes(n, batch_size, shuffle,
                                                            drop_last, seed):
    loader = DataLoader(ids_dataset(n), batch_size, shuffle, drop_last, seed)
    for _ in range(2):
        batches = list(loader)
        assert len(batches) == len(loader)
        sizes = [len(y) for _, y in batches]
        full, rest = divmod(n, batch_size)
        assert sizes == [batch_size] * full + ([rest] if rest and not drop_last else [])
        seen = np.concatenate([y._data for _, y in batches]) if batches else np.zeros(0)
        if drop_last:
            assert len(seen) == full * batch_size and len(set(seen.tolist())) == len(seen)
        else:
            assert sorted(seen.tolist()) == list(range(n))
        for x, y in batches:  # the fields of a sample stay together
            np.testing.assert_array_equal(x._data[:, 0], y._data)


def test_batches_are_tuples_of_tensors_with_dtypes_kept():
    x, y = next(iter(DataLoader(ids_dataset(10), batch_size=4)))
    assert isinstance(x, Tensor) and isinstance(y, Tensor)
    assert x.shape == (4, 2) and x.dtype == np.float32 and y.dtype == np.int64
    assert y.tolist() == [0, 1, 2, 3]


def epoch_orders(loader, epochs=3):
    return [np.concatenate([y._data for _, y in loader]).tolist() for _ in range(epochs)]


def test_shuffle_is_reproducible_from_seed_and_differs_across_epochs():
    orders = epoch_orders(DataLoader(ids_dataset(50), 8, shuffle=True, seed=7))
    assert orders == epoch_orders(DataLoader(ids_dataset(50), 8, shuffle=True, seed=7))
    assert orders[0] != orders[1] != orders[2] and orders[0] != list(range(50))
    assert orders != epoch_orders(DataLoader(ids_dataset(50), 8, shuffle=True, seed=8))
    resumed = DataLoader(ids_dataset(50), 8, shuffle=True, seed=7)
    resumed.set_epoch(2)
    assert epoch_orders(resumed, 1)[0] == orders[2]


def test_shuffle_without_seed_follows_manual_seed():
    tinygrad_cnn.manual_seed(3)
    first = epoch_orders(DataLoader(ids_dataset(30), 4, shuffle=True), 2)
    tinygrad_cnn.manual_seed(3)
    assert first == epoch_orders(DataLoader(ids_dataset(30), 4, shuffle=True), 2)
    assert first[0] != first[1]


def test_no_shuffle_keeps_order():
    assert epoch_orders(DataLoader(ids_dataset(9), 4), 1)[0] == list(range(9))


class PairsDataset(Dataset):
    """A generic map-style dataset (not a TensorDataset): per-sample fallback path."""

    def __len__(self):
        return 7

    def __getitem__(self, i):
        return np.array([i, -i], np.float32), i


def test_generic_dataset_collates_like_tensor_dataset():
    generic = list(DataLoader(PairsDataset(), 3, shuffle=True, seed=1))
    fast = list(DataLoader(ids_dataset(7), 3, shuffle=True, seed=1))
    for (gx, gy), (fx, fy) in zip(generic, fast):
        np.testing.assert_array_equal(gx._data, fx._data)
        np.testing.assert_array_equal(gy._data, fy._data)
        assert gx.dtype == np.float32 and gy.dtype == np.int64


def test_dataloader_argument_errors():
    with pytest.raises(ValueError, match="batch_size should be a positive integer value, "
                                         "but got batch_size=0"):
        DataLoader(ids_dataset(3), batch_size=0)
    with pytest.raises(ValueError, match="seed must be a non-negative integer or None, "
                                         "got -1"):
        DataLoader(ids_dataset(3), seed=-1)


# ----- IDX files ----------------------------------------------------------------------------
@pytest.mark.parametrize("suffix", ["", ".gz"])
@pytest.mark.parametrize("dtype", [np.uint8, np.int16, np.int32, np.float32, np.float64])
def test_idx_round_trip(tmp_path, suffix, dtype):
    array = (np.arange(24).reshape(2, 3, 4) - 5).astype(dtype)
    if dtype == np.uint8:
        array = np.arange(24, dtype=np.uint8).reshape(2, 3, 4)
    path = tmp_path / f"a-idx3{suffix}"
    write_idx(path, array)
    back = read_idx(path)
    assert back.dtype == dtype and back.flags.writeable
    np.testing.assert_array_equal(back, array)


def test_idx_header_is_mnist_layout(tmp_path):
    write_idx(tmp_path / "x", np.zeros((2, 28, 28), np.uint8))
    raw = (tmp_path / "x").read_bytes()
    assert int.from_bytes(raw[:4], "big") == IMAGES_MAGIC == 2051
    assert [int.from_bytes(raw[i:i + 4], "big") for i in (4, 8, 12)] == [2, 28, 28]
    assert len(raw) == 16 + 2 * 28 * 28


def idx_bytes(array):
    header = bytes([0, 0, 8, array.ndim]) + b"".join(d.to_bytes(4, "big") for d in array.shape)
    return header + array.astype(np.uint8).tobytes()


def test_idx_errors_name_the_file(tmp_path):
    good = idx_bytes(np.zeros((3, 2, 2), np.uint8))
    with pytest.raises(ValueError, match=r"f\.idx: bad magic number 2051 \(expected 2049\)"):
        parse_idx(good, "f.idx", LABELS_MAGIC)
    with pytest.raises(ValueError, match="f.idx: bad magic number 305419896: not an IDX file"):
        parse_idx(b"\x12\x34\x56\x78" + good[4:], "f.idx")
    with pytest.raises(ValueError, match=r"f\.idx: truncated: header says shape \(3, 2, 2\) "
                                         r"\(12 bytes of data\) but the file has 11 bytes"):
        parse_idx(good[:-1], "f.idx")
    with pytest.raises(ValueError, match="f.idx: too long"):
        parse_idx(good + b"\0", "f.idx")
    with pytest.raises(ValueError, match="truncated IDX header: 3 dimensions need 16 bytes"):
        parse_idx(good[:10], "f.idx")
    with pytest.raises(ValueError, match="shorter than the 4-byte magic number"):
        parse_idx(b"\0\0", "f.idx")
    corrupt = tmp_path / "broken-idx1-ubyte.gz"
    corrupt.write_bytes(gzip.compress(good)[:-12])
    with pytest.raises(ValueError, match="broken-idx1-ubyte.gz: cannot read it as a gzip"):
        read_idx(corrupt)



@pytest.mark.parametrize("shape", [(2 ** 31, 2 ** 31, 4), (2 ** 32 - 1,) * 3, (2 ** 16,) * 4])
def test_idx_header_whose_size_overflows_int64_is_refused_naming_the_file(shape, tmp_path):
    header = bytes([0, 0, 8, len(shape)]) + b"".join(d.to_bytes(4, "big") for d in shape)
    path = tmp_path / "huge-idx3-ubyte"
    path.write_bytes(header + bytes(16))
    expected = int(np.prod(shape, dtype=object))
    with pytest.raises(DataFileError, match=rf"huge-idx3-ubyte: truncated: header says shape "
                                            rf"{re.escape(str(shape))} \({expected} bytes of "
                                            rf"data\) but the file has 16 bytes"):
        read_idx(path)


def test_idx_gzip_bomb_is_refused_before_inflating_it(tmp_path):
    path = tmp_path / "bomb-idx1-ubyte.gz"
    with gzip.open(path, "wb") as f:  # 200 MB of labels that compress to ~200 KB
        f.write(bytes([0, 0, 8, 1]) + (200 << 20).to_bytes(4, "big"))
        for _ in range(200):
            f.write(bytes(1 << 20))
    limit = 100 * path.stat().st_size + (1 << 20)
    with pytest.raises(DataFileError, match=rf"bomb-idx1-ubyte.gz: decompresses to more than "
                                            rf"{limit} bytes, over 100x its size"):
        read_idx(path)


def test_idx_that_is_not_gzip_is_reported(tmp_path):
    path = tmp_path / "plain-idx1-ubyte.gz"
    path.write_bytes(idx_bytes(np.zeros(3, np.uint8)))
    with pytest.raises(DataFileError, match="plain-idx1-ubyte.gz: cannot read it as a gzip"):
        read_idx(path)


def test_missing_idx_file_is_a_file_not_found_error(tmp_path):
    with pytest.raises(FileNotFoundError):
        read_idx(tmp_path / "absent-idx1-ubyte")


# ----- MNIST-format loaders on small files -------------------------------------------------
def write_fake_mnist(root, n_train=5, n_test=3, gz=True, names=None):
    """Four small IDX files with MNIST's names; returns the arrays written."""
    rng = np.random.default_rng(0)
    arrays = {"train-images-idx3-ubyte": rng.integers(0, 256, (n_train, 28, 28)),
              "train-labels-idx1-ubyte": rng.integers(0, 10, n_train),
              "t10k-images-idx3-ubyte": rng.integers(0, 256, (n_test, 28, 28)),
              "t10k-labels-idx1-ubyte": rng.integers(0, 10, n_test)}
    root.mkdir(parents=True, exist_ok=True)
    for name, a in arrays.items():
        suffix = ".gz" if (gz if names is None else name in names) else ""
        write_idx(root / (name + suffix), a.astype(np.uint8))
    return arrays


@pytest.mark.parametrize("gz", [True, False])
def test_load_mnist_from_small_files(tmp_path, gz):
    arrays = write_fake_mnist(tmp_path, gz=gz)
    (x_train, y_train), (x_test, y_test) = load_mnist(tmp_path)
    assert x_train.shape == (5, 28, 28) and x_train.dtype == np.uint8
    assert y_train.dtype == np.int64 and x_test.shape == (3, 28, 28)
    np.testing.assert_array_equal(x_train, arrays["train-images-idx3-ubyte"])
    np.testing.assert_array_equal(y_test, arrays["t10k-labels-idx1-ubyte"])
    data = load_fashion_mnist(tmp_path)  # same format, named fields
    np.testing.assert_array_equal(data.train.y, y_train)


def test_load_mnist_mixed_raw_and_gz(tmp_path):
    write_fake_mnist(tmp_path, names={"train-images-idx3-ubyte", "t10k-labels-idx1-ubyte"})
    assert load_mnist(tmp_path).test.x.shape == (3, 28, 28)


def test_load_mnist_count_mismatch(tmp_path):
    write_fake_mnist(tmp_path)
    write_idx(tmp_path / "train-labels-idx1-ubyte.gz", np.zeros(4, np.uint8))
    with pytest.raises(ValueError, match="train-images-idx3-ubyte.gz has 5 images but "
                                         "train-labels-idx1-ubyte.gz has 4 labels"):
        load_mnist(tmp_path)


def test_load_mnist_wrong_dims_and_swapped_files(tmp_path):
    write_fake_mnist(tmp_path)
    header_says_3 = idx_bytes(np.zeros((3, 28, 28), np.uint8))[:-28 * 28]  # data for 2
    (tmp_path / "t10k-images-idx3-ubyte.gz").write_bytes(gzip.compress(header_says_3))
    with pytest.raises(ValueError, match=r"t10k-images-idx3-ubyte.gz: truncated: header says "
                                         r"shape \(3, 28, 28\)"):
        load_mnist(tmp_path)
    write_idx(tmp_path / "t10k-images-idx3-ubyte.gz", np.zeros((3, 784), np.uint8))
    with pytest.raises(ValueError, match="bad magic number 2050 \\(expected 2051\\)"):
        load_mnist(tmp_path)
    write_idx(tmp_path / "t10k-images-idx3-ubyte.gz", np.zeros(3, np.uint8))
    with pytest.raises(ValueError, match="bad magic number 2049 \\(expected 2051\\)"):
        load_mnist(tmp_path)


def test_load_mnist_missing_file_without_download(tmp_path):
    with pytest.raises(FileNotFoundError, match="MNIST file train-images-idx3-ubyte\\(.gz\\) "
                                                "not found in .*download=True"):
        load_mnist(tmp_path)


# ----- downloads (file:// URLs and fake openers: no network) -------------------------------
def test_download_verifies_checksum_and_writes_atomically(tmp_path):
    src = tmp_path / "src.bin"
    src.write_bytes(b"hello mnist" * 1000)
    md5, sha = file_hash(src), file_hash(src, "sha256")
    dest = tmp_path / "out" / "file.bin"
    assert download(src.as_uri(), dest, md5=md5, sha256=sha, progress=False) == dest
    assert dest.read_bytes() == src.read_bytes()

    bad = tmp_path / "out" / "bad.bin"
    with pytest.raises(ValueError, match=f"checksum mismatch for .*src.bin: md5 {md5}, "
                                         "expected 0+"):
        download(src.as_uri(), bad, md5="0" * 32, progress=False)
    assert sorted(os.listdir(tmp_path / "out")) == ["file.bin"]  # no bad file, no .part


def test_download_tries_mirrors_then_reports_offline(tmp_path):
    src = tmp_path / "src.bin"
    src.write_bytes(b"x")
    tried = []

    def offline_then_local(url, timeout):
        tried.append(url)
        if url.startswith("https://down"):
            raise urllib.error.URLError("no route to host")
        return __import__("urllib.request").request.urlopen(url, timeout=timeout)

    dest = tmp_path / "d" / "f"
    download(["https://down/f", src.as_uri()], dest, md5=file_hash(src), progress=False,
             opener=offline_then_local)
    assert dest.read_bytes() == b"x" and tried[0] == "https://down/f"
    with pytest.raises(ConnectionError, match="(?s)could not download g \\(are you offline\\?\\)"
                                              ".*https://down/g: no route to host"):
        download("https://down/g", tmp_path / "d" / "g", progress=False,
                 opener=offline_then_local)
    assert sorted(os.listdir(tmp_path / "d")) == ["f"]


def test_interrupted_download_leaves_nothing(tmp_path):
    class Broken:
        headers = {"Content-Length": "100"}

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

        def read(self, n):
            raise ConnectionResetError("connection reset by peer")

    with pytest.raises(ConnectionError, match="connection reset by peer"):
        download("https://host/f", tmp_path / "f", progress=False,
                 opener=lambda url, timeout: Broken())
    assert os.listdir(tmp_path) == []


def test_load_mnist_downloads_missing_files_and_checks_md5(tmp_path, monkeypatch):
    mirror = tmp_path / "mirror"
    write_fake_mnist(mirror)
    files = {role: (name, file_hash(mirror / f"{name}.gz"))
             for role, (name, _) in MNIST.files.items()}
    spec = mnist_module.IdxDataset("MNIST", (mirror.as_uri() + "/",), files)
    monkeypatch.setattr(mnist_module, "MNIST", spec)
    data = load_mnist(tmp_path / "root", download=True)
    assert data.train.x.shape == (5, 28, 28)
    assert sorted(os.listdir(tmp_path / "root")) == sorted(f"{n}.gz" for n, _ in files.values())

    files["test_labels"] = (files["test_labels"][0], "f" * 32)
    monkeypatch.setattr(mnist_module, "MNIST", mnist_module.IdxDataset("MNIST", spec.mirrors,
                                                                       files))
    with pytest.raises(ValueError, match="checksum mismatch .*t10k-labels-idx1-ubyte.gz"):
        load_mnist(tmp_path / "other", download=True)


# ----- the real files in ../shared/data -----------------------------------------------------
@pytest.mark.parametrize("spec,folder", [(MNIST, "mnist"), (FASHION_MNIST, "fashion-mnist")])
def test_official_md5s_match_the_real_files(spec, folder):
    for name, md5 in spec.files.values():
        assert file_hash(SHARED / folder / f"{name}.gz") == md5, name


def test_real_mnist():
    (x_train, y_train), (x_test, y_test) = load_mnist(SHARED / "mnist")
    assert x_train.shape == (60000, 28, 28) and x_test.shape == (10000, 28, 28)
    assert y_train[:10].tolist() == [5, 0, 4, 1, 9, 2, 1, 3, 1, 4]
    assert y_test[:10].tolist() == [7, 2, 1, 0, 4, 1, 4, 9, 5, 9]
    assert np.bincount(y_test).tolist() == [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974,
                                            1009]
    train = to_float(x_train)
    assert abs(train.mean() - MNIST_MEAN) < 1e-4 and abs(train.std() - MNIST_STD) < 1e-4


def test_real_fashion_mnist_labels():
    data = load_fashion_mnist(SHARED / "fashion-mnist")
    assert data.train.y[:10].tolist() == [9, 0, 0, 3, 0, 2, 7, 2, 5, 5]
    assert data.test.y[:10].tolist() == [9, 2, 1, 1, 6, 1, 4, 6, 5, 7]
    assert np.bincount(data.test.y).tolist() == [1000] * 10


# ----- digits, splits, transforms ----------------------------------------------------------
def test_load_digits():
    x, y = load_digits()
    assert x.shape == (1797, 8, 8) and x.dtype == np.uint8 and y.dtype == np.int64
    assert x.min() == 0 and x.max() == 16
    assert y[:10].tolist() == list(range(10))
    assert np.bincount(y).tolist() == [178, 182, 177, 183, 181, 182, 181, 179, 174, 180]
    # sample 0 is a zero: a ring of ink around an empty centre
    assert x[0, 3:5, 3:5].sum() == 0 and x[0].sum() > 200


def test_train_test_split_is_deterministic_and_disjoint():
    x, y = load_digits()
    a, b = train_test_split(x, y, test_size=0.25, seed=0), train_test_split(x, y, 0.25, seed=0)
    np.testing.assert_array_equal(a.test.y, b.test.y)
    assert len(a.train.x) == 1348 and len(a.test.x) == 449
    assert not np.array_equal(a.test.y, train_test_split(x, y, 0.25, seed=1).test.y)
    ids = np.arange(10)
    (tr, _), (te, _) = train_test_split(ids, ids, test_size=3, shuffle=False)
    assert tr.tolist() == list(range(7)) and te.tolist() == [7, 8, 9]
    with pytest.raises(ValueError, match="x has 10 samples but y has 9"):
        train_test_split(ids, ids[:9])
    with pytest.raises(ValueError, match="test_size=0.01 leaves 0 of 10 samples"):
        train_test_split(ids, ids, test_size=0.01)


def test_transforms():
    x = np.array([[0, 255], [51, 102]], np.uint8)
    f = to_float(x)
    assert f.dtype == np.float32
    np.testing.assert_allclose(f, x / 255.0, rtol=1e-7)
    np.testing.assert_allclose(normalize(f, 0.5, 0.25), (x / 255.0 - 0.5) / 0.25, rtol=1e-6)
    images = np.ones((2, 3, 4, 4), np.float32) * np.array([1, 2, 3], np.float32)[:, None, None]
    out = normalize(images, [0, 0, 1], [1, 2, 4])  # channels hold 1, 2, 3
    np.testing.assert_allclose(out[:, :2], 1.0)
    np.testing.assert_allclose(out[:, 2], 0.5)
    assert add_channel(np.zeros((5, 8, 8))).shape == (5, 1, 8, 8)
    with pytest.raises(ValueError, match=r"std must be positive, got \[1.0, 0.0\]"):
        normalize(images[:, :2], [0, 0], [1, 0])
    with pytest.raises(ValueError, match=r"expected \(N, H, W\) images, got shape \(8, 8\)"):
        add_channel(np.zeros((8, 8)))
