"""Drawing once: small objects that own a few matplotlib artists and redraw them from data.

Each one is created on an Axes once, then given data with ``update(...)`` as often as needed:
the static ``plot_*`` functions (:mod:`lecture_lib.plots`) call it once, the explorers
(:mod:`lecture_lib.widgets`) on every slider move, the race (:mod:`lecture_lib.animation`) on every
frame. So a trajectory looks the same everywhere, and a slider move changes data, not artists.

- :class:`SurfaceContour`: contour lines of a 2-D surface, minima starred, cached per surface;
- :class:`CurveLine`: a 1-D function f(x) over an x-range;
- :class:`PathArtist`: one run on the picture: path, start, end, divergence or stall note;
- :class:`StepLine`: values against the step (a loss, a loss gap, an iterate, a prediction);
- :class:`Note`: one annotation with an arrow, hidden until it has text.

Nothing here runs an optimizer: surfaces are only evaluated on a grid to draw them.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from typing import Any

import numpy as np
from matplotlib.axes import Axes

from lecture_lib.theory import envelope

__all__ = [
    "ANNOTATION_STYLE",
    "STALL_TEXT",
    "CurveLine",
    "Note",
    "PathArtist",
    "StepLine",
    "SurfaceContour",
    "clip_to_axes",
    "contour_levels",
    "divergence_text",
    "log_limits",
    "loss_gap",
    "nice_ceiling",
    "place_annotation",
    "predicted_gap",
    "short_label",
    "stall_index",
    "stall_text",
    "surface_grid",
]

#: Text drawn next to a run whose gradient vanished, keyed by ``Trajectory.stall``.
STALL_TEXT = {
    "minimum": "stopped at a local minimum",
    "saddle": "stopped at a saddle point",
    "flat": "stopped at a flat inflection point",
    "maximum": "stopped at a maximum",
}

#: Keyword arguments of ``Axes.annotate`` for every note (divergence, stall, labels on curves).
ANNOTATION_STYLE = {
    "textcoords": "offset points",
    "bbox": {"boxstyle": "round,pad=0.25", "fc": "white", "ec": "0.6", "alpha": 0.9},
    # patchA=None: the arrow starts at the text's corner instead of being clipped against the box
    # (matplotlib's clipping costs more than drawing everything else of an explorer's frame)
    "arrowprops": {"arrowstyle": "->", "color": "0.3", "patchA": None},
    "annotation_clip": False,
}
_QUIET = {"over": "ignore", "invalid": "ignore", "divide": "ignore", "under": "ignore"}


# --------------------------------------------------------------------------- texts and places
def divergence_text(trajectory: Any) -> str | None:
    """``"diverged at step k"`` or None."""
    k = getattr(trajectory, "diverged_at", 0)
    return f"diverged at step {k}" if k else None


def stall_text(trajectory: Any) -> str | None:
    """``"stopped at a saddle point"`` etc., or None.

    A minimum gets text only when the runner found it to be a *local* one (``Trajectory.local``):
    reaching the global minimum is convergence, not a stall.
    """
    kind = getattr(trajectory, "stall", None)
    if kind is None or (kind == "minimum" and not getattr(trajectory, "local", False)):
        return None
    return STALL_TEXT.get(kind, f"stopped ({kind})")


def short_label(trajectory: Any) -> str:
    """Legend text with the learning rate: the default label ``SGD(lr=0.95)`` (the optimizer's
    repr) becomes ``SGD (lr 0.95)``, ``COCOB(alpha=100.0, eps=1e-08)`` becomes ``COCOB (no lr)``;
    a label the user chose stays as it is."""
    label = str(trajectory.label)
    name = getattr(trajectory, "optimizer", "")
    match = re.fullmatch(rf"{re.escape(name)}\((.*)\)", label) if name else None
    if match is None:
        return label
    lr = re.search(r"(?:^|, )lr=([^,]+)", match.group(1))
    return f"{name} (lr {lr.group(1)})" if lr else f"{name} (no lr)"


def stall_index(trajectory: Any) -> int:
    """Index of the iterate where the run stalled (its last iterate when unknown)."""
    n = len(trajectory.points)
    k = getattr(trajectory, "stall_at", None)
    return k if k is not None and 0 <= k < n else n - 1


def clip_to_axes(point: Sequence[float], ax: Axes) -> np.ndarray:
    """``point`` (x, y) moved inside the axes' current limits."""
    (x0, x1), (y0, y1) = sorted(ax.get_xlim()), sorted(ax.get_ylim())
    return np.array([np.clip(point[0], x0, x1), np.clip(point[1], y0, y1)])


