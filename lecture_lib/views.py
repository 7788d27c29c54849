"""What each explorer draws: a fixed layout of artists (:mod:`lecture_lib.artists`) on a
:class:`~lecture_lib.explorer.BlitFigure`, given fresh data on every slider move.

- :class:`PathsView`: runs on a 2-D surface. Left, the contour with each path; right, the loss gap
  f(θ_t) − f* against the step on a log scale, with the quadratic theory's prediction dashed
  (loss of a surface without a known minimum: linear scale, no prediction).
- :class:`CurveView`: runs on a 1-D curve, and x_t against t.
- :class:`MinibatchView`: minibatch loss and full-data loss against the step;
- :class:`LabelList`: a comparison's legend, whose texts change with the sliders
  ("SGD (lr 0.95)").

Each panel's static part (axes, ticks, contour) is cached by the figure under a key made of what
it shows; the views choose axis limits that change rarely (loss axes in whole decades, four at a
time at the bottom; x-ranges in 1-2-5 multiples of the plot bounds) so that a slider move usually
redraws only the data.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import RendererAgg
from matplotlib.colors import to_rgba
from matplotlib.font_manager import FontProperties
from matplotlib.path import Path
from matplotlib.ticker import MaxNLocator
from matplotlib.transforms import Affine2D, IdentityTransform

from lecture_lib.artists import (
    CurveLine,
    Note,
    PathArtist,
    StepLine,
    SurfaceContour,
    divergence_text,
    log_limits,
    loss_gap,
    nice_ceiling,
    predicted_gap,
)
from lecture_lib.explorer import BlitFigure

__all__ = ["CurveView", "LabelList", "MinibatchView", "PathsView", "Runs"]

GAP_LABEL = r"loss gap $f(\theta_t) - f^*$"


@dataclass
class Runs:
    """What a 2-D explorer computed: trajectories with their legend labels, the quadratic
    theory's rate per step for each (distance to the minimum; None where no theory applies) and
    a readout line for each (None for none)."""

    trajectories: list
    labels: list[str]
    rates: list[float | None]
    readouts: list[str | None]

    def summary(self) -> str:
        lines = [t.summary() for t in self.trajectories]
        return "\n".join(lines + [r for r in self.readouts if r is not None])


def _linear_limits(*series: np.ndarray) -> tuple[float, float]:
    data = np.concatenate([np.asarray(s, dtype=float).ravel() for s in series])
    data = data[np.isfinite(data)]
    if not data.size:
        return 0.0, 1.0
    ticks = MaxNLocator(5).tick_values(data.min(), data.max())
    return float(ticks[0]), float(ticks[-1])


class LabelList(Artist):
    """A legend in the lower-left corner of an axes: per entry a line in its colour and a text.

    ``update(labels)`` sets the texts. Each distinct text is rasterized once and pasted on later
    draws: matplotlib takes about a millisecond per text, which made an eight-run legend the
    most expensive part of an explorer's frame. Agg canvases only (the explorers' figures).
    """

    def __init__(self, ax: Axes, colors: Sequence[str], *, fontsize: float = 7) -> None:
        super().__init__()
        self.ax, self.colors, self.fontsize = ax, [to_rgba(c) for c in colors], fontsize
        self.labels = [""] * len(self.colors)
        self.set_figure(ax.figure)
        self._bitmaps: dict[tuple, np.ndarray] = {}

    def update(self, labels: Sequence[str]) -> None:
        self.labels = [str(label) for label in labels]

    def _bitmap(self, text: str, dpi: float) -> np.ndarray:
        """(h, w, 4) RGBA of ``text`` in black on transparent, rendered once per text."""
        key = (text, dpi)
        if key not in self._bitmaps:
            prop = FontProperties(size=self.fontsize)
            probe = RendererAgg(1, 1, dpi)
            w, h, descent = probe.get_text_width_height_descent(text or " ", prop, ismath=False)
            scratch = RendererAgg(math.ceil(w) + 2, math.ceil(h) + 2, dpi)
            gc = scratch.new_gc()
            gc.set_foreground("black")
            scratch.draw_text(gc, 1, math.ceil(h) + 1 - descent, text, prop, 0)
            self._bitmaps[key] = np.asarray(scratch.buffer_rgba())[::-1].copy()  # rows bottom up
        return self._bitmaps[key]

    def draw(self, renderer: Any) -> None:
        if not self.get_visible():
            return
        images = [self._bitmap(t, renderer.dpi) for t in self.labels]
        pad, handle = renderer.points_to_pixels(4), renderer.points_to_pixels(14)
        row = max(im.shape[0] for im in images) + pad / 2
        width = handle + 3 * pad + max(im.shape[1] for im in images)
        height = row * len(images) + pad
        x0, y0 = self.ax.bbox.x0 + pad, self.ax.bbox.y0 + pad
        gc = renderer.new_gc()
        gc.set_foreground("0.8")
        gc.set_linewidth(0.8)
        box = Affine2D().scale(width, height).translate(x0, y0)
        renderer.draw_path(gc, Path.unit_rectangle(), box, (1.0, 1.0, 1.0, 0.85))
        gc.set_linewidth(1.4)
        for i, (image, color) in enumerate(zip(images, self.colors, strict=True)):
            y = y0 + height - pad / 2 - row * (i + 1)
            mid = y + image.shape[0] / 2
            gc.set_foreground(color)
            segment = Path([[x0 + pad, mid], [x0 + pad + handle, mid]])
            renderer.draw_path(gc, segment, IdentityTransform())
            renderer.draw_image(gc, round(x0 + 2 * pad + handle), round(y), image)
        gc.restore()


class PathsView:
    """Contour + paths (left) and loss gap per step (right) for one or several runs."""

    def __init__(self, n_runs: int, *, legend: bool, figsize=(9.0, 3.7)) -> None:
        self.figure = BlitFigure(figsize)
        fig = self.figure.figure
        self.ax, self.ax_gap = fig.subplots(1, 2, gridspec_kw={"width_ratios": [1.25, 1]})
        fig.subplots_adjust(left=0.065, right=0.985, bottom=0.13, top=0.9, wspace=0.2)
        self.contour = SurfaceContour(self.ax, resolution=120)
        colors = [f"C{i % 10}" for i in range(n_runs)]
        self.several = n_runs > 1
        self.paths = [
            PathArtist(self.ax, c, markersize=2.5 if n_runs > 1 else 3.0, fontsize=8, row=i)
            for i, c in enumerate(colors)
        ]
        if self.several:  # the runs share their start: one black circle instead of n
            for path in self.paths:
                path.start.set_visible(False)
            self.paths[0].start.set_color("black")
            self.paths[0].start.set_visible(True)
        self.gaps = [StepLine(self.ax_gap, c, lw=1.4) for c in colors]
        self.predicted = [StepLine(self.ax_gap, c, style="--", lw=1.0, alpha=0.8) for c in colors]
        self.ax_gap.set_xlabel("step $t$")
        self.ax_gap.grid(alpha=0.3)
        self.legend = LabelList(self.ax_gap, colors) if legend else None
        self.gap_key: tuple = ()
        self._shown: list[tuple] = [()] * n_runs
        self.figure.add_panel(self.ax, lambda: self.contour.key)
        self.figure.add_panel(self.ax_gap, lambda: self.gap_key)
        for artist in (*self.paths, *self.gaps, *self.predicted):
            self.figure.add_dynamic(*artist.artists)
        if self.legend is not None:
            self.figure.add_dynamic(self.legend)

    def draw(self, runs: Runs, surface: Any, bounds: Sequence, steps: int) -> None:
        self.contour.update(surface, bounds)
        for path, traj in zip(self.paths, runs.trajectories, strict=True):
            path.prefix = f"{traj.optimizer}: " if self.several else ""
            path.update(traj)
        known = len(surface.minima) > 0
        values = [loss_gap(t) if known else np.asarray(t.losses) for t in runs.trajectories]
        predictions = [
            predicted_gap(t, r) for t, r in zip(runs.trajectories, runs.rates, strict=True)
        ]
        ylim = self._limits(values, known, any(p.size for p in predictions), steps)
        for i, traj in enumerate(runs.trajectories):
            shown = (traj, runs.rates[i], self.gap_key)
            last = self._shown[i]
            if not last or last[0] is not traj or last[1:] != shown[1:]:
                self._shown[i] = shown  # unchanged runs of a comparison keep their lines
                self.gaps[i].update(values[i], diverged=traj.diverged, log=known, ceiling=ylim[1])
                self.predicted[i].update(predictions[i], log=True)
        if self.legend is not None:
            self.legend.update(runs.labels)

    def _limits(self, values: list, known: bool, predicted: bool, steps: int) -> tuple:
        """Set the gap panel's limits (changed only when its cached picture must change)."""
        ax = self.ax_gap
        xlim = (0.0, float(max(steps, 1)))
        if known:  # a diverging run is followed up to 1e4 x the starting gap, then off the top
            cap = 1e4 * max((float(v[0]) for v in values if np.isfinite(v[0])), default=1.0)
            ylim = log_limits(*(np.minimum(v, cap) for v in values))
            title = GAP_LABEL + ("; dashed: theory" if predicted else "")
        else:
            ylim = _linear_limits(*values)
            title = r"loss $f(\theta_t)$ (no known minimum)"
        key = (xlim, ylim, known, title)
        if key != self.gap_key:
            ax.set_yscale("log" if known else "linear")
            ax.set_xlim(*xlim)
            ax.set_ylim(*ylim)
            ax.set_title(title, fontsize=9)
            self.gap_key = key
        return ylim


