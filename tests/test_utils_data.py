"""tinygrad_cnn.utils.data against torch.utils.data: loaders, samplers, collate, splits."""
import collections
import warnings

import numpy as np
import pytest
import torch
import torch.utils.data as tdata
from hypothesis import given, settings, strategies as st

import tinygrad_cnn as tg
from tinygrad_cnn.utils import data as ours


def as_numpy(batch):
    """A batch as nested Python containers of numpy arrays (lists for sequences)."""
    if isinstance(batch, (tg.Tensor, torch.Tensor)):
        return np.asarray(batch.detach().numpy() if isinstance(batch, torch.Tensor) else batch)
    if isinstance(batch, dict):
        return {k: as_numpy(v) for k, v in batch.items()}
    if isinstance(batch, (list, tuple)) and batch and isinstance(batch[0], str):
        return list(batch)
    if isinstance(batch, (list, tuple)):
        return [as_numpy(v) for v in batch]
    return batch


def assert_batches_equal(a, b):
    assert type(a) is type(b) or {type(a), type(b)} <= {list, tuple}
    if isinstance(a, np.ndarray):
        assert a.dtype == b.dtype and a.shape == b.shape
        np.testing.assert_array_equal(a, b)
    elif isinstance(a, dict):
        assert list(a) == list(b)
        for k in a:
            assert_batches_equal(a[k], b[k])
    elif isinstance(a, list):
        assert len(a) == len(b)
        for x, y in zip(a, b):
            assert_batches_equal(x, y)
    else:
        assert a == b


class Samples:
    """A map-style dataset of mixed samples: array, int, float, string, dict."""

    def __init__(self, n):
        self.n = n

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        return (np.full((2, 3), i, np.float32), i, i / 2, f"s{i}",
                {"id": i, "v": np.arange(i, i + 2)})


@settings(max_examples=30, deadline=None)
@given(n=st.integers(1, 23), batch_size=st.sampled_from([1, 3, 5, None]),
       drop_last=st.booleans(), tensors=st.booleans())
def test_sequential_batches_match_torch(n, batch_size, drop_last, tensors):
    drop_last = drop_last and batch_size is not None
    if tensors:
        x, y = np.random.default_rng(n).standard_normal((n, 3)).astype(np.float32), np.arange(n)
        mine = ours.TensorDataset(x, y)
        theirs = tdata.TensorDataset(torch.from_numpy(x), torch.from_numpy(y))
    else:
        mine = theirs = Samples(n)
    kwargs = dict(batch_size=batch_size, drop_last=drop_last, num_workers=0, pin_memory=True)
    a, b = list(ours.DataLoader(mine, **kwargs)), list(tdata.DataLoader(theirs, **kwargs))
    assert len(a) == len(b) == len(ours.DataLoader(mine, **kwargs)) == len(
        tdata.DataLoader(theirs, **kwargs))
    for x_a, x_b in zip(a, b):
        assert_batches_equal(as_numpy(x_a), as_numpy(x_b))


def test_samplers_and_batch_samplers_give_torch_batches():
    dataset = Samples(10)
    for sampler_a, sampler_b in [([3, 1, 4, 1, 5], [3, 1, 4, 1, 5]),
                                 (ours.SequentialSampler(dataset),
                                  tdata.SequentialSampler(dataset))]:
        a = list(ours.DataLoader(dataset, batch_size=2, sampler=sampler_a))
        b = list(tdata.DataLoader(dataset, batch_size=2, sampler=sampler_b))
        assert_batches_equal(as_numpy(a), as_numpy(b))
    batches = [[0, 9], [2], [5, 5, 5]]
    a = list(ours.DataLoader(dataset, batch_sampler=batches))
    b = list(tdata.DataLoader(dataset, batch_sampler=batches))
    assert_batches_equal(as_numpy(a), as_numpy(b))
    assert list(ours.BatchSampler(range(7), 3, True)) == list(tdata.BatchSampler(range(7), 3, True))


def test_collate_fn_is_called_with_the_sample_list():
    seen = []
    loader = ours.DataLoader(Samples(5), batch_size=2,
                             collate_fn=lambda s: seen.append(len(s)) or len(s))
    assert list(loader) == [2, 2, 1] and seen == [2, 2, 1]


@settings(max_examples=20, deadline=None)
@given(n=st.integers(1, 30), replacement=st.booleans(), num_samples=st.sampled_from([None, 7, 40]),
       seed=st.integers(0, 99))
