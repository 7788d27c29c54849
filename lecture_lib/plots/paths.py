"""Runs drawn where they happen: on the contour of a 2-D surface, on a 1-D curve, and the
iterates against the step."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from lecture_lib.artists import (
    CurveLine,
    Note,
    PathArtist,
    StepLine,
    SurfaceContour,
    divergence_text,
)
from lecture_lib.plots.figure import as_list, figure_and_ax, fit_view, resolve_surface
from lecture_lib.surfaces import Surface

__all__ = ["draw_surface", "plot_curve_1d", "plot_iterates", "plot_trajectories"]


def draw_surface(
    surface: Surface | str,
    ax: Axes | None = None,
    *,
    levels: int = 25,
    resolution: int = 160,
    grid: tuple | None = None,
) -> Figure:
    """Contour lines of a 2-D surface on its bounds, known minima marked with a star.
    ``grid``: a precomputed ``surface_grid(surface, ...)`` to draw instead of computing one."""
    fig, ax = figure_and_ax(ax)
    SurfaceContour(ax, levels=levels, resolution=resolution).update(
        resolve_surface(surface), grid=grid
    )
    return fig


def plot_trajectories(
    trajectories: Any,
    surface: Surface | str | None = None,
    ax: Axes | None = None,
    *,
    title: str | None = None,
    legend: bool = True,
    markersize: float = 3.0,
) -> Figure:
    """Contour of the surface with one or several trajectories on it.

    Start (circle) and end (cross) are marked, the legend shows each trajectory's label (its
    optimizer with the hyperparameters, e.g. ``SGD(lr=0.95)``), and a run that diverged or
    stalled gets a note ("diverged at step k", "stopped at a saddle point"). A 1-D surface is
    drawn with :func:`plot_curve_1d` instead.
    """
    trajs = as_list(trajectories)
    surface = resolve_surface(surface, trajs)
    if surface.dim == 1:
        return plot_curve_1d(surface, trajs, ax=ax, title=title, legend=legend)
    fig, ax = figure_and_ax(ax)
    SurfaceContour(ax).update(surface)
    for i, traj in enumerate(trajs):
        path = PathArtist(ax, f"C{i % 10}", label=traj.label, markersize=markersize, row=i)
        path.update(traj)
    if title is not None:
        ax.set_title(title, fontsize=10)
    if legend and trajs:
        ax.legend(loc="upper right", fontsize=8, framealpha=0.9)
    return fig


def plot_curve_1d(
    surface: Surface | str,
    trajectories: Any = (),
    ax: Axes | None = None,
    *,
    title: str | None = None,
    legend: bool = True,
    annotate_points: Sequence[tuple[float, str]] = (),
) -> Figure:
    """A 1-D function with the iterates of each trajectory drawn on it (``x_t``, ``f(x_t)``).

    ``annotate_points``: extra ``(x, text)`` labels on the curve, e.g. ``(1.0, "local minimum")``.
    The x-range is the surface bounds, widened to include every iterate.
    """
    trajs = as_list(trajectories)
    surface = resolve_surface(surface, trajs)
    if surface.dim != 1:
        raise ValueError(f"surface must be 1-D for plot_curve_1d, got dim={surface.dim}")
    fig, ax = figure_and_ax(ax)
    lo, hi = surface.bounds[0]
    for traj in trajs:
        xs = np.asarray(traj.points, dtype=float)[:, 0]
        lo, hi = min(lo, xs.min()), max(hi, xs.max())
    CurveLine(ax, label=surface.latex).update(surface, lo, hi)
    paths = [
        PathArtist(ax, f"C{i % 10}", label=t.label, markersize=4, row=i)
        for i, t in enumerate(trajs)
    ]
    for path, traj in zip(paths, trajs, strict=True):
        path.update(traj)
    fit_view(ax, x=False)
    for x, text in annotate_points:
        y = float(np.asarray(surface.value(np.array([[x]], dtype=float))).ravel()[0])
        Note(ax).update(text, (x, y), row=1)
    ax.set_xlabel("$x$")
    ax.set_ylabel("$f(x)$")
    ax.set_title(title if title is not None else surface.title, fontsize=10)
    if legend:
        ax.legend(fontsize=8, loc="best")
    return fig


def plot_iterates(trajectories: Any, ax: Axes | None = None, *, title: str | None = None) -> Figure:
    """Each coordinate of the iterates against the step: oscillation, cycles, divergence.

    One line per trajectory and coordinate (``x_t``; ``x_t`` and ``y_t`` on 2-D surfaces).
    """
    trajs = as_list(trajectories)
    fig, ax = figure_and_ax(ax)
    for i, traj in enumerate(trajs):
        pts = np.asarray(traj.points, dtype=float)
        for j in range(pts.shape[1]):
            label = traj.label if pts.shape[1] == 1 else f"{traj.label}: ${'xy'[j]}_t$"
            style = "-o" if j == 0 else "--s"
            StepLine(ax, f"C{i % 10}", label=label, style=style, lw=1).update(pts[:, j])
        text = divergence_text(traj)
        if text is not None:
            Note(ax).update(text, (len(pts) - 1, pts[-1, 0]), color="tab:red", row=i)
    fit_view(ax)
    ax.set_xlabel("step $t$")
    ax.set_ylabel("$x_t$")
    ax.grid(alpha=0.3)
    ax.set_title(title or "Iterates over time", fontsize=10)
    ax.legend(fontsize=8)
    return fig
