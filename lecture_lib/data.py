"""Offline MNIST: a bundled 5,000-digit sample, or the full data set from local idx files.

``load_mnist()`` works like the loader of "Deep Learning from Scratch" but never downloads:

- default: the sample bundled as package data ``lecture_lib/data/mnist_sample.npz`` (4,000
  training and 1,000 test digits, 400/100 per class), read with :mod:`importlib.resources`, so it
  loads from any kind of install. Its SHA-256 is checked at every load. Provenance and conversion:
  ``lecture_lib/data/README.md``; licence (CC BY-SA 3.0): ``lecture_lib/data/LICENSE-MNIST.txt``.
- ``source="full"``: the four official idx ``.gz`` files (60,000 + 10,000 digits) from a
  directory given as ``path=`` or in the environment variable ``LECTURE_MNIST_DIR``; each file's
  MD5 is checked against the published value before it is parsed.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import os
import zipfile
from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path

import numpy as np

__all__ = [
    "MNIST_DIR_ENV",
    "MNIST_FILES",
    "MNIST_MD5",
    "MNIST_SOURCE",
    "SAMPLE_FILE",
    "SAMPLE_SHA256",
    "load_mnist",
    "read_idx",
]

#: The bundled sample as a package resource (a Traversable: ``read_bytes()``, ``name``, ...).
SAMPLE_FILE: Traversable = files("lecture_lib") / "data" / "mnist_sample.npz"
#: SHA-256 of mnist_sample.npz as written by scripts/make_mnist_sample.py.
SAMPLE_SHA256 = "da29b2dbf636a19a88c3b035bd5f2142aa872d2c8bfe9b6bb6464463ce28e902"
SAMPLE_KEYS = ("x_train", "t_train", "x_test", "t_test")

MNIST_DIR_ENV = "LECTURE_MNIST_DIR"
#: Where the four idx files can be downloaded: the mirror torchvision's ``MNIST.mirrors`` lists
#: next to http://yann.lecun.com/exdb/mnist/, which no longer serves them.
MNIST_SOURCE = "https://ossci-datasets.s3.amazonaws.com/mnist/"
#: The official file names, by role.
MNIST_FILES = {
    "x_train": "train-images-idx3-ubyte.gz",
    "t_train": "train-labels-idx1-ubyte.gz",
    "x_test": "t10k-images-idx3-ubyte.gz",
    "t_test": "t10k-labels-idx1-ubyte.gz",
}
#: MD5 of the official .gz files, as listed in torchvision (torchvision/datasets/mnist.py,
#: ``MNIST.resources``), which checks these sums on the files it fetches from :data:`MNIST_SOURCE`.
MNIST_MD5 = {
    "train-images-idx3-ubyte.gz": "f68b3c2dcbeaaa9fbdd348bbdeb94873",
    "train-labels-idx1-ubyte.gz": "d53e105ee54ea40749a09fcbcd1e9432",
    "t10k-images-idx3-ubyte.gz": "9fb629c4189551a2d022fa330f9573f3",
    "t10k-labels-idx1-ubyte.gz": "ec29112dd5afa0611ce80d1b7f02629c",
}
_EXPECTED_COUNT = {"x_train": 60000, "t_train": 60000, "x_test": 10000, "t_test": 10000}


def _digest(path: Path, algorithm: str) -> str:
    h = hashlib.new(algorithm)
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _load_sample(
    file: Traversable | Path = SAMPLE_FILE, sha256: str | None = SAMPLE_SHA256
) -> dict:
    """The sample's four arrays from ``file`` (a package resource or a path), checksum first."""
    if not file.is_file():
        raise FileNotFoundError(
            f"the bundled MNIST sample {file} is missing; reinstall lecture_lib or regenerate "
            "it with scripts/make_mnist_sample.py"
        )
    raw = file.read_bytes()
    if sha256 is not None:
        digest = hashlib.sha256(raw).hexdigest()
        if digest != sha256:
            raise ValueError(
                f"the MNIST sample {file} is corrupt or was changed: SHA-256 {digest}, "
                f"expected {sha256}; regenerate it with scripts/make_mnist_sample.py"
            )
    try:
        with np.load(io.BytesIO(raw), allow_pickle=False) as npz:
            arrays = {key: npz[key] for key in SAMPLE_KEYS}
    except (KeyError, ValueError, OSError, EOFError, zipfile.BadZipFile) as exc:
        raise ValueError(f"cannot read the MNIST sample {file}: {exc}") from exc
    return arrays


def read_idx(file: str | os.PathLike, *, expected_ndim: int | None = None) -> np.ndarray:
    """Parse one gzip-compressed idx file (the MNIST format) into a uint8 array.

    Format: two zero bytes, a type byte (0x08 = unsigned byte), the number of dimensions, then
    one big-endian uint32 per dimension, then the data in C order.
    """
    file = Path(file)
    try:
        with gzip.open(file, "rb") as f:
            raw = f.read()
    except (OSError, EOFError) as exc:
        raise ValueError(f"{file} is not a readable gzip file: {exc}") from exc
    if len(raw) < 4 or raw[0:2] != b"\x00\x00" or raw[2] != 0x08:
        raise ValueError(
            f"{file} is not an unsigned-byte idx file (expected the magic bytes 00 00 08 nd, "
            f"got {raw[:4].hex(' ') or 'nothing'})"
        )
    ndim = raw[3]
    if expected_ndim is not None and ndim != expected_ndim:
        raise ValueError(
            f"{file}: expected an idx file with {expected_ndim} dimensions, got {ndim}"
        )
    header = 4 + 4 * ndim
    if len(raw) < header:
        raise ValueError(f"{file} is truncated: the header needs {header} bytes, got {len(raw)}")
    shape = tuple(int(d) for d in np.frombuffer(raw, dtype=">u4", count=ndim, offset=4))
    size = int(np.prod(shape))
    if len(raw) - header != size:
        raise ValueError(
            f"{file}: the header announces shape {shape} ({size} bytes of data), "
            f"but the file holds {len(raw) - header} bytes"
        )
    return np.frombuffer(raw, dtype=np.uint8, offset=header).reshape(shape).copy()