def place_annotation(ann: Any, ax: Axes, xy: Sequence[float], row: int = 0) -> None:
    """Move an annotation to ``xy`` with its text on the side facing the middle of the axes;
    ``row`` stacks several notes near one point."""
    xy = (float(xy[0]), float(xy[1]))
    ann.xy = xy
    fx, fy = ax.transLimits.transform(ax.transScale.transform(xy))
    right, up = not fx >= 0.6, not fy >= 0.6  # NaN (a point off a log axis) counts as low-left
    dy = 12 + 16 * row
    ann.xyann = (12 if right else -12, dy if up else -dy)
    ann.set_horizontalalignment("left" if right else "right")
    ann.set_verticalalignment("bottom" if up else "top")


def surface_grid(surface: Any, resolution: int = 160, bounds: Sequence | None = None):
    """``(X, Y, Z)`` of a 2-D surface on ``bounds`` (default: its plot bounds), for contours."""
    (x0, x1), (y0, y1) = surface.bounds if bounds is None else bounds
    grid_x, grid_y = np.meshgrid(np.linspace(x0, x1, resolution), np.linspace(y0, y1, resolution))
    with np.errstate(**_QUIET):
        z = np.asarray(surface.value(np.stack([grid_x, grid_y], axis=-1)), dtype=float)
    return grid_x, grid_y, z


def contour_levels(z: np.ndarray, n: int = 25) -> np.ndarray:
    """Levels at quantiles of the values, so valleys (Rosenbrock) and bowls both look good."""
    finite = z[np.isfinite(z)]
    levels = np.unique(np.quantile(finite, np.linspace(0.0, 1.0, n + 2)[1:-1] ** 1.5))
    if levels.size < 2:
        levels = np.linspace(finite.min(), finite.max() + 1e-12, 3)
    return levels


def nice_ceiling(n: float) -> float:
    """The smallest of 1, 2, 5, 10, 20, 50, ... that is >= n (axis ends that rarely change)."""
    if n <= 1:
        return 1.0
    decade = 10.0 ** math.floor(math.log10(n))
    return next(m * decade for m in (1, 2, 5, 10) if m * decade >= n * (1 - 1e-12))


def log_limits(
    *series: np.ndarray, default: tuple[float, float] = (1e-3, 1.0), span: int = 4
) -> tuple[float, float]:
    """Limits for a log y axis around the positive finite values of ``series``: the top at the
    decade above the largest value, the bottom a multiple of ``span`` decades below it.

    Coarse on purpose: the limits, and with them the cached background of an explorer's panel,
    change only when the data cross a decade at the top or ``span`` decades at the bottom.
    """
    values = [np.asarray(s, dtype=float).ravel() for s in series]
    data = np.concatenate(values) if values else np.array([])
    with np.errstate(**_QUIET):
        data = data[np.isfinite(data) & (data > 0)]
    if not data.size:
        return default
    top = math.ceil(math.log10(data.max()))
    depth = max(1, math.ceil((top - math.log10(data.min())) / span))
    return 10.0 ** max(top - span * depth, -300), 10.0**top


def loss_gap(trajectory: Any) -> np.ndarray:
    """f(θ_t) − f* for every iterate (``losses`` minus the surface's minimum value)."""
    return np.asarray(trajectory.losses, dtype=float) - trajectory.minimum_value


def predicted_gap(trajectory: Any, rate: float | None) -> np.ndarray:
    """The loss gap the quadratic theory predicts: gap_0 · rate^(2t), t = 0..steps (the loss gap
    falls by the square of the distance's rate); empty when there is no rate or no gap."""
    gap0 = float(loss_gap(trajectory)[0])
    if rate is None or not gap0 > 0:
        return np.array([])
    return envelope(gap0, rate**2, trajectory.steps)


