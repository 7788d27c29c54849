"""Wall time of a learning-rate sweep: 8 optimizers x 64 learning rates x 300 steps, 2-D surface.

    python benchmarks/sweep.py [--lrs 64] [--steps 300] [--repeats 5]

``lecture_lib.runners.sweep`` runs each (optimizer, surface) pair as one batched run over the
learning rates (params (64, 2), lr (64, 1)). For each surface the table prints the median wall
time of the whole sweep (target, issue 2: under 1 s), the time per batched update, how many of
the 512 runs diverged, and, for scale, the time the same 512 runs take one by one with
``run()`` (estimated from the first 4 learning rates of every optimizer, times 16).
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from lecture_lib.optimizers import OPTIMIZERS
from lecture_lib.runners import run, sweep


def median_time(fn, repeats: int) -> float:
    fn()  # warm-up
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return float(np.median(times))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lrs", type=int, default=64)
    parser.add_argument("--steps", type=int, default=300)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()

    opts = list(OPTIMIZERS.values())
    lrs = np.geomspace(1e-4, 10.0, args.lrs)
    n_runs = len(opts) * len(lrs)
    print(
        f"sweep: {len(opts)} optimizers x {len(lrs)} learning rates x {args.steps} steps "
        f"= {n_runs} runs per surface (median of {args.repeats})"
    )
    header = f"{'surface':<12} {'sweep':>9} {'per update':>11} {'diverged':>9} {'one by one':>11}"
    print(header)
    print("-" * len(header))
    for name in ("bowl", "rosenbrock", "rastrigin"):
        result = sweep(opts, lrs, name, steps=args.steps)
        t = median_time(lambda name=name: sweep(opts, lrs, name, steps=args.steps), args.repeats)
        per_update = t / (len(opts) * args.steps)
        diverged = int(result.diverged.sum())
        sample = min(4, len(lrs))
        start = time.perf_counter()
        for cls in opts:
            for lr in lrs[:sample]:
                run(cls(lr=lr) if "lr" in cls.hyperparameters else cls(), name, steps=args.steps)
        single = (time.perf_counter() - start) * len(lrs) / sample
        print(
            f"{name:<12} {t:8.3f}s {per_update * 1e6:9.1f}us {diverged:>5}/{n_runs} {single:10.1f}s"
        )


if __name__ == "__main__":
    main()
