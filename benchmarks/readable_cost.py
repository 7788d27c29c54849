"""The cost of the readable optimizer rules where users feel it: the notebooks' MNIST training.

    python benchmarks/readable_cost.py --against /tmp/before   # a checkout of an older commit

Issue 12 rewrote every update rule as one numpy line per equation (new arrays, no ``out=``
buffers). This times the training the MNIST notebooks run, with this checkout's ``lecture_lib``
and with the one in ``--against`` (e.g. ``git worktree add /tmp/before 6fcbcb9``, the last commit
before the rewrite), each workload in fresh subprocesses that alternate between the two, one BLAS
thread. Printed: the median of ``--repeats`` runs and the ratio new / old (budget: 1.10).
Without ``--against`` it times this checkout only.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# name -> code run in a subprocess; it prints the seconds train() took
SETUP = """
import time
from lecture_lib.data import load_mnist
from lecture_lib.networks import MultiLayerNet, TwoLayerNet
from lecture_lib.optimizers import SGD, Adam, COCOB
from lecture_lib.trainer import train
data = load_mnist()
"""
WORKLOADS = {
    "11: TwoLayerNet, SGD, 20 epochs": (
        "net, opt = TwoLayerNet(784, 50, 10, weight_init_std=0.01, seed=0), SGD(lr=0.1)",
        "train(net, opt, data, epochs=20, batch_size=100, seed=0)",
    ),
    "07/09: 784-100x4-10, Adam, 3 epochs": (
        "net, opt = MultiLayerNet(784, [100] * 4, 10, seed=0), Adam(lr=1e-3)",
        "train(net, opt, data, epochs=3, batch_size=100, seed=0)",
    ),
    "08/09: 784-100x4-10, COCOB, 3 epochs": (
        "net, opt = MultiLayerNet(784, [100] * 4, 10, seed=0), COCOB()",
        "train(net, opt, data, epochs=3, batch_size=100, seed=0)",
    ),
}


def time_once(library: Path, build: str, work: str) -> float:
    code = f"{SETUP}\n{build}\nstart = time.perf_counter()\n{work}\n"
    code += "print(time.perf_counter() - start)"
    env = {**os.environ, "PYTHONPATH": str(library), "OPENBLAS_NUM_THREADS": "1"}
    env["OMP_NUM_THREADS"] = "1"
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    return float(out.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--against", type=Path, help="checkout whose lecture_lib is 'before'")
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args(argv)
    libraries = {"after": ROOT}
    if args.against is not None:
        if not (args.against / "lecture_lib").is_dir():
            parser.error(f"{args.against} holds no lecture_lib/")
        libraries = {"before": args.against.resolve(), "after": ROOT}
    print(f"median of {args.repeats} runs, seconds (one BLAS thread)")
    header = f"{'workload':<38}" + "".join(f"{name:>9}" for name in libraries)
    print(header + ("   after / before" if len(libraries) == 2 else ""))
    for name, (build, work) in WORKLOADS.items():
        times: dict[str, list[float]] = {lib: [] for lib in libraries}
        for _ in range(args.repeats):  # alternate, so that background load hits both alike
            for lib, path in libraries.items():
                times[lib].append(time_once(path, build, work))
        medians = {lib: statistics.median(t) for lib, t in times.items()}
        line = f"{name:<38}" + "".join(f"{medians[lib]:>9.2f}" for lib in libraries)
        if len(libraries) == 2:
            line += f"   {medians['after'] / medians['before']:>14.2f}"
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
