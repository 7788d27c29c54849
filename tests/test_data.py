"""Offline MNIST: the bundled sample, its checksum, and the idx loader (fake files, no network)."""

from __future__ import annotations

import gzip
import hashlib
import zipfile
from importlib import resources

import numpy as np
import pytest

from lecture_lib import data
from lecture_lib.data import (
    MNIST_DIR_ENV,
    MNIST_FILES,
    MNIST_SOURCE,
    SAMPLE_FILE,
    load_mnist,
    read_idx,
)

pytestmark = pytest.mark.data


# --- the bundled sample --------------------------------------------------------------------------


def test_sample_file_is_small_and_matches_its_recorded_sha256():
    raw = SAMPLE_FILE.read_bytes()
    assert len(raw) <= 2_000_000
    assert hashlib.sha256(raw).hexdigest() == data.SAMPLE_SHA256


def test_sample_is_package_data_with_its_licence_beside_it():
    """The sample is a resource of the installed package, with its licence beside it."""
    folder = resources.files("lecture_lib") / "data"
    assert SAMPLE_FILE == folder / "mnist_sample.npz"
    licence = (folder / "LICENSE-MNIST.txt").read_text(encoding="utf-8")
    assert "CC-BY-SA-3.0" in licence
    for name in ("LeCun", "Cortes", "Burges", "mnist_5k.csv.gz"):
        assert name in licence


def test_sample_loads_from_any_traversable(tmp_path):
    """A resource that is not a file on disk (e.g. inside a zip) loads like the bundled one."""
    archive = tmp_path / "pkg.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("data/mnist_sample.npz", SAMPLE_FILE.read_bytes())
    zipped = zipfile.Path(archive) / "data" / "mnist_sample.npz"
    arrays = data._load_sample(zipped)
    (x_train, t_train), _ = load_mnist(normalize=False)
    np.testing.assert_array_equal(arrays["x_train"], x_train)
    np.testing.assert_array_equal(arrays["t_train"], t_train)


def test_sample_default_format_like_the_book():
    (x_train, t_train), (x_test, t_test) = load_mnist()
    assert x_train.shape == (4000, 784) and x_test.shape == (1000, 784)
    assert x_train.dtype == np.float32
    assert x_train.min() == 0.0 and x_train.max() == 1.0
    assert t_train.shape == (4000,) and t_train.dtype == np.int64
    # stratified: 400 / 100 digits of every class
    np.testing.assert_array_equal(np.bincount(t_train), [400] * 10)
    np.testing.assert_array_equal(np.bincount(t_test), [100] * 10)
    # shuffled, not sorted by class
    assert len(set(t_train[:20].tolist())) > 3


def test_sample_raw_images_and_one_hot():
    (x_train, t_train), (x_test, _) = load_mnist(normalize=False, flatten=False, one_hot_label=True)
    assert x_train.shape == (4000, 1, 28, 28) and x_train.dtype == np.uint8
    assert x_test.shape == (1000, 1, 28, 28)
    assert t_train.shape == (4000, 10)
    np.testing.assert_array_equal(t_train.sum(axis=1), 1)
    (flat, labels), _ = load_mnist()
    np.testing.assert_array_equal(flat, x_train.reshape(4000, 784) / np.float32(255))
    np.testing.assert_array_equal(labels, t_train.argmax(axis=1))


def test_sample_train_and_test_are_disjoint():
    (x_train, _), (x_test, _) = load_mnist(normalize=False)
    train_rows = {row.tobytes() for row in x_train}
    assert not any(row.tobytes() in train_rows for row in x_test)


def test_sample_looks_like_digits():
    """Real MNIST digits: dark background, ~19 % ink, centred by mass."""
    (x, t), _ = load_mnist(normalize=False, flatten=False)
    images = x[:, 0].astype(float)
    assert 0.12 < (images > 0).mean() < 0.25
    assert images[:, :2].mean() < 1 and images[:, :, -2:].mean() < 1  # near-empty borders
    rows = (images.sum(axis=2) * np.arange(28)).sum(axis=1) / images.sum(axis=(1, 2))
    assert abs(rows.mean() - 13.5) < 1.5
    ones, zeros = images[t == 1].mean(), images[t == 0].mean()
    assert ones < 0.7 * zeros  # a "1" has much less ink than a "0"