def test_random_sampler_draws_valid_reproducible_indices(n, replacement, num_samples, seed):
    make = lambda: ours.RandomSampler(range(n), replacement, num_samples,  # noqa: E731
                                      tg.Generator().manual_seed(seed))
    draw, want = list(make()), len(tdata.RandomSampler(range(n), replacement, num_samples))
    assert len(draw) == len(make()) == want and draw == list(make())
    assert all(0 <= i < n for i in draw)
    if not replacement:  # each full pass is a permutation
        for k in range(0, want - want % n, n):
            assert sorted(draw[k:k + n]) == list(range(n))


def test_shuffle_with_generator_is_reproducible_and_new_each_epoch():
    def orders(seed):
        loader = ours.DataLoader(ours.TensorDataset(np.arange(20)), batch_size=20, shuffle=True,
                                 generator=tg.Generator().manual_seed(seed))
        return [next(iter(loader))[0].tolist() for _ in range(2)]
    first = orders(1)
    assert first == orders(1) and first[0] != first[1] and sorted(first[0]) == list(range(20))


@pytest.mark.parametrize("kwargs", [dict(shuffle=True, sampler=[1]),
                                    dict(batch_sampler=[[1]], batch_size=2),
                                    dict(batch_sampler=[[1]], shuffle=True), dict(num_workers=-1),
                                    dict(prefetch_factor=2), dict(persistent_workers=True),
                                    dict(batch_size=None, drop_last=True), dict(timeout=-1)])
def test_option_errors_match_torch(kwargs):
    with pytest.raises(ValueError) as theirs:
        tdata.DataLoader(list(range(4)), **kwargs)
    with pytest.raises(ValueError) as mine:
        ours.DataLoader(list(range(4)), **kwargs)
    assert str(mine.value) == str(theirs.value)


def test_multiprocessing_options_are_accepted_and_run_in_process():
    started = []
    loader = ours.DataLoader(ours.TensorDataset(np.arange(6)), batch_size=4, num_workers=4,
                             pin_memory=True, persistent_workers=True, prefetch_factor=2,
                             worker_init_fn=started.append, timeout=5)
    assert [b[0].tolist() for b in loader] == [[0, 1, 2, 3], [4, 5]] and started == [0]


@pytest.mark.parametrize("lengths", [[3, 7], [0.5, 0.5], [0.33, 0.33, 0.34], [0.1, 0.9], [1.0]])
@pytest.mark.parametrize("n", [10, 11])
def test_random_split_sizes_match_torch(lengths, n):
    if sum(lengths) not in (1, 1.0) and sum(lengths) != n:
        with pytest.raises(ValueError) as theirs:
            tdata.random_split(range(n), lengths)
        with pytest.raises(ValueError) as mine:
            ours.random_split(range(n), lengths)
        assert str(mine.value) == str(theirs.value)
        return
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        a = ours.random_split(range(n), lengths, generator=tg.Generator().manual_seed(0))
        b = tdata.random_split(range(n), lengths, generator=torch.Generator().manual_seed(0))
    assert [len(s) for s in a] == [len(s) for s in b]
    assert sorted(i for s in a for i in s) == list(range(n))


def test_random_split_warns_about_an_empty_split_like_torch():
    with pytest.warns(UserWarning, match="Length of split at index 1 is 0"):
        tdata.random_split(range(2), [1.0, 0.0])
    with pytest.warns(UserWarning, match="Length of split at index 1 is 0"):
        ours.random_split(range(2), [1.0, 0.0])


def test_subset_and_concat_index_like_torch():
    base = list("abcdef")
    for lib in (ours, tdata):
        s = lib.Subset(base, [5, 0, 2])
        c = lib.ConcatDataset([s, base])
        assert (len(s), s[0], s[-1], len(c), c[3], c[-1]) == (3, "f", "c", 9, "a", "f")


def test_named_tuple_and_dict_samples_collate_like_torch():
    Point = collections.namedtuple("Point", "x y")
    samples = [Point(np.float32(1), 2), Point(np.float32(3), 4)]
    a, b = ours.default_collate(samples), tdata.default_collate(samples)
    assert type(a) is Point and a.x.tolist() == b.x.tolist() and a.y.dtype == np.int64


def test_unknown_sample_types_fail_clearly():
    with pytest.raises(TypeError, match="found object"):
        ours.default_collate([object(), object()])


def test_torch_style_import_paths_work():
    import tinygrad_cnn as torch_alias
    from tinygrad_cnn.utils.data import DataLoader, TensorDataset  # noqa: F401
    assert torch_alias.utils.data.DataLoader is tg.data.DataLoader
    assert torch_alias.utils.data.TensorDataset is tg.data.TensorDataset
