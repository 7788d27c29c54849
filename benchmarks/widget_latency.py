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

A second table takes every explorer the notebooks show (each cell whose last line builds one, as
written there), moves its first slider one step at a time as arrow keys would (right, then back
left) and prints the median time per move, split by the explorer's own ``timings`` into the
runner, drawing and PNG encoding (wall clock; a ``lecture_lib`` without ``timings`` prints the
totals only). CPU columns count this process's CPU time, less disturbed by a busy machine.

    python benchmarks/widget_latency.py [--moves 40] [--optimizer Adam] [--surface bowl]
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import re
import statistics
import time
from pathlib import Path

import ipywidgets as W
import matplotlib.pyplot as plt
import numpy as np

from lecture_lib.optimizers import OPTIMIZERS
from lecture_lib.runners import run
from lecture_lib.surfaces import get_surface
from lecture_lib.widgets import OptimizerExplorer

ROOT = Path(__file__).resolve().parents[1]
# A cell that shows an explorer: its last line builds one (``OptimizerExplorer("SGD", ...)``).
EXPLORER_CALL = re.compile(r"^\w*(Explorer|Playground|preset)\(")
IMPORTS = "from lecture_lib.optimizers import OPTIMIZERS\nfrom lecture_lib.widgets import *"


def explorer_cells(path: Path) -> list[str]:
    """The sources of the code cells of a notebook whose last line builds an explorer."""
    found = []
    for cell in json.loads(path.read_text(encoding="utf-8"))["cells"]:
        lines = [ln for ln in "".join(cell["source"]).splitlines() if ln.strip()]
        if cell["cell_type"] == "code" and lines and EXPLORER_CALL.match(lines[-1]):
            found.append("\n".join(lines))
    return found


def arrow_values(slider, presses: int) -> list:
    """The values ``presses`` arrow-key presses give: one step right each, then back left."""
    if hasattr(slider, "options"):
        options = list(slider.options)
        i = options.index(slider.value)
        i = min(i, len(options) - 1 - presses // 2)
        path = [*range(i + 1, i + presses // 2 + 1), *range(i + presses // 2 - 1, i - 1, -1)]
        return [options[k] for k in path[:presses]]
    right = [k for k in range(1, presses // 2 + 1)]
    path = right + right[-2::-1] + [0]
    if hasattr(slider, "base"):  # FloatLogSlider: steps of the exponent
        return [slider.value * slider.base ** (k * slider.step) for k in path[:presses]]
    return [slider.value + k * slider.step for k in path[:presses]]


def notebook_explorers(presses: int) -> list[str]:
    """One row per explorer of the notebooks: median ms per arrow-key move, and its split."""
    rows = []
    for path in sorted((ROOT / "notebooks").glob("*.ipynb")):
        for source in explorer_cells(path):
            namespace: dict = {}
            exec(IMPORTS, namespace)
            *body, last = source.splitlines()
            exec("\n".join(body), namespace)
            shown = eval(last, namespace)
            explorer = getattr(shown, "explorer", shown)
            slider = next(iter(explorer.sliders.values()))
            values = arrow_values(slider, presses)
            wall, cpu = (statistics.median(t) * 1e3 for t in time_moves(slider, values))
            assert explorer.error is None, (path.name, explorer.error)
            timings = list(getattr(explorer, "timings", []))[-len(values) :]
            split = "     -      -      -"
            if timings:
                split = " ".join(
                    f"{1e3 * statistics.median(getattr(t, k) for t in timings):6.1f}"
                    for k in ("run", "draw", "encode")
                )
            rows.append(f"{path.stem[:12]:<12} {last[:40]:<40} {wall:7.1f} {cpu:6.1f} {split}")
    return rows


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


def time_moves(slider, values) -> tuple[list[float], list[float]]:
    """Wall-clock and CPU seconds of each move (CPU time: this process only, so it is less
    disturbed by other load on a shared machine)."""
    wall, cpu = [], []
    for value in values:
        t0, c0 = time.perf_counter(), time.process_time()
        slider.value = value
        wall.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    return wall, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--moves", type=int, default=40, help="slider moves per version (>= 30)")
    parser.add_argument("--optimizer", default="Adam", choices=list(OPTIMIZERS))
    parser.add_argument("--surface", default="bowl")
    parser.add_argument("--steps", type=int, default=50)
    parser.add_argument("--presses", type=int, default=9, help="moves per notebook explorer")
    args = parser.parse_args()
    if args.moves < 30:
        parser.error(f"--moves must be >= 30, got {args.moves}")
    # distinct values, so that every move really changes the slider
    values = list(np.geomspace(0.01, 0.9, args.moves))

    explorer = OptimizerExplorer(args.optimizer, args.surface, steps=args.steps)
    time_moves(explorer.sliders["lr"], values[:3][::-1])  # warm-up
    fast, fast_cpu = time_moves(explorer.sliders["lr"], values)
    assert explorer.error is None, explorer.error

    # outside a kernel, interactive_output's clear_output writes terminal escapes: swallow them
    with contextlib.redirect_stdout(io.StringIO()):
        slider, _out, pngs = naive_explorer(args.optimizer, args.surface, args.steps)
        time_moves(slider, values[:3][::-1])
        naive, naive_cpu = time_moves(slider, values)
    assert len(pngs) >= len(values)

    times = {"fast": fast, "fast_cpu": fast_cpu, "naive": naive, "naive_cpu": naive_cpu}
    med = {k: statistics.median(v) * 1e3 for k, v in times.items()}
    print(f"widget latency in the kernel: {args.optimizer} on {args.surface}, {args.steps} steps,")
    print(f"median of {args.moves} lr-slider moves (compute + draw + PNG encoding)")
    print()
    print("| version                               | median (ms) | CPU (ms) | PNG bytes |")
    print("|---------------------------------------|------------:|---------:|----------:|")
    print(
        f"| naive interactive_output (re-created) | {med['naive']:11.1f} | "
        f"{med['naive_cpu']:8.1f} | {len(pngs[-1]):9d} |"
    )
    print(
        f"| OptimizerExplorer (persistent, blit)  | {med['fast']:11.1f} | "
        f"{med['fast_cpu']:8.1f} | {len(explorer.image.value):9d} |"
    )
    print()
    print(f"ratio explorer / naive = {med['fast'] / med['naive']:.2f}x (target <= 0.40x)")
    print()
    print(f"every explorer of the notebooks: median ms per arrow-key move ({args.presses} moves)")
    print(
        f"{'notebook':<12} {'explorer':<40} {'wall':>7} {'CPU':>6} {'run':>6} {'draw':>6} "
        f"{'encode':>6}"
    )
    for row in notebook_explorers(args.presses):
        print(row)


if __name__ == "__main__":
    main()
