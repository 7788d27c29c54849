"""Per-step time of each optimizer on 1,000,000 parameters, beside the memory floor and torch.

    python benchmarks/optimizer_step.py [--size N] [--repeats R]

For float64 and float32 it prints, per optimizer, the median time of one ``update`` and two ratios:

- ``x pass``: against one numpy pass over the parameters (``np.add(theta, g, out=theta)``: read
  two arrays, write one);
- ``x floor``: against the optimizer's memory floor, one such in-place pass over every array the
  optimizer must rewrite (theta and each state array, each reading g): the traffic no
  implementation of that rule can avoid, e.g. three passes for Adam (theta, m, v);
- ``x torch``: against ``torch.optim``'s default implementation (``foreach`` left at its default),
  when torch is installed (the optional ``bench`` extra). COCOB has no torch.optim counterpart.

Everything runs on one thread: ``torch.set_num_threads(1)`` and numpy's thread pools limited with
threadpoolctl when it is installed (numpy's elementwise ufuncs are single-threaded anyway).
Targets (issue 2): every optimizer <= 1.0x torch, Adam <= 3x the memory floor.
numpy has no fused multiply-add, so a rule such as theta -= lr * g costs two passes where torch's
``add_(g, alpha=-lr)`` costs one.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from lecture_lib.optimizers import OPTIMIZERS

try:
    import torch
except ImportError:  # optional
    torch = None

try:
    from threadpoolctl import threadpool_limits
except ImportError:  # optional
    threadpool_limits = None


def median_times(steps, repeats: int) -> list[float]:
    """Median wall time in seconds of each callable in ``steps``, timed in interleaved rounds.

    Interleaving (a, b, c, a, b, c, ...) exposes every callable to the same machine load, so the
    ratios stay meaningful on a busy machine. Two warm-up rounds come first.
    """
    times = [[] for _ in steps]
    for round_ in range(repeats + 2):
        for step, column in zip(steps, times, strict=True):
            start = time.perf_counter()
            step()
            if round_ >= 2:
                column.append(time.perf_counter() - start)
    return [float(np.median(column)) for column in times]


def torch_optimizer(name: str, theta0: np.ndarray, grad: np.ndarray):
    """torch.optim's counterpart with the same defaults (on copies of the arrays), or None."""
    optim = torch.optim
    param = torch.nn.Parameter(torch.from_numpy(theta0.copy()))
    param.grad = torch.from_numpy(grad.copy())
    make = {
        "SGD": lambda: optim.SGD([param], lr=0.01),
        # torch's momentum keeps v' = alpha v' + g, theta -= lr v': the same iterates as ours
        "Momentum": lambda: optim.SGD([param], lr=0.01, momentum=0.9),
        "Adagrad": lambda: optim.Adagrad([param], lr=0.01, eps=1e-8),
        "RMSProp": lambda: optim.RMSprop([param], lr=0.01, alpha=0.9, eps=1e-8),
        "Adadelta": lambda: optim.Adadelta([param], lr=1.0, rho=0.9, eps=1e-6),
        "Adam": lambda: optim.Adam([param], lr=0.001, betas=(0.9, 0.999), eps=1e-8),
        "AdaMax": lambda: optim.Adamax([param], lr=0.002, betas=(0.9, 0.999), eps=1e-8),
    }.get(name)
    return make() if make else None


def measure(size: int, dtype, repeats: int):
    """Rows (name, ms ours, x floor, ms torch or None, x torch or None) and the floor in seconds."""
    rng = np.random.default_rng(0)
    theta0 = rng.standard_normal(size).astype(dtype)
    grad = (0.01 * rng.standard_normal(size)).astype(dtype)
    a, b = theta0.copy(), grad.copy()

    def one_pass():
        np.add(a, b, out=a)

    rows, passes = [], []
    for name, cls in OPTIMIZERS.items():
        opt, params, grads = cls(), {"w": theta0.copy()}, {"w": grad}
        opt.update(params, grads)  # creates the state
        written = [params["w"], *(getattr(opt, n)["w"] for n in opt.state_names if n != "w1")]
        scratch = [w.copy() for w in written]

        def floor_pass(arrays=scratch):
            for array in arrays:
                np.add(array, b, out=array)

        steps = [one_pass, floor_pass, lambda o=opt, p=params, g=grads: o.update(p, g)]
        if torch is not None and (topt := torch_optimizer(name, theta0, grad)) is not None:
            steps.append(topt.step)
        single, floor, ours, *theirs = median_times(steps, repeats)
        theirs = theirs[0] if theirs else None
        passes.append(single)
        x_torch = ours / theirs if theirs else None
        rows.append((name, ours, ours / single, ours / floor, len(written), theirs, x_torch))
    return float(np.median(passes)), rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=1_000_000)
    parser.add_argument("--repeats", type=int, default=51)
    args = parser.parse_args()

    if torch is not None:
        torch.set_num_threads(1)
    if threadpool_limits is not None:
        threadpool_limits(1)
    version = torch.__version__ if torch else "not installed"
    pinned = "" if threadpool_limits else " (threadpoolctl missing: numpy's pools not pinned)"
    print(f"numpy {np.__version__}; torch {version}; threads: 1{pinned}")
    print(f"{args.size:,} parameters, median of {args.repeats} steps\n")
    columns = ("optimizer", "dtype", "ms/step", "x pass", "x floor", "torch ms", "x torch")
    row = "{:<10} {:<8} {:>8} {:>7} {:>13} {:>9} {:>8}"
    print(row.format(*columns))
    print("-" * 70)
    for dtype in (np.float64, np.float32):
        single, rows = measure(args.size, dtype, args.repeats)
        dt = np.dtype(dtype).name
        print(row.format("one pass", dt, f"{single * 1e3:.3f}", "1.00", "", "", "").rstrip())
        for name, ours, x_pass, x_floor, n_arrays, theirs, x_torch in rows:
            t_ms = f"{theirs * 1e3:.3f}" if theirs else "-"
            x_t = f"{x_torch:.2f}" if x_torch else "-"
            floor = f"{x_floor:.2f} ({n_arrays} arr)"
            print(row.format(name, dt, f"{ours * 1e3:.3f}", f"{x_pass:.2f}", floor, t_ms, x_t))
        print()


if __name__ == "__main__":
    main()
