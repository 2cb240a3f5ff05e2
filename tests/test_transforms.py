"""Augmentations: shapes, seeded randomness, exact geometry (against numpy and
scipy.ndimage), and the transform= hooks on TensorDataset and DataLoader."""
import numpy as np
import pytest
import scipy.ndimage
from hypothesis import given, settings, strategies as st

from tinygrad_cnn.data import DataLoader, TensorDataset
from tinygrad_cnn.data import transforms as T
from tinygrad_cnn.kernels.warp import warp


def _images(n=16, c=2, h=9, w=7, seed=0):
    return np.random.default_rng(seed).normal(size=(n, c, h, w)).astype(np.float32)


ALL = [T.RandomCrop((9, 7), padding=3), T.RandomHorizontalFlip(),
       T.RandomAffine(degrees=20, translate=(0.2, 0.1), scale=(0.9, 1.1)),
       T.Compose([T.RandomCrop((9, 7), padding=2), T.RandomHorizontalFlip(),
                  T.Normalize(0.5, 2.0)])]


@pytest.mark.parametrize("transform", ALL, ids=lambda t: type(t).__name__)
def test_shapes_dtype_and_seeded_randomness(transform):
    x = _images()
    a, b, c = transform(x, rng=1), transform(x, rng=1), transform(x, rng=2)
    assert a.shape == x.shape and a.dtype == np.float32
    np.testing.assert_array_equal(a, b)           # same seed, same result
    assert not np.array_equal(a, c)               # another seed, another draw
    assert not np.array_equal(a, x)
    np.testing.assert_array_equal(x, _images())   # the input is never modified
    single = transform(x[0], rng=1)               # one image (C, H, W) in, one out
    assert single.shape == x[0].shape


def test_images_in_a_batch_get_different_draws():
    x = np.repeat(_images(1), 32, axis=0)
    out = T.RandomAffine(degrees=30)(x, rng=0)
    assert len({o.tobytes() for o in out}) == 32


def test_library_generator_is_used_without_rng():
    import tinygrad_cnn as tg
    x = _images()
    tg.manual_seed(5)
    a = T.RandomHorizontalFlip()(x)
    tg.manual_seed(5)
    np.testing.assert_array_equal(a, T.RandomHorizontalFlip()(x))


def test_flip_mirrors_exactly_the_chosen_images():
    x = _images(64)
    out = T.RandomHorizontalFlip(p=0.5)(x, rng=3)
    flipped = np.array([np.array_equal(o, i[:, :, ::-1]) for o, i in zip(out, x)])
    kept = np.array([np.array_equal(o, i) for o, i in zip(out, x)])
    assert np.all(flipped ^ kept) and 16 < flipped.sum() < 48
    np.testing.assert_array_equal(T.RandomHorizontalFlip(p=0.0)(x), x)


def test_random_crop_is_a_padded_window():
    x, p = _images(32, h=6, w=6), 2
    padded = np.pad(x, ((0, 0), (0, 0), (p, p), (p, p)), constant_values=-1.5)
    out = T.RandomCrop(4, padding=p, fill=-1.5)(x, rng=0)
    assert out.shape == (32, 2, 4, 4)
    offsets = set()
    for o, src in zip(out, padded):
        hits = [(i, j) for i in range(7) for j in range(7)
                if np.array_equal(o, src[:, i:i + 4, j:j + 4])]
        assert hits, "every crop is a window of the padded image"
        offsets.update(hits)
    assert len(offsets) > 10                       # windows all over the padded image
    np.testing.assert_array_equal(T.RandomCrop((6, 6))(x, rng=0), x)  # no room: identity
    with pytest.raises(ValueError, match="larger than the padded image"):
        T.RandomCrop(9, padding=1)(x)


def test_rotation_by_90_degrees_is_rot90():
    x = _images(3, h=5, w=5)
    np.testing.assert_allclose(T.RandomAffine(degrees=(90, 90))(x), np.rot90(x, 1, (2, 3)),
                               atol=1e-5)
    np.testing.assert_allclose(T.RandomAffine(degrees=(-90, -90))(x),
                               np.rot90(x, -1, (2, 3)), atol=1e-5)
    np.testing.assert_array_equal(T.RandomAffine()(x, rng=0), x)   # no range: identity


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 2**31 - 1), st.integers(3, 12), st.integers(3, 12))
def test_warp_matches_scipy_bilinear(seed, h, w):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(2, 1, h, w))
    theta = np.concatenate([rng.uniform(-1.3, 1.3, (2, 2, 2)), rng.uniform(-3, 3, (2, 2, 1))],
                           axis=2)
    out = warp(x, theta, fill=0.7)
    for n in range(2):
        expected = scipy.ndimage.affine_transform(x[n, 0], theta[n, :, :2], theta[n, :, 2],
                                                  order=1, mode="grid-constant", cval=0.7)
        np.testing.assert_allclose(out[n, 0], expected, atol=1e-10)


def test_argument_errors_name_the_value():
    with pytest.raises(ValueError, match="p must be a probability.*1.5"):
        T.RandomHorizontalFlip(1.5)
    with pytest.raises(ValueError, match="padding must be non-negative, got -1"):
        T.RandomCrop(4, padding=-1)
    with pytest.raises(ValueError, match=r"translate fractions must be in \[0, 1\]"):
        T.RandomAffine(translate=(2, 0))
    with pytest.raises(ValueError, match="std must be positive"):
        T.Normalize(0.0, 0.0)
    with pytest.raises(ValueError, match=r"got shape \(4, 4\)"):
        T.RandomHorizontalFlip()(np.zeros((4, 4)))


def test_dataloader_transform_is_reproducible_per_seed_and_epoch():
    x, y = _images(40), np.arange(40)

    def epochs(seed):
        loader = DataLoader(TensorDataset(x, y), batch_size=8, shuffle=True, seed=seed,
                            transform=T.RandomCrop((9, 7), padding=2))
        return [[b[0]._data.copy() for b in loader] for _ in range(2)]

    first, again, other = epochs(0), epochs(0), epochs(1)
    for a, b in zip(first, again):
        for u, v in zip(a, b):
            np.testing.assert_array_equal(u, v)
    assert not np.array_equal(first[0][0], other[0][0])
    assert not np.array_equal(first[0][0], first[1][0])   # a new draw every epoch


def test_dataset_transform_per_sample_and_per_batch():
    x, y = _images(10), np.arange(10)
    flip = T.RandomHorizontalFlip(p=1.0)
    ds = TensorDataset(x, y, transform=flip)
    image, label = ds[3]
    np.testing.assert_array_equal(image._data, x[3][:, :, ::-1])
    assert label.item() == 3
    xb, yb = next(iter(DataLoader(ds, batch_size=4)))
    np.testing.assert_array_equal(xb._data, x[:4, :, :, ::-1])
    np.testing.assert_array_equal(yb._data, y[:4])


def test_loader_transform_on_a_map_style_dataset():
    class Images:
        def __len__(self):
            return 4

        def __getitem__(self, i):
            return np.full((1, 2, 2), float(i), np.float32)

    batch = next(iter(DataLoader(Images(), batch_size=4, transform=T.Normalize(1.0, 2.0))))
    np.testing.assert_allclose(batch._data[:, 0, 0, 0], [-0.5, 0.0, 0.5, 1.0])