# --------------------------------------------------------------------------- artists
class Note:
    """One annotation (text in a box, arrow to a point), hidden while its text is None."""

    def __init__(self, ax: Axes, *, fontsize: float = 9) -> None:
        self.ax = ax
        self.artist = ax.annotate(
            "", xy=(0, 0), xytext=(12, 12), visible=False, fontsize=fontsize, **ANNOTATION_STYLE
        )

    def update(self, text: str | None, xy=None, *, color: str = "black", row: int = 0) -> None:
        self.artist.set_visible(text is not None)
        if text is not None:
            self.artist.set_text(text)
            self.artist.set_color(color)
            place_annotation(self.artist, self.ax, xy, row)


class SurfaceContour:
    """Contour lines of a 2-D surface with its known minima starred, axis labels and title.

    ``update(surface, bounds=None)`` draws the surface on ``bounds`` (default: its plot bounds)
    and returns True, or returns False at once when that surface and bounds are already drawn.
    Grids are cached (``grid=`` gives one: ``surface_grid(surface, ...)``), so switching back to
    a surface costs only the contour drawing.
    """

    def __init__(self, ax: Axes, *, levels: int = 25, resolution: int = 160) -> None:
        self.ax, self.levels, self.resolution = ax, levels, resolution
        self.key: tuple | None = None
        self._grids: dict[tuple, tuple] = {}
        self._artists: list = []

    def update(
        self, surface: Any, bounds: Sequence | None = None, grid: tuple | None = None
    ) -> bool:
        bounds = tuple(tuple(map(float, b)) for b in (surface.bounds if bounds is None else bounds))
        key = (surface.name, bounds)
        if key == self.key:
            return False
        for artist in self._artists:
            artist.remove()
        if grid is not None:
            self._grids[key] = grid
        elif key not in self._grids:
            self._grids[key] = surface_grid(surface, self.resolution, bounds)
        grid_x, grid_y, z = self._grids[key]
        ax = self.ax
        contour = ax.contour(
            grid_x, grid_y, z, levels=contour_levels(z, self.levels), cmap="viridis", linewidths=0.7
        )
        minima = np.asarray(surface.minima, dtype=float).reshape(-1, surface.dim)
        (stars,) = ax.plot(minima[:, 0], minima[:, 1], "*", color="0.2", ms=10, label="_minima")
        stars.set_zorder(3)
        self._artists, self.key = [contour, stars], key
        (x0, x1), (y0, y1) = bounds
        ax.set_xlim(x0, x1)
        ax.set_ylim(y0, y1)
        ax.set_xlabel("$x$")
        ax.set_ylabel("$y$")
        ax.set_title(f"{surface.title}: {surface.latex}", fontsize=10)
        return True


class CurveLine:
    """A 1-D function f(x) drawn over [lo, hi]; ``update(surface, lo, hi)`` also sets the x-limits
    and returns the curve's (min, max) of the finite values, for y-limits."""

    def __init__(self, ax: Axes, *, color: str = "0.25", label: str | None = None) -> None:
        self.ax = ax
        (self.line,) = ax.plot([], [], color=color, lw=1.5, label=label or "_curve")

    def update(self, surface: Any, lo: float, hi: float, points: int = 800) -> tuple:
        x = np.linspace(lo, hi, points)
        with np.errstate(**_QUIET):
            y = np.asarray(surface.value(x[:, None]), dtype=float)
        self.line.set_data(x, y)
        self.ax.set_xlim(lo, hi)
        finite = y[np.isfinite(y)]
        return (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)


def path_coordinates(trajectory: Any) -> np.ndarray:
    """(n + 1, 2) where a run is drawn: (x, y) on a 2-D surface, (x, f(x)) on a 1-D curve."""
    points = np.asarray(trajectory.points, dtype=float)
    if points.shape[1] == 2:
        return points
    return np.column_stack([points[:, 0], np.asarray(trajectory.losses, dtype=float)])


