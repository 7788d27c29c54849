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

from lecture_lib import plots

__all__ = ["race_animation", "race_html", "save_gif"]


def _frame_indices(n_points: int, max_frames: int | None) -> np.ndarray:
    if max_frames is None or n_points <= max_frames:
        return np.arange(n_points)
    return np.unique(np.round(np.linspace(0, n_points - 1, max_frames)).astype(int))


def race_animation(
    trajectories: Any,
    surface: Any = None,
    *,
    interval: int = 80,
    max_frames: int | None = 60,
    figsize: tuple[float, float] = (4.8, 3.8),
    dpi: int = 80,
    title: str | None = None,
) -> FuncAnimation:
    """A FuncAnimation of the trajectories moving together on the surface's contour plot.

    Frame ``i`` shows every path up to step ``k_i`` (``max_frames`` evenly spaced steps; a path
    that ended earlier, e.g. diverged, stays at its last point and gets its annotation).
    """
    trajs = plots._as_list(trajectories)
    if not trajs:
        raise ValueError("trajectories must hold at least one trajectory")
    surface = plots._resolve_surface(surface, trajs)
    if surface.dim != 2:
        raise ValueError(f"race_animation needs a 2-D surface, got dim={surface.dim}")
    fig = Figure(figsize=figsize, dpi=dpi)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    fig.subplots_adjust(left=0.12, right=0.97, bottom=0.12, top=0.9)
    plots.draw_surface(surface, ax=ax, resolution=120)
    ax.set_title(title or surface.title, fontsize=9)
    lines, heads = [], []
    for i, traj in enumerate(trajs):
        color = f"C{i % 10}"
        (line,) = ax.plot([], [], "-", color=color, lw=1.4, label=traj.optimizer)
        (head,) = ax.plot([], [], "o", color=color, mec="black", ms=6, zorder=5)
        lines.append(line)
        heads.append(head)
    start = np.asarray(trajs[0].points, dtype=float)[0]
    ax.plot(*start, "o", color="black", mfc="white", ms=7, zorder=4)
    ax.legend(loc="upper right", fontsize=7)
    step_text = ax.text(0.02, 0.95, "", transform=ax.transAxes, fontsize=8, va="top")
    n_points = max(len(t.points) for t in trajs)
    frames = _frame_indices(n_points, max_frames)
    notes = [
        ax.annotate("", xy=(0, 0), xytext=(8, 8), visible=False, **plots._ANNOTATION_STYLE)
        for _ in trajs
    ]

    def draw(k: int):
        for traj, line, head, note in zip(trajs, lines, heads, notes, strict=True):
            pts = np.asarray(traj.points, dtype=float)
            j = min(k, len(pts) - 1)
            line.set_data(pts[: j + 1, 0], pts[: j + 1, 1])
            head.set_data(pts[j : j + 1, 0], pts[j : j + 1, 1])
            text = plots.divergence_text(traj) if j == len(pts) - 1 else None
            if text is not None:
                note.set_text(f"{traj.optimizer}: {text}")
                plots.place_annotation(note, ax, plots._clip_to(pts[j], ax))
                note.set_color("tab:red")
                note.set_fontsize(7)
            note.set_visible(text is not None)
        step_text.set_text(f"step {k}")
        return [*lines, *heads, *notes, step_text]

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
