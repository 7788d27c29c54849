"""Regenerate every image in ``img/``: ``python tools/make_figures.py`` (or ``make figures``).

    python tools/make_figures.py                     # all figures into img/
    python tools/make_figures.py --out /tmp/img      # somewhere else
    python tools/make_figures.py --only race sgd_explicit
    python tools/make_figures.py --list

A repository chore, not part of the installed package: it imports ``lecture_lib`` from the
project's environment (``make figures`` / ``python tasks.py figures`` use ``.venv``).

Deterministic: fixed seeds and start points, PNGs saved without the "Software" metadata entry and
GIF frames fixed, so two runs write identical bytes (a test checks this). Each figure is a small
function: runner(s) first, then plot functions from :mod:`lecture_lib.plots`.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

import matplotlib
import numpy as np

from lecture_lib import plots
from lecture_lib.animation import race_animation, save_gif
from lecture_lib.optimizers import SGD, Adagrad, Adam, Momentum
from lecture_lib.runners import minibatch_run, run, run_many
from lecture_lib.surfaces import get_surface

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_OUT = ROOT / "img"
PNG_DPI = 100


def _save_png(fig, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=PNG_DPI, metadata={"Software": None})


# ------------------------------------------------------------------------- figures
def sgd_explicit(path: Path) -> None:
    """Where plain SGD stops: a local minimum, a saddle point, a flat inflection point."""
    trap, saddle = get_surface("trap1d"), get_surface("saddle")
    local = run(SGD(lr=0.1), trap, start=np.array([-0.5]), steps=300)
    flat = run(SGD(lr=0.3), trap, start=np.array([0.5]), steps=300)
    ridge = run(SGD(lr=0.1), saddle, start=np.array([-1.5, 0.0]), steps=300)
    fig, axes = plots.new_figure((13.5, 4.0), 1, 3)
    plots.plot_curve_1d(trap, [local], ax=axes[0], title="Local minimum", legend=False)
    plots.plot_trajectories([ridge], saddle, ax=axes[1], title="Saddle point", legend=False)
    plots.plot_curve_1d(trap, [flat], ax=axes[2], title="Flat inflection point", legend=False)
    fig.suptitle(r"Plain SGD stops wherever $\nabla f = 0$", fontsize=11)
    _save_png(fig, path)


def bad_learning_rate(path: Path) -> None:
    """10·sinc(x) from x0 = 2.0 with a too-large learning rate: oscillation instead of descent."""
    sinc = get_surface("sinc")
    runs = [run(SGD(lr=lr), sinc, start=np.array([2.0]), steps=40) for lr in SINC_LRS]
    fig, axes = plots.new_figure((11.0, 4.0), 1, 2, gridspec_kw={"width_ratios": [3, 2]})
    plots.plot_curve_1d(sinc, runs, ax=axes[0], title=r"$10\,\mathrm{sinc}(x)$ from $x_0 = 2$")
    plots.plot_iterates(runs, ax=axes[1], title="A small lr settles; larger ones cycle or wander")
    _save_png(fig, path)


#: SGD learning rates on 10·sinc(x) from 2.0: settles in the nearby minimum, 2-cycle, chaos.
SINC_LRS = (0.05, 0.3, 1.0)


def minibatch_fluctuation(path: Path) -> None:
    """Minibatch loss against step for three batch sizes: small batches fluctuate more."""
    runs = [minibatch_run(batch_size=b, steps=300, lr=0.1, seed=0) for b in (1, 16, 256)]
    fig = plots.plot_minibatch(runs, log=False, title="Minibatch loss fluctuation and batch size")
    fig.axes[0].set_ylim(0.0, 1.0)
    _save_png(fig, path)


def optimizers_bowl(path: Path) -> None:
    """Four optimizers on the anisotropic bowl x²/20 + y² (the textbook's comparison)."""
    opts = [SGD(lr=0.95), Momentum(lr=0.1), Adagrad(lr=1.5), Adam(lr=0.3)]
    trajs = run_many(opts, get_surface("bowl"), steps=30)
    _save_png(plots.plot_trajectories(trajs), path)


def race(path: Path) -> None:
    """README animation: four optimizers racing on the bowl (small GIF, a few seconds)."""
    opts = [SGD(lr=0.95), Momentum(lr=0.1), Adagrad(lr=1.5), Adam(lr=0.3)]
    trajs = run_many(opts, get_surface("bowl"), steps=40)
    anim = race_animation(trajs, max_frames=41, title="Optimizers racing on $x^2/20 + y^2$")
    save_gif(anim, path, fps=10)


#: name -> (path relative to the output folder, function writing it)
FIGURES: dict[str, tuple[str, Callable[[Path], None]]] = {
    "sgd_explicit": ("week_5/sgd_explicit.png", sgd_explicit),
    "bad_learning_rate": ("week_5/bad_learning_rate.png", bad_learning_rate),
    "minibatch_fluctuation": ("week_5/minibatch_fluctuation.png", minibatch_fluctuation),
    "optimizers_bowl": ("week_5/optimizers_bowl.png", optimizers_bowl),
    "race": ("race.gif", race),
}


def generate(out: Path | str = DEFAULT_OUT, only: Sequence[str] | None = None) -> list[Path]:
    """Write the chosen figures (all by default) under ``out``; returns the paths written."""
    names = list(FIGURES) if not only else list(only)
    unknown = [n for n in names if n not in FIGURES]
    if unknown:
        raise ValueError(f"unknown figures {unknown}; valid: {list(FIGURES)}")
    out = Path(out)
    written = []
    for name in names:
        rel, make = FIGURES[name]
        path = out / rel
        make(path)
        written.append(path)
    return written


def main(argv: Sequence[str] | None = None) -> int:
    matplotlib.use("Agg")
    parser = argparse.ArgumentParser(prog="python tools/make_figures.py", description=__doc__)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="output folder (img/)")
    parser.add_argument("--only", nargs="+", metavar="NAME", help=f"subset of {list(FIGURES)}")
    parser.add_argument("--list", action="store_true", help="list the figures and exit")
    args = parser.parse_args(argv)
    if args.list:
        for name, (rel, make) in FIGURES.items():
            print(f"{name:24s} {rel:34s} {(make.__doc__ or '').splitlines()[0]}")
        return 0
    try:
        paths = generate(args.out, args.only)
    except ValueError as exc:
        parser.error(str(exc))
    for path in paths:
        print(f"wrote {path} ({path.stat().st_size / 1024:.0f} KiB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