class PathArtist:
    """One run drawn on the picture: the path, its start (circle), its end and a note.

    The note says "diverged at step k" (red, at the last finite iterate, kept inside the axes) or
    why the run stopped ("stopped at a saddle point", at the stall point). On a 2-D surface the
    path is (x_t, y_t), on a 1-D one (x_t, f(x_t)). ``update(trajectory, upto=k)`` shows the
    first k updates only (the race animation); the note appears once the end is reached.
    ``prefix`` goes before the note's text (e.g. "SGD: " when several runs share the axes).
    """

    def __init__(
        self,
        ax: Axes,
        color: str = "C0",
        *,
        label: str | None = None,
        style: str = "-o",
        markersize: float = 3.0,
        lw: float = 1.2,
        end: str = "X",
        fontsize: float = 9,
        prefix: str = "",
        row: int = 0,
    ) -> None:
        self.ax, self.prefix, self.row = ax, prefix, row
        (self.line,) = ax.plot([], [], style, color=color, ms=markersize, lw=lw)
        self.line.set_label(label if label is not None else "_path")
        (self.start,) = ax.plot([], [], "o", color=color, mfc="white", ms=8, mew=1.5, zorder=4)
        end_style = {
            "mec": "black",
            "mew": 0.6 if end == "X" else 1.0,
            "ms": 9 if end == "X" else 6,
        }
        end_style["zorder"] = 5
        (self.end,) = ax.plot([], [], end, color=color, **end_style)
        self.start.set_label("_start")
        self.end.set_label("_end")
        self.note = Note(ax, fontsize=fontsize)
        self._last: Any = None  # the trajectory drawn last (kept: an id could be reused)
        self._shown: tuple = ()

    @property
    def artists(self) -> list:
        return [self.line, self.start, self.end, self.note.artist]

    def update(self, trajectory: Any, upto: int | None = None) -> None:
        shown = (upto, self.prefix, self.ax.get_xlim(), self.ax.get_ylim())
        if trajectory is self._last and shown == self._shown:
            return  # the same run as last time (an unchanged run of a comparison)
        self._last, self._shown = trajectory, shown
        xy = path_coordinates(trajectory)
        k = len(xy) - 1 if upto is None else min(int(upto), len(xy) - 1)
        self.line.set_data(xy[: k + 1, 0], xy[: k + 1, 1])
        self.start.set_data(xy[:1, 0], xy[:1, 1])
        self.end.set_data(xy[k : k + 1, 0], xy[k : k + 1, 1])
        text, at, color = None, None, "black"
        if k == len(xy) - 1:
            if divergence_text(trajectory) is not None:
                text, at, color = divergence_text(trajectory), xy[k], "tab:red"
            elif stall_text(trajectory) is not None:
                text, at = stall_text(trajectory), xy[stall_index(trajectory)]
        if text is not None:
            text, at = self.prefix + text, clip_to_axes(at, self.ax)
        self.note.update(text, at, color=color, row=self.row)


class StepLine:
    """Values against the step: a loss curve, a loss gap, an iterate, a predicted envelope.

    ``update(values, diverged=False, log=False)``: value t is drawn at step ``first + t``. With
    ``log=True`` values <= 0 are left out (a gap in the line), as are non-finite ones. A diverged
    run gets a cross at its last finite value (at ``ceiling`` if that is lower).
    """

    def __init__(
        self,
        ax: Axes,
        color: str = "C0",
        *,
        label: str | None = None,
        style: str = "-",
        lw: float = 1.3,
        alpha: float = 1.0,
        markersize: float = 3.0,
    ) -> None:
        (self.line,) = ax.plot([], [], style, color=color, lw=lw, alpha=alpha, ms=markersize)
        self.line.set_label(label if label is not None else "_steps")
        (self.cross,) = ax.plot([], [], "X", color="tab:red", ms=9, mec="black", mew=0.5)
        self.cross.set_label("_diverged")
        self.cross.set_zorder(5)

    @property
    def artists(self) -> list:
        return [self.line, self.cross]

    def update(
        self,
        values: Any,
        *,
        diverged: bool = False,
        log: bool = False,
        first: int = 0,
        ceiling: float = np.inf,
    ) -> np.ndarray:
        """Draw ``values``; returns the y data as drawn (NaN where left out). The divergence
        cross stays at or below ``ceiling`` (an axis top the line runs past)."""
        y = np.asarray(values, dtype=float)
        with np.errstate(**_QUIET):
            keep = np.isfinite(y) & (y > 0) if log else np.isfinite(y)
        y = np.where(keep, y, np.nan)
        t = first + np.arange(len(y))
        self.line.set_data(t, y)
        self.line.set_visible(len(y) > 0)
        last = np.flatnonzero(keep)
        crossed = diverged and last.size > 0
        if crossed:
            self.cross.set_data(t[last[-1:]], np.minimum(y[last[-1:]], ceiling))
        else:
            self.cross.set_data([], [])
        self.cross.set_visible(crossed)
        return y