def _load_full(path: str | os.PathLike | None, checksums: dict[str, str] | None) -> dict:
    if path is None:
        path = os.environ.get(MNIST_DIR_ENV)
        if not path:
            raise ValueError(
                f"source='full' needs the directory with the MNIST idx files: pass path=... or "
                f"set the environment variable {MNIST_DIR_ENV} (expected files: "
                f"{', '.join(MNIST_FILES.values())}, e.g. downloaded from {MNIST_SOURCE})"
            )
    directory = Path(path).expanduser()
    if not directory.is_dir():
        raise FileNotFoundError(
            f"MNIST directory {directory} does not exist; it should contain "
            f"{', '.join(MNIST_FILES.values())} (e.g. downloaded from {MNIST_SOURCE})"
        )
    missing = [name for name in MNIST_FILES.values() if not (directory / name).is_file()]
    if missing:
        raise FileNotFoundError(
            f"MNIST directory {directory} lacks {', '.join(missing)} (expected the four files "
            f"{', '.join(MNIST_FILES.values())}, e.g. downloaded from {MNIST_SOURCE})"
        )
    checksums = MNIST_MD5 if checksums is None else checksums
    arrays = {}
    for key, name in MNIST_FILES.items():
        file = directory / name
        expected = checksums.get(name) if checksums else None
        if expected is not None:
            algorithm = "md5" if len(expected) == 32 else "sha256"
            digest = _digest(file, algorithm)
            if digest != expected.lower():
                raise ValueError(
                    f"{file} is corrupt or not the official file: {algorithm.upper()} {digest}, "
                    f"expected {expected}; download it again"
                )
        arrays[key] = read_idx(file, expected_ndim=3 if key.startswith("x") else 1)
    for part in ("train", "test"):
        x, t = arrays[f"x_{part}"], arrays[f"t_{part}"]
        if x.shape[1:] != (28, 28) or x.shape[0] != t.shape[0]:
            raise ValueError(
                f"MNIST {part} files in {directory} disagree: images {x.shape}, labels {t.shape} "
                "(expected (N, 28, 28) and (N,))"
            )
        if checksums is MNIST_MD5 and x.shape[0] != _EXPECTED_COUNT[f"x_{part}"]:
            raise ValueError(f"MNIST {part} set in {directory} has {x.shape[0]} images")
    return arrays


Split = tuple[np.ndarray, np.ndarray]


def load_mnist(
    normalize: bool = True,
    flatten: bool = True,
    one_hot_label: bool = False,
    *,
    source: str = "sample",
    path: str | os.PathLike | None = None,
    checksums: dict[str, str] | None = None,
) -> tuple[Split, Split]:
    """MNIST as ``(x_train, t_train), (x_test, t_test)``, like the book's loader, offline.

    Args:
        normalize: pixels as float32 in [0, 1] (True) or uint8 0..255 (False).
        flatten: images as (N, 784) (True) or (N, 1, 28, 28) (False).
        one_hot_label: labels as float32 one-hot (N, 10) (True) or int64 class indices (N,).
        source: ``"sample"`` -- the bundled 4,000/1,000 sample (default); ``"full"`` -- the
            official 60,000/10,000 idx files from ``path`` or ``$LECTURE_MNIST_DIR``.
        path: directory with the four idx ``.gz`` files (only for ``source="full"``).
        checksums: ``{file name: md5 or sha256 hex}`` for ``source="full"``; default the official
            MD5s (:data:`MNIST_MD5`); ``{}`` skips the check (for tests with fake files).

    Raises:
        FileNotFoundError: missing directory or file (the message lists what is expected where).
        ValueError: checksum mismatch, unreadable or inconsistent file, or a bad argument.
    """
    if source == "sample":
        if path is not None or checksums is not None:
            raise ValueError("path and checksums are only used with source='full'")
        arrays = _load_sample()
    elif source == "full":
        arrays = _load_full(path, checksums)
    else:
        raise ValueError(f"source must be 'sample' or 'full', got {source!r}")

    out = {}
    for part in ("train", "test"):
        x = arrays[f"x_{part}"].reshape(-1, 1, 28, 28)
        if flatten:
            x = x.reshape(x.shape[0], 784)
        if normalize:
            x = x.astype(np.float32) / np.float32(255.0)
        t = arrays[f"t_{part}"].astype(np.int64)
        if t.size and t.max() > 9:
            raise ValueError(f"MNIST {part} labels must be 0..9, got a maximum of {t.max()}")
        if one_hot_label:
            t = np.eye(10, dtype=np.float32)[t]
        out[part] = (x, t)
    return out["train"], out["test"]