def test_corrupted_sample_is_refused(tmp_path):
    bad = tmp_path / "mnist_sample.npz"
    raw = bytearray(SAMPLE_FILE.read_bytes())
    raw[len(raw) // 2] ^= 0xFF
    bad.write_bytes(bytes(raw))
    with pytest.raises(ValueError, match=r"corrupt or was changed: SHA-256 .* expected"):
        data._load_sample(bad)
    # without the checksum the damage is still reported, as a readable error
    with pytest.raises(ValueError, match="cannot read the MNIST sample"):
        data._load_sample(bad, sha256=None)


def test_missing_sample_is_reported(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"bundled MNIST sample .* is missing"):
        data._load_sample(tmp_path / "nothing.npz")


def test_sample_load_refuses_pickles(tmp_path):
    f = tmp_path / "pickled.npz"
    np.savez(f, x_train=np.array([{"a": 1}], dtype=object), t_train=0, x_test=0, t_test=0)
    with pytest.raises(ValueError, match="cannot read the MNIST sample"):
        data._load_sample(f, sha256=None)


# --- full MNIST from idx files -------------------------------------------------------------------


def _write_idx(path, array):
    header = bytes([0, 0, 8, array.ndim]) + np.array(array.shape, dtype=">u4").tobytes()
    with gzip.open(path, "wb") as f:
        f.write(header + array.astype(np.uint8).tobytes())


@pytest.fixture
def fake_mnist(tmp_path):
    rng = np.random.default_rng(0)
    arrays = {
        "x_train": rng.integers(0, 256, (6, 28, 28)),
        "t_train": np.array([0, 1, 2, 3, 4, 9]),
        "x_test": rng.integers(0, 256, (3, 28, 28)),
        "t_test": np.array([5, 6, 7]),
    }
    for key, name in MNIST_FILES.items():
        _write_idx(tmp_path / name, arrays[key])
    checksums = {
        name: hashlib.sha256((tmp_path / name).read_bytes()).hexdigest()
        for name in MNIST_FILES.values()
    }
    return tmp_path, arrays, checksums


def test_full_loader_parses_idx_files(fake_mnist):
    directory, arrays, checksums = fake_mnist
    (x_train, t_train), (x_test, t_test) = load_mnist(
        normalize=False, source="full", path=directory, checksums=checksums
    )
    np.testing.assert_array_equal(x_train, arrays["x_train"].reshape(6, 784))
    np.testing.assert_array_equal(t_train, arrays["t_train"])
    np.testing.assert_array_equal(x_test, arrays["x_test"].reshape(3, 784))
    np.testing.assert_array_equal(t_test, arrays["t_test"])


def test_full_loader_reads_the_environment_variable(fake_mnist, monkeypatch):
    directory, arrays, _ = fake_mnist
    monkeypatch.setenv(MNIST_DIR_ENV, str(directory))
    (x_train, _), (_, t_test) = load_mnist(flatten=False, source="full", checksums={})
    assert x_train.shape == (6, 1, 28, 28)
    np.testing.assert_allclose(x_train[:, 0], arrays["x_train"] / 255, rtol=1e-6)
    np.testing.assert_array_equal(t_test, [5, 6, 7])


def test_full_loader_checks_the_official_md5_by_default(fake_mnist):
    directory, _, _ = fake_mnist
    with pytest.raises(
        ValueError, match=r"train-images-idx3-ubyte.gz is corrupt .* MD5 .*f68b3c2d"
    ):
        load_mnist(source="full", path=directory)


def test_full_loader_reports_a_corrupt_file(fake_mnist):
    directory, _, checksums = fake_mnist
    target = directory / "t10k-labels-idx1-ubyte.gz"
    raw = bytearray(target.read_bytes())
    raw[-3] ^= 0x55
    target.write_bytes(bytes(raw))
    with pytest.raises(ValueError, match=r"t10k-labels-idx1-ubyte.gz is corrupt .*SHA256"):
        load_mnist(source="full", path=directory, checksums=checksums)
    with pytest.raises(ValueError, match=r"t10k-labels-idx1-ubyte\.gz"):  # unchecked: bad gzip
        load_mnist(source="full", path=directory, checksums={})


def test_full_loader_reports_a_missing_directory_and_file(tmp_path, fake_mnist, monkeypatch):
    with pytest.raises(FileNotFoundError, match=r"nowhere does not exist.*train-images-idx3"):
        load_mnist(source="full", path=tmp_path / "nowhere")
    with pytest.raises(FileNotFoundError, match=f"downloaded from {MNIST_SOURCE}"):
        load_mnist(source="full", path=tmp_path / "nowhere")
    directory, _, _ = fake_mnist
    (directory / "train-labels-idx1-ubyte.gz").unlink()
    with pytest.raises(FileNotFoundError, match=r"lacks train-labels-idx1-ubyte.gz \(expected"):
        load_mnist(source="full", path=directory, checksums={})
    with pytest.raises(FileNotFoundError, match=f"e.g. downloaded from {MNIST_SOURCE}"):
        load_mnist(source="full", path=directory, checksums={})
    monkeypatch.delenv(MNIST_DIR_ENV, raising=False)
    with pytest.raises(ValueError, match=f"or set the environment variable {MNIST_DIR_ENV}"):
        load_mnist(source="full")
    with pytest.raises(ValueError, match=f"downloaded from {MNIST_SOURCE}"):
        load_mnist(source="full")


def test_full_mnist_source_is_a_live_mirror_not_the_retired_site():
    """yann.lecun.com stopped serving the idx files; the messages name torchvision's mirror."""
    assert MNIST_SOURCE.startswith("https://") and MNIST_SOURCE.endswith("/mnist/")
    assert "yann.lecun.com" not in MNIST_SOURCE


def test_read_idx_rejects_bad_headers(tmp_path):
    f = tmp_path / "x.gz"
    with gzip.open(f, "wb") as g:
        g.write(bytes([0, 0, 13, 1, 0, 0, 0, 2]) + b"\x00" * 8)  # float32 idx
    with pytest.raises(ValueError, match="magic bytes 00 00 08"):
        read_idx(f)
    with gzip.open(f, "wb") as g:
        g.write(bytes([0, 0, 8, 1, 0, 0, 0, 5]) + b"\x01\x02")  # announces 5 bytes, has 2
    with pytest.raises(ValueError, match=r"shape \(5,\) \(5 bytes of data\), but the file holds 2"):
        read_idx(f)
    with pytest.raises(ValueError, match="expected an idx file with 3 dimensions, got 1"):
        read_idx(f, expected_ndim=3)
    plain = tmp_path / "plain.gz"
    plain.write_bytes(SAMPLE_FILE.read_bytes())  # a zip, not a gzip
    with pytest.raises(ValueError, match="not a readable gzip file"):
        read_idx(plain)


def test_bad_arguments():
    with pytest.raises(ValueError, match="source must be 'sample' or 'full', got 'web'"):
        load_mnist(source="web")
    with pytest.raises(ValueError, match="only used with source='full'"):
        load_mnist(path="/tmp")
