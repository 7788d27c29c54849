"""A race of several optimizers on one surface, as a matplotlib animation or a GIF for slides.

Data in (trajectories from ``runners.run_many``), animation out; nothing here runs an optimizer.
The figure is a ``matplotlib.figure.Figure`` (never registered with pyplot), so a notebook shows
the animation only where you ask for it: ``race_html(anim)`` embeds it as self-contained
JavaScript/HTML (frames as base64 PNG, nothing loaded from the internet).

GIFs are deterministic: the same trajectories give the same frames and the same bytes.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
from matplotlib.animation import FuncAnimation, PillowWriter
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from lecture_lib.artists import PathArtist, SurfaceContour, short_label
from lecture_lib.plots import as_list, resolve_surface
from lecture_lib.surfaces import Surface

__all__ = ["race_animation", "race_html", "save_gif"]


def _frame_indices(n_points: int, max_frames: int | None) -> np.ndarray:
    if max_frames is None or n_points <= max_frames:
        return np.arange(n_points)
    return np.unique(np.round(np.linspace(0, n_points - 1, max_frames)).astype(int))


def race_animation(
    trajectories: Any,
    surface: Surface | str | None = None,
    *,
    interval: int = 80,
    max_frames: int | None = 60,
    figsize: tuple[float, float] = (4.8, 3.8),
    dpi: int = 80,
    title: str | None = None,
) -> FuncAnimation:
    """A FuncAnimation of the trajectories moving together on the surface's contour plot.

    Frame ``i`` shows every path up to step ``k_i`` (``max_frames`` evenly spaced steps; a path
    that ended earlier, e.g. diverged, stays at its last point and gets its note). Each path is a
    :class:`~lecture_lib.artists.PathArtist`, as in ``plot_trajectories`` and the explorers; the
    legend shows each optimizer with its learning rate (``SGD (lr 0.95)``, :func:`short_label`).
    """
    trajs = as_list(trajectories)
    if not trajs:
        raise ValueError("trajectories must hold at least one trajectory")
    surface = resolve_surface(surface, trajs)
    if surface.dim != 2:
        raise ValueError(f"race_animation needs a 2-D surface, got dim={surface.dim}")
    fig = Figure(figsize=figsize, dpi=dpi)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    fig.subplots_adjust(left=0.12, right=0.97, bottom=0.12, top=0.9)
    SurfaceContour(ax, resolution=120).update(surface)
    ax.set_title(title or surface.title, fontsize=9)
    look = {"style": "-", "lw": 1.4, "end": "o", "fontsize": 7}
    paths = [
        PathArtist(ax, f"C{i % 10}", label=short_label(t), prefix=f"{t.optimizer}: ", row=i, **look)
        for i, t in enumerate(trajs)
    ]
    ax.legend(handles=[p.line for p in paths], loc="upper right", fontsize=7)
    for path in paths:  # one shared start marker instead (fewer colours: a smaller GIF)
        path.start.set_visible(False)
    start = np.asarray(trajs[0].points, dtype=float)[0]
    ax.plot(*start, "o", color="black", mfc="white", ms=7, zorder=4)
    step_text = ax.text(0.02, 0.95, "", transform=ax.transAxes, fontsize=8, va="top")
    n_points = max(len(t.points) for t in trajs)
    frames = _frame_indices(n_points, max_frames)

    def draw(k: int) -> list:
        for path, traj in zip(paths, trajs, strict=True):
            path.update(traj, upto=k)
        step_text.set_text(f"step {k}")
        return [a for p in paths for a in p.artists] + [step_text]

    return FuncAnimation(fig, draw, frames=[int(k) for k in frames], interval=interval, blit=False)


def save_gif(animation: Any, path: str | Path, *, fps: int = 12, **race_kwargs: Any) -> Path:
    """Write an animation (or, given trajectories, their :func:`race_animation`) as a GIF.

    Uses matplotlib's Pillow writer; returns the path. Same input -> same bytes.
    """
    if not (isinstance(fps, int) and 1 <= fps <= 60):
        raise ValueError(f"fps must be an int in 1..60, got {fps!r}")
    if not isinstance(animation, FuncAnimation):
        animation = race_animation(animation, **race_kwargs)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    animation.save(path, writer=PillowWriter(fps=fps))
    return path


def race_html(animation: FuncAnimation):
    """The animation as self-contained HTML/JavaScript for a notebook cell (offline)."""
    from IPython.display import HTML

    return HTML(animation.to_jshtml(default_mode="once"))
