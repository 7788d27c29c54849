"""Notebook 09's full study "which optimizer?": seeds, validation, test once, timing -> JSON.

    python benchmarks/which_optimizer.py                 # the full study (see runtime_seconds)
    python benchmarks/which_optimizer.py --quick --out /tmp/q.json   # a few-minute smoke run
    python benchmarks/which_optimizer.py --in-process-only   # redo steps 5-6 only, e.g. on a
                                                              # quieter machine

The protocol is :mod:`lecture_lib.study`'s (read its docstring), on the bundled MNIST sample:

1. a stratified validation set of 1,000 images is carved from the 4,000 training images;
2. every method with an lr is trained at each lr of a half-decade grid with the selection seeds
   and scored on the validation set at the end; its lr is the grid value with the best mean;
3. every method is trained again at its lr with the final seeds, then predicts the test set once;
4. Adam + L2 against AdamW: at Adam's chosen lr, the decay coefficient lambda is chosen the same
   way (validation, selection seeds) for each, then both run with the final seeds;
5. the anatomy of the two decays: one run each of Adam, Adam + L2 and AdamW, looked inside;
6. timing, in this process alone: seconds per epoch of updates (forward + backward + update) and
   per optimizer update alone, the fastest of interleaved rounds (the median is stored too); and
   whether stacking the seeds' networks into one batched matmul would pay.

The stored file took 45 minutes (``runtime_seconds``) on the project's 2-core machine while other
jobs shared it (a quiet machine: about 15, estimated from 0.18 s per epoch and run). Runs go to
``--workers`` processes, each with ONE BLAS thread (set here before numpy loads); a run depends
only on its method, lr and seed, so the results do not depend on the number of workers. Timing
runs in this process after the pool has finished; it records the wall clock and the process's
CPU time, which stays steady when other jobs share the cores. Everything is written to
``benchmarks/results/which_optimizer.json`` with the settings, the versions and the machine; the
notebook reads that file and computes its tables from the stored per-run numbers.
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse  # noqa: E402
import importlib.metadata  # noqa: E402
import multiprocessing  # noqa: E402
import platform  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

from lecture_lib.data import load_mnist  # noqa: E402
from lecture_lib.study import (  # noqa: E402
    METHODS,
    NETWORK,
    Run,
    Study,
    adam_l2,
    adamw,
    fit,
    make_network,
    select_lr,
    train_run,
    validation_split,
)
from lecture_lib.verdicts import format_rows, recommend  # noqa: E402

OUT = Path(__file__).resolve().parent / "results" / "which_optimizer.json"
FULL = {
    "epochs": 30,
    "batch_size": 100,
    "n_val": 1000,
    "split_seed": 0,
    "lr_grid": [float(f"{10.0**e:.6g}") for e in np.arange(-4.0, 0.01, 0.5)],
    "selection_seeds": [100, 101],
    "final_seeds": [0, 1, 2, 3, 4],
    "decay_grid": [1e-4, 1e-3, 1e-2, 1e-1, 1.0],
    "timing_rounds": 30,
}
QUICK = FULL | {
    "epochs": 4,
    "lr_grid": [1e-4, 1e-3, 1e-2, 1e-1],
    "selection_seeds": [100],
    "final_seeds": [0, 1],
    "decay_grid": [1e-3, 1e-1],
    "timing_rounds": 3,
}
DECAY = {"Adam+L2": adam_l2, "AdamW": adamw}

_SPLIT = None  # each worker's copy of the data split


def _init_worker(n_val: int, split_seed: int) -> None:
    global _SPLIT
    _SPLIT = validation_split(load_mnist(), n_val=n_val, seed=split_seed)


def _method(kind: str, name: str, decay: float | None):
    return METHODS[name] if kind == "main" else DECAY[name](decay)


def _job(job: tuple) -> tuple:
    kind, name, decay, lr, seed, epochs, batch_size, test = job
    run = train_run(
        _method(kind, name, decay), lr, seed, _SPLIT, epochs, batch_size=batch_size, test=test
    )
    return job, run.to_dict()


def _run_all(pool, jobs: list[tuple]) -> dict[tuple, Run]:
    out = {}
    for k, (job, run) in enumerate(pool.imap_unordered(_job, jobs), start=1):
        out[job] = Run.from_dict(run)
        print(f"\r  {k}/{len(jobs)} runs", end="", flush=True)
    print()
    return out


def _jobs(kind, name, lrs_or_decays, seeds, s, test, lr=None):
    """Jobs for one method: over lrs (main) or over decay coefficients (decay, at ``lr``)."""
    if kind == "main":
        return [
            (kind, name, None, x, seed, s["epochs"], s["batch_size"], test)
            for x in lrs_or_decays
            for seed in seeds
        ]
    return [
        (kind, name, d, lr, seed, s["epochs"], s["batch_size"], test)
        for d in lrs_or_decays
        for seed in seeds
    ]


def _choose(runs_by_value: dict) -> float:
    """The value (lr or decay) whose runs have the best mean validation accuracy over seeds."""
    values = list(runs_by_value)
    scores = [[r.val_acc for r in runs] for runs in runs_by_value.values()]
    losses = [[r.val_loss for r in runs] for runs in runs_by_value.values()]
    return values[select_lr(values, scores, losses)]


def study_runs(s: dict, workers: int) -> dict:
    """Phases 1-3 on a pool of ``workers`` processes."""
    lr_methods = [n for n, m in METHODS.items() if not m.lr_free]
    free = [n for n, m in METHODS.items() if m.lr_free]
    seeds, finals = s["selection_seeds"], s["final_seeds"]
    ctx = multiprocessing.get_context("fork" if sys.platform != "win32" else "spawn")
    with ctx.Pool(workers, _init_worker, (s["n_val"], s["split_seed"])) as pool:
        print("phase 1: lr grid on the validation set (and the lr-free methods' final runs)")
        grid = {n: _jobs("main", n, s["lr_grid"], seeds, s, False) for n in lr_methods}
        free_jobs = {n: _jobs("main", n, [None], finals, s, True) for n in free}
        done = _run_all(pool, [j for js in (*grid.values(), *free_jobs.values()) for j in js])
        selection = {n: [done[j] for j in grid[n]] for n in lr_methods}
        chosen = {
            n: _choose({lr: [done[j] for j in grid[n] if j[3] == lr] for lr in s["lr_grid"]})
            for n in lr_methods
        } | {n: None for n in free}
        adam_lr = chosen["Adam"]

        print("phase 2: final runs at the chosen lrs; decay coefficient grid at Adam's lr")
        final_jobs = {n: _jobs("main", n, [chosen[n]], finals, s, True) for n in lr_methods}
        decay_jobs = {
            n: _jobs("decay", n, s["decay_grid"], seeds, s, False, adam_lr) for n in DECAY
        }
        done |= _run_all(
            pool, [j for js in (*final_jobs.values(), *decay_jobs.values()) for j in js]
        )
        decay_sel = {
            (n, d): [done[j] for j in decay_jobs[n] if j[2] == d]
            for n in DECAY
            for d in s["decay_grid"]
        }
        decay_chosen = {n: _choose({d: decay_sel[n, d] for d in s["decay_grid"]}) for n in DECAY}

        print("phase 3: final runs of Adam + L2 and AdamW at their chosen decay")
        jobs3 = {n: _jobs("decay", n, [decay_chosen[n]], finals, s, True, adam_lr) for n in DECAY}
        done |= _run_all(pool, [j for js in jobs3.values() for j in js])
    final = {n: [done[j] for j in (final_jobs | free_jobs)[n]] for n in METHODS}
    decay = {
        "lr": adam_lr,
        "grid": s["decay_grid"],
        "chosen": decay_chosen,
        "selection": {f"{n} {d:g}": runs for (n, d), runs in decay_sel.items()},
        "final": {n: [done[j] for j in jobs3[n]] for n in DECAY},
    }
    return {"chosen_lr": chosen, "selection": selection, "final": final, "decay": decay}


def decay_anatomy(s: dict, split, lr: float, chosen: dict) -> dict:
    """Where each kind of decay acts, after one run with the first final seed (Adam, Adam + L2,
    AdamW): the decay coefficient of each weight in the step, the final sum of W^2, and the
    first-layer weights of the pixels that are 0 in every training image (their only gradient
    is the decay's)."""
    seed, out = s["final_seeds"][0], {}
    blank = split.train[0].reshape(len(split.train[1]), -1).max(axis=0) == 0
    runs = {"Adam": METHODS["Adam"]} | {n: DECAY[n](chosen[n]) for n in DECAY}
    for name, method in runs.items():
        _, net, opt = fit(method, lr, seed, split, s["epochs"], batch_size=s["batch_size"])
        weights = [k for k in net.params if k.startswith("W")]
        entry = {
            "sum_w2": float(sum(np.sum(net.params[k] ** 2) for k in weights)),
            "blank_pixels": int(blank.sum()),
            "sum_w2_blank_start": float(np.sum(make_network(seed).params["W1"][blank] ** 2)),
            "sum_w2_blank_end": float(np.sum(net.params["W1"][blank] ** 2)),
        }
        if name == "Adam+L2":  # the L2 gradient lambda*W is divided by sqrt(v_hat) + eps
            rate = np.concatenate(
                [method.weight_decay * opt.diagnostics(k)["step_size"].ravel() for k in weights]
            )
            entry["rate_percentiles"] = {str(q): float(np.percentile(rate, q)) for q in (1, 50, 99)}
        elif name == "AdamW":  # the same rate lr * lambda for every weight
            entry["rate"] = lr * chosen[name]
        out[name] = entry
    return out


def _epoch_steps(method, lr, split, s):
    """Two closures on fresh networks: one epoch of training updates (forward, backward, update;
    no evaluation), and one epoch's worth of optimizer updates alone with a fixed gradient. They
    use separate networks, so that the second never disturbs the first."""
    per_epoch = len(split.train[1]) // s["batch_size"]
    x, t = split.train
    batches = np.arange(per_epoch * s["batch_size"]).reshape(per_epoch, -1)
    net, other = make_network(0, method.weight_decay), make_network(1, method.weight_decay)
    opt, opt_alone = (method.optimizer(lr, per_epoch * s["epochs"]) for _ in range(2))
    _, grads = other.loss_and_gradient(x[batches[0]], t[batches[0]])
    frozen = {k: g.copy() for k, g in grads.items()}

    def epoch():
        for b in batches:
            _, g = net.loss_and_gradient(x[b], t[b])
            opt.update(net.params, g)

    def updates():
        for _ in batches:
            opt_alone.update(other.params, frozen)

    return epoch, updates, per_epoch


def timing(s: dict, split, chosen: dict, decay: dict) -> dict:
    """Seconds per epoch of updates and per update alone, by the wall clock and by this process's
    CPU time: fastest and median of interleaved rounds (every method once per round, so that
    background load hits all of them alike)."""
    methods = dict(METHODS) | {"Adam+L2": adam_l2(decay["chosen"]["Adam+L2"])}
    lrs = chosen | {"Adam+L2": decay["lr"]}
    closures = {n: _epoch_steps(m, lrs[n], split, s) for n, m in methods.items()}
    clocks = {"": time.perf_counter, "_cpu": time.process_time}  # wall clock; this process's CPU
    times = {(k, c): {n: [] for n in methods} for k in ("epoch", "update") for c in clocks}
    for ep, up, _ in closures.values():  # warm-up
        ep()
        up()
    for _ in range(s["timing_rounds"]):
        for n, (ep, up, per_epoch) in closures.items():
            t0 = {c: clock() for c, clock in clocks.items()}
            ep()
            t1 = {c: clock() for c, clock in clocks.items()}
            up()
            for c, clock in clocks.items():
                times["epoch", c][n].append(t1[c] - t0[c])
                times["update", c][n].append((clock() - t1[c]) / per_epoch)
    out = {}
    for (kind, c), by_name in times.items():
        # the fastest round: on a shared machine the steadier estimate of the cost itself
        out[f"{kind}{c}_seconds"] = {n: min(v) for n, v in by_name.items()}
        out[f"{kind}{c}_seconds_median"] = {n: statistics.median(v) for n, v in by_name.items()}
    return out | {
        "rounds": s["timing_rounds"],
        "stacked_seeds": stacked_matmul(len(s["final_seeds"])),
    }


def stacked_matmul(n_seeds: int, repeats: int = 200) -> dict:
    """First layer of n_seeds networks: one batched matmul against n_seeds separate ones."""
    rng = np.random.default_rng(0)
    x = rng.random((n_seeds, 100, 784))
    w = rng.random((n_seeds, 784, 100))
    best = {}
    for name, fn in (
        ("separate", lambda: [x[i] @ w[i] for i in range(n_seeds)]),
        ("stacked", lambda: np.matmul(x, w)),
    ):
        times = []
        for _ in range(5):
            start = time.perf_counter()
            for _ in range(repeats):
                fn()
            times.append((time.perf_counter() - start) / repeats)
        best[name] = min(times)
    return {
        "n_seeds": n_seeds,
        "separate_seconds": best["separate"],
        "stacked_seconds": best["stacked"],
        "stacked_over_separate": best["stacked"] / best["separate"],
    }


def environment(workers: int) -> dict:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    blas = np.show_config(mode="dicts").get("Build Dependencies", {}).get("blas", {})
    return {
        "python": platform.python_version(),
        "numpy": np.__version__,
        "lecture_lib": importlib.metadata.version("lecture-lib"),
        "blas": f"{blas.get('name', '?')} {blas.get('version', '')}".strip(),
        "blas_threads": os.environ["OPENBLAS_NUM_THREADS"],
        "platform": platform.platform(),
        "cpu": cpu,
        "cpu_count": os.cpu_count(),
        "workers": workers,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="tiny settings, for a smoke test")
    parser.add_argument("--workers", type=int, default=2, help="processes for the runs")
    parser.add_argument("--out", type=Path, default=OUT, help=f"output JSON (default {OUT})")
    parser.add_argument(
        "--in-process-only",
        action="store_true",
        help="redo only the decay anatomy and the timing (steps 5-6) and update --out in place",
    )
    args = parser.parse_args()
    if args.in_process_only:
        study = Study.load(args.out)
        s = study.settings
        s["timing_rounds"] = FULL["timing_rounds"]
        split = validation_split(load_mnist(), n_val=s["n_val"], seed=s["split_seed"])
        study.decay["anatomy"] = decay_anatomy(s, split, study.decay["lr"], study.decay["chosen"])
        study.timing = timing(s, split, study.chosen_lr, study.decay)
        study.timing["measured_after_the_runs"] = True
        study.environment = environment(study.environment["workers"])
        study.save(args.out)
        print(f"updated the decay anatomy and the timing in {args.out}")
        return
    s = dict(QUICK if args.quick else FULL)
    s["network"] = NETWORK
    start = time.perf_counter()
    parts = study_runs(s, args.workers)
    split = validation_split(load_mnist(), n_val=s["n_val"], seed=s["split_seed"])
    s["n_train"], s["n_val"], s["n_test"] = (
        len(split.train[1]),
        len(split.val[1]),
        len(split.test[1]),
    )
    print("phase 4: decay anatomy and timing (in this process, the pool closed)")
    parts["decay"]["anatomy"] = decay_anatomy(
        s, split, parts["decay"]["lr"], parts["decay"]["chosen"]
    )
    parts["timing"] = timing(s, split, parts["chosen_lr"], parts["decay"])
    study = Study(
        settings=s,
        environment=environment(args.workers),
        test_labels=split.test[1].astype(np.uint8),
        runtime_seconds=round(time.perf_counter() - start, 1),
        **parts,
    )
    study.save(args.out)
    print(f"wrote {args.out} after {study.runtime_seconds:.0f} s\n")
    print(format_rows(recommend(study)))


if __name__ == "__main__":
    main()
