"""One training step of our NumPy backprop vs. torch, and backprop vs. numerical gradients.

Prints two tables:

1. One forward + backward + SGD update of a 784-100-10 ReLU MLP on a batch of 100 (softmax
   cross-entropy loss): ``lecture_lib`` (MultiLayerNet + optimizers.SGD) vs. torch autograd with
   ``nn.Linear`` + ``torch.optim.SGD``, if torch is importable, in float32 and float64. Both run
   in this process at ONE thread (OMP/OpenBLAS/MKL thread variables are set to 1 before numpy is
   imported, and ``torch.set_num_threads(1)``). The ratio is ours / torch (target: <= 0.9).
2. Backprop vs. central-difference gradient for TwoLayerNet (sizes printed): time of one
   ``net.gradient`` vs. one ``net.numerical_gradient`` on the same batch, and the speed-up.

Timing: ``--repeats`` rounds of ``--steps`` steps each after a warm-up, ours and torch rounds
alternating; the table gives the best and the median round (the best is the steadier number
on a loaded machine).
torch is not a project dependency; see the project README for the benchmark venv, e.g.

    python3 -m venv /tmp/benchvenv && /tmp/benchvenv/bin/pip install numpy torch tqdm
    /tmp/benchvenv/bin/pip install --no-deps -e .
    /tmp/benchvenv/bin/python benchmarks/train_step.py
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402

from lecture_lib.networks import MultiLayerNet, TwoLayerNet  # noqa: E402
from lecture_lib.optimizers import SGD  # noqa: E402

try:
    import torch
except ImportError:  # pragma: no cover - torch is optional
    torch = None


def _round(step, steps):
    start = time.perf_counter()
    for _ in range(steps):
        step()
    return (time.perf_counter() - start) / steps


def _step_times(steps_by_name, steps, repeats):
    """Per-step times {name: (best, median)}; rounds of the contenders alternate, so that
    background load hits all of them alike."""
    for step in steps_by_name.values():
        for _ in range(max(10, steps // 10)):
            step()
    rounds = {name: [] for name in steps_by_name}
    for _ in range(repeats):
        for name, step in steps_by_name.items():
            rounds[name].append(_round(step, steps))
    return {name: (min(r), statistics.median(r)) for name, r in rounds.items()}


def _batch(dtype, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.random((100, 784)).astype(dtype)
    t = rng.integers(0, 10, 100)
    return x, t


def ours_step(dtype):
    net = MultiLayerNet(784, [100], 10, seed=0, dtype=dtype)
    opt = SGD(lr=0.01)
    x, t = _batch(dtype)

    def step():
        _, grads = net.loss_and_gradient(x, t)
        opt.update(net.params, grads)

    return step


def torch_step(dtype):
    tdtype = {np.float32: torch.float32, np.float64: torch.float64}[dtype]
    torch.manual_seed(0)
    model = torch.nn.Sequential(
        torch.nn.Linear(784, 100), torch.nn.ReLU(), torch.nn.Linear(100, 10)
    ).to(tdtype)
    opt = torch.optim.SGD(model.parameters(), lr=0.01)
    x_np, t_np = _batch(dtype)
    x, t = torch.from_numpy(x_np), torch.from_numpy(t_np)
    loss_fn = torch.nn.CrossEntropyLoss()

    def step():
        opt.zero_grad(set_to_none=True)
        loss = loss_fn(model(x), t)
        loss.backward()
        opt.step()

    return step


def backprop_vs_numerical(hidden, batch, repeats):
    rng = np.random.default_rng(0)
    net = TwoLayerNet(784, hidden, 10, seed=0)
    x, t = rng.random((batch, 784)), rng.integers(0, 10, batch)
    n_params = sum(p.size for p in net.params.values())
    backprop = _step_times({"bp": lambda: net.gradient(x, t)}, 200, repeats)["bp"][0]
    start = time.perf_counter()
    net.numerical_gradient(x, t)
    numerical = time.perf_counter() - start
    return n_params, backprop, numerical


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=500)
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--hidden", type=int, default=50, help="TwoLayerNet hidden size")
    parser.add_argument("--batch", type=int, default=10, help="batch for the numerical gradient")
    args = parser.parse_args(argv)

    print(f"numpy {np.__version__}" + (f", torch {torch.__version__}" if torch else ", no torch"))
    if torch is not None:
        torch.set_num_threads(1)
    print("\n784-100-10 MLP, batch 100, forward + backward + SGD update, 1 thread")
    print("per-step time in microseconds, best and median of the rounds; ratio = ours / torch")
    print(f"{'dtype':<8} {'ours best':>10} {'median':>8} {'torch best':>11} {'median':>8}", end="")
    print(f" {'ratio best':>11} {'median':>8}")
    for dtype in (np.float32, np.float64):
        contenders = {"ours": ours_step(dtype)}
        if torch is not None:
            contenders["torch"] = torch_step(dtype)
        times = _step_times(contenders, args.steps, args.repeats)
        ours = times["ours"]
        line = f"{np.dtype(dtype).name:<8} {ours[0] * 1e6:>10.1f} {ours[1] * 1e6:>8.1f}"
        if torch is not None:
            theirs = times["torch"]
            line += f" {theirs[0] * 1e6:>11.1f} {theirs[1] * 1e6:>8.1f}"
            line += f" {ours[0] / theirs[0]:>11.2f} {ours[1] / theirs[1]:>8.2f}"
        print(line)

    n_params, backprop, numerical = backprop_vs_numerical(args.hidden, args.batch, args.repeats)
    print(f"\nTwoLayerNet(784, {args.hidden}, 10), float64, batch {args.batch}, {n_params} params")
    print(f"{'backprop (ms)':>14} {'numerical (s)':>14} {'speed-up':>10}")
    print(f"{backprop * 1e3:>14.3f} {numerical:>14.2f} {numerical / backprop:>10.0f}x")


if __name__ == "__main__":
    main()
