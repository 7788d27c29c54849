"""The figure helpers every plot function shares: a figure shown once, runs as a list."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import matplotlib.pyplot as plt
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from lecture_lib.surfaces import Surface, get_surface

__all__ = ["as_list", "figure_and_ax", "fit_view", "new_figure", "resolve_surface", "run_label"]


def new_figure(
    figsize: tuple[float, float] = (6.0, 4.5), nrows: int = 1, ncols: int = 1, **kwargs: Any
) -> tuple[Figure, Any]:
    """A new figure and its axes, created via pyplot and closed at once (see module docstring)."""
    fig = plt.figure(figsize=figsize, layout="constrained")
    axes = fig.subplots(nrows, ncols, **kwargs)
    plt.close(fig)
    return fig, axes


def figure_and_ax(
    ax: Axes | None, figsize: tuple[float, float] = (6.0, 4.5)
) -> tuple[Figure, Axes]:
    """A new figure (see :func:`new_figure`), or the figure of the given axes."""
    if ax is None:
        return new_figure(figsize)
    return ax.figure, ax


def as_list(items: Any) -> list:
    """One run or a collection of runs, as a list (a Trajectory is one run, not an iterable)."""
    if isinstance(items, (list, tuple)):
        return list(items)
    if isinstance(items, Iterable) and not hasattr(items, "points") and not isinstance(items, str):
        return list(items)
    return [items]


def resolve_surface(surface: Surface | str | None, trajectories: Sequence = ()) -> Surface:
    """A Surface from a Surface, a registry name, or (None) the first trajectory's surface."""
    if surface is None:
        if not trajectories:
            raise ValueError("surface must be given when there are no trajectories")
        surface = trajectories[0].surface
    return get_surface(surface) if isinstance(surface, str) else surface


def run_label(run: Any, default: str) -> str:
    """Legend text of a run: its label, or "batch size B" for a minibatch run."""
    if hasattr(run, "batch_losses") and hasattr(run, "weights"):
        return f"batch size {run.batch_size}"  # a MinibatchRun: its label is the optimizer's
    label = getattr(run, "label", None)
    return str(label) if label else default


def fit_view(ax: Axes, *, x: bool = True) -> None:
    """Axis limits around the data of the artists (they are filled with ``update(...)`` after
    being created empty, which matplotlib's autoscaling does not see by itself)."""
    ax.relim()
    ax.autoscale_view(scalex=x)