class CurveView:
    """A 1-D curve with the iterates on it (left) and x_t against t (right)."""

    def __init__(self, color: str = "C3", figsize=(8.4, 3.4)) -> None:
        self.figure = BlitFigure(figsize)
        fig = self.figure.figure
        self.ax_curve, self.ax_x = fig.subplots(1, 2, gridspec_kw={"width_ratios": [3, 2]})
        fig.subplots_adjust(left=0.08, right=0.98, bottom=0.15, top=0.88, wspace=0.3)
        self.curve = CurveLine(self.ax_curve, color="0.3")
        self.path = PathArtist(self.ax_curve, color, markersize=4)
        self.iterates = StepLine(self.ax_x, color, style="-o", lw=1.0)
        self.ax_curve.set_xlabel("$x$")
        self.ax_curve.set_ylabel("$f(x)$")
        self.ax_x.set_xlabel("step $t$")
        self.ax_x.set_ylabel("$x_t$")
        self.ax_x.grid(alpha=0.3)
        self.key: tuple = ()
        self.figure.add_panel(self.ax_curve, lambda: self.key)
        self.figure.add_panel(self.ax_x, lambda: self.key)
        self.figure.add_dynamic(*self.path.artists, *self.iterates.artists)

    def draw(self, trajectory: Any, surface: Any, steps: int) -> None:
        xs = np.asarray(trajectory.points, dtype=float)[:, 0]
        (lo, hi) = surface.bounds[0]
        centre, half = (lo + hi) / 2, (hi - lo) / 2
        half *= nice_ceiling(float(np.max(np.abs(xs - centre))) / half)
        key = (surface.name, centre - half, centre + half, max(steps, 1))
        if key != self.key:
            f_lo, f_hi = self.curve.update(surface, centre - half, centre + half)
            margin = 0.06 * (f_hi - f_lo or 1.0)
            self.ax_curve.set_ylim(f_lo - margin, f_hi + margin)
            self.ax_curve.set_title(surface.latex, fontsize=10)
            self.ax_x.set_xlim(0, key[3])
            self.ax_x.set_ylim(centre - half, centre + half)
            self.key = key
        self.path.update(trajectory)
        self.iterates.update(xs, diverged=trajectory.diverged)


