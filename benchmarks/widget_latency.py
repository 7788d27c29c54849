"""Kernel-side latency of one slider move: the lecture's explorer against a naive one.

Both versions run the same runner on the same surface and produce the PNG bytes that would be
sent to the browser:

- ``explorer``: ``lecture_lib.widgets.OptimizerExplorer`` (persistent Agg figure, contour cached
  once per surface, set_data + blit, PNG encoding).
- ``naive``: ``ipywidgets.interactive_output`` whose function re-creates the pyplot figure on
  every move, as the inline backend would render it: new figure, contour + path, ``savefig`` to
  PNG, close.

Each is driven by setting the lr slider's ``value`` (the same code path a browser message takes)
and timed until the callback returns; the table gives the median of N moves (default 40) and the
ratio explorer/naive (target <= 0.4).

    python benchmarks/widget_latency.py [--moves 40] [--optimizer Adam] [--surface bowl]
"""

from __future__ import annotations

import argparse
import contextlib
import io
import statistics
import time

import ipywidgets as W
import matplotlib.pyplot as plt
import numpy as np

from lecture_lib.optimizers import OPTIMIZERS
from lecture_lib.runners import run
from lecture_lib.surfaces import get_surface
from lecture_lib.widgets import OptimizerExplorer


def naive_explorer(optimizer: str, surface_name: str, steps: int):
    """The usual notebook version: interactive_output with a plotting function."""
    surface = get_surface(surface_name)
    cls = OPTIMIZERS[optimizer]
    lr = W.FloatLogSlider(value=0.1, base=10, min=-4, max=1, step=0.05)
    pngs: list[bytes] = []

    def show(lr):
        traj = run(cls(lr=lr), surface, steps=steps)
        fig, ax = plt.subplots(figsize=(5.6, 4.2), dpi=96)
        (x0, x1), (y0, y1) = surface.bounds
        xs, ys = np.meshgrid(np.linspace(x0, x1, 120), np.linspace(y0, y1, 120))
        z = surface.value(np.stack([xs, ys], axis=-1))
        ax.contour(xs, ys, z, levels=25, cmap="viridis", linewidths=0.7)
        ax.plot(traj.points[:, 0], traj.points[:, 1], "-o", ms=3)
        ax.set_xlim(x0, x1)
        ax.set_ylim(y0, y1)
        ax.set_title(traj.summary(), fontsize=8)
        buf = io.BytesIO()
        fig.savefig(buf, format="png")
        plt.close(fig)
        pngs.append(buf.getvalue())

    out = W.interactive_output(show, {"lr": lr})
    return lr, out, pngs


def time_moves(slider, values) -> list[float]:
    times = []
    for value in values:
        t0 = time.perf_counter()
        slider.value = value
        times.append(time.perf_counter() - t0)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--moves", type=int, default=40, help="slider moves per version (>= 30)")
    parser.add_argument("--optimizer", default="Adam", choices=list(OPTIMIZERS))
    parser.add_argument("--surface", default="bowl")
    parser.add_argument("--steps", type=int, default=50)
    args = parser.parse_args()
    if args.moves < 30:
        parser.error(f"--moves must be >= 30, got {args.moves}")
    # distinct values, so that every move really changes the slider
    values = list(np.geomspace(0.01, 0.9, args.moves))

    explorer = OptimizerExplorer(args.optimizer, args.surface, steps=args.steps)
    time_moves(explorer.sliders["lr"], values[:3][::-1])  # warm-up
    fast = time_moves(explorer.sliders["lr"], values)
    assert explorer.error is None, explorer.error

    # outside a kernel, interactive_output's clear_output writes terminal escapes: swallow them
    with contextlib.redirect_stdout(io.StringIO()):
        slider, _out, pngs = naive_explorer(args.optimizer, args.surface, args.steps)
        time_moves(slider, values[:3][::-1])
        naive = time_moves(slider, values)
    assert len(pngs) >= len(values)

    med_fast = statistics.median(fast) * 1e3
    med_naive = statistics.median(naive) * 1e3
    print(f"widget latency in the kernel: {args.optimizer} on {args.surface}, {args.steps} steps,")
    print(f"median of {args.moves} lr-slider moves (compute + draw + PNG encoding)")
    print()
    print("| version                               | median (ms) | PNG bytes |")
    print("|---------------------------------------|------------:|----------:|")
    print(f"| naive interactive_output (re-created) | {med_naive:11.1f} | {len(pngs[-1]):9d} |")
    print(
        f"| OptimizerExplorer (persistent, blit)  | {med_fast:11.1f} | "
        f"{len(explorer.image.value):9d} |"
    )
    print()
    print(f"ratio explorer / naive = {med_fast / med_naive:.2f}x (target <= 0.40x)")


if __name__ == "__main__":
    main()