class MinibatchView:
    """Minibatch loss per update (thin) and full-data loss per iterate (thick), log scale."""

    def __init__(self, figsize=(6.4, 3.5)) -> None:
        self.figure = BlitFigure(figsize)
        self.ax = self.figure.figure.add_subplot()
        self.figure.figure.subplots_adjust(left=0.12, right=0.97, bottom=0.14, top=0.9)
        self.batch = StepLine(self.ax, "C0", label="minibatch", lw=0.7, alpha=0.6)
        self.full = StepLine(self.ax, "C1", label="full data", lw=2.0)
        self.note = Note(self.ax)
        self.ax.set_yscale("log")
        self.ax.set_xlabel("step")
        self.ax.set_ylabel("loss")
        self.ax.set_title("Minibatch loss (thin) and full-data loss (thick)", fontsize=10)
        self.ax.grid(alpha=0.3)
        self.ax.legend(handles=[self.batch.line, self.full.line], fontsize=8, loc="upper right")
        self.key: tuple = ()
        self.figure.add_panel(self.ax, lambda: self.key)
        self.figure.add_dynamic(*self.batch.artists, *self.full.artists, self.note.artist)

    def draw(self, run: Any, steps: int) -> None:
        key = ((0.0, float(max(steps, 1))), log_limits(run.batch_losses, run.losses))
        if key != self.key:
            self.ax.set_xlim(*key[0])
            self.ax.set_ylim(*key[1])
            self.key = key
        self.batch.update(run.batch_losses, log=True)
        full = self.full.update(run.losses, diverged=run.diverged, log=True)
        shown = np.flatnonzero(np.isfinite(full))
        text = divergence_text(run) if shown.size else None
        at = (shown[-1], full[shown[-1]]) if text else None
        self.note.update(text, at, color="tab:red")
