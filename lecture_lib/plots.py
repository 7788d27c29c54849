"""Plots for the lecture: data in, :class:`matplotlib.figure.Figure` out.

Every function takes what the runners return (:class:`~lecture_lib.runners.Trajectory`,
:class:`~lecture_lib.runners.Sweep`, :class:`~lecture_lib.runners.MinibatchRun`,
:class:`~lecture_lib.trainer.TrainingHistory`) and an optional ``ax=`` (or ``fig=``) and returns
the Figure. Nothing here runs an optimizer: a surface is only *evaluated* on a grid to draw it.

Showing figures exactly once in Jupyter
    When no ``ax`` is given, a new figure is made with :func:`new_figure`, which creates it through
    pyplot (so the inline backend's display hook for figures is active) and closes it right away
    (so the backend does not show it a second time at the end of the cell). The returned Figure is
    displayed once, as the cell's value. If you pass your own ``ax``, the figure is yours: end the
    cell with ``;`` or ``plt.show()`` as usual.

Labels are English with matplotlib mathtext; only matplotlib's own style is used.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

__all__ = [
    "STALL_TEXT",
    "divergence_text",
    "draw_surface",
    "new_figure",
    "place_annotation",
    "plot_curve_1d",
    "plot_digits",
    "plot_iterates",
    "plot_losses",
    "plot_lr_sensitivity",
    "plot_minibatch",
    "plot_state",
    "plot_training_history",
    "plot_trajectories",
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

_ANNOTATION_STYLE = {
    "fontsize": 9,
    "textcoords": "offset points",
    "bbox": {"boxstyle": "round,pad=0.25", "fc": "white", "ec": "0.6", "alpha": 0.9},
    "arrowprops": {"arrowstyle": "->", "color": "0.3"},
    "annotation_clip": False,
}


# --------------------------------------------------------------------------- helpers
def new_figure(
    figsize: tuple[float, float] = (6.0, 4.5), nrows: int = 1, ncols: int = 1, **kwargs: Any
) -> tuple[Figure, Any]:
    """A new figure and its axes, created via pyplot and closed at once (see module docstring)."""
    fig = plt.figure(figsize=figsize, layout="constrained")
    axes = fig.subplots(nrows, ncols, **kwargs)
    plt.close(fig)
    return fig, axes


def _figure_and_ax(ax: Axes | None, figsize: tuple[float, float] = (6.0, 4.5)):
    if ax is None:
        return new_figure(figsize)
    return ax.figure, ax


def _as_list(items: Any) -> list:
    if isinstance(items, (list, tuple)):
        return list(items)
    if isinstance(items, Iterable) and not hasattr(items, "points") and not isinstance(items, str):
        return list(items)
    return [items]


def _resolve_surface(surface: Any, trajectories: Sequence = ()):
    from lecture_lib.surfaces import get_surface

    if surface is None:
        if not trajectories:
            raise ValueError("surface must be given when there are no trajectories")
        surface = trajectories[0].surface
    if isinstance(surface, str):
        surface = get_surface(surface)
    return surface


def surface_grid(surface: Any, resolution: int = 160):
    """``(X, Y, Z)`` of a 2-D surface on its plot bounds (a pure evaluation, for contours)."""
    (x0, x1), (y0, y1) = surface.bounds
    xs = np.linspace(x0, x1, resolution)
    ys = np.linspace(y0, y1, resolution)
    grid_x, grid_y = np.meshgrid(xs, ys)
    with np.errstate(all="ignore"):
        z = np.asarray(surface.value(np.stack([grid_x, grid_y], axis=-1)), dtype=float)
    return grid_x, grid_y, z


def contour_levels(z: np.ndarray, n: int = 25) -> np.ndarray:
    """Levels at quantiles of the values, so valleys (Rosenbrock) and bowls both look good."""
    finite = z[np.isfinite(z)]
    levels = np.unique(np.quantile(finite, np.linspace(0.0, 1.0, n + 2)[1:-1] ** 1.5))
    if levels.size < 2:
        levels = np.linspace(finite.min(), finite.max() + 1e-12, 3)
    return levels


def draw_surface(
    surface: Any, ax: Axes | None = None, *, levels: int = 25, resolution: int = 160, grid=None
) -> Figure:
    """Contour lines of a 2-D surface on its bounds, known minima marked with a star."""
    fig, ax = _figure_and_ax(ax)
    surface = _resolve_surface(surface)
    grid_x, grid_y, z = grid if grid is not None else surface_grid(surface, resolution)
    ax.contour(grid_x, grid_y, z, levels=contour_levels(z, levels), cmap="viridis", linewidths=0.7)
    minima = np.asarray(surface.minima, dtype=float).reshape(-1, surface.dim)
    if minima.size:
        ax.plot(minima[:, 0], minima[:, 1], "*", color="0.2", ms=10, zorder=3, label="_minima")
    (x0, x1), (y0, y1) = surface.bounds
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    ax.set_xlabel("$x$")
    ax.set_ylabel("$y$")
    ax.set_title(f"{surface.title}: {surface.latex}", fontsize=10)
    return fig


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


def _stall_point(trajectory: Any) -> np.ndarray:
    k = getattr(trajectory, "stall_at", None)
    pts = np.asarray(trajectory.points, dtype=float)
    if k is None or not 0 <= k < len(pts):
        return pts[-1]
    return pts[k]


def _clip_to(point: np.ndarray, ax: Axes) -> np.ndarray:
    (x0, x1), (y0, y1) = sorted(ax.get_xlim()), sorted(ax.get_ylim())
    return np.array([np.clip(point[0], x0, x1), np.clip(point[1], y0, y1)])


def place_annotation(ann, ax: Axes, xy, row: int = 0) -> None:
    """Move an annotation to ``xy`` with its text on the side facing the middle of the axes."""
    xy = (float(xy[0]), float(xy[1]))
    ann.xy = xy
    (x0, x1), (y0, y1) = ax.get_xlim(), ax.get_ylim()
    fx = (xy[0] - x0) / (x1 - x0) if x1 != x0 else 0.5
    fy = (xy[1] - y0) / (y1 - y0) if y1 != y0 else 0.5
    right, up = fx < 0.6, fy < 0.6
    dy = 12 + 16 * row
    ann.xyann = (12 if right else -12, dy if up else -dy)
    ann.set_horizontalalignment("left" if right else "right")
    ann.set_verticalalignment("bottom" if up else "top")


def _annotate(ax: Axes, text: str, xy, color: str, row: int = 0):
    ann = ax.annotate(text, xy=tuple(xy), xytext=(12, 12), color=color, **_ANNOTATION_STYLE)
    place_annotation(ann, ax, xy, row)
    return ann


# ----------------------------------------------------------------------- 2-D paths
def plot_trajectories(
    trajectories: Any,
    surface: Any = None,
    ax: Axes | None = None,
    *,
    title: str | None = None,
    legend: bool = True,
    markersize: float = 3.0,
) -> Figure:
    """Contour of the surface with one or several trajectories on it.

    Start (circle) and end (cross) are marked, the legend shows each trajectory's label, and a run
    that diverged or stalled gets an annotation ("diverged at step k", "stopped at a saddle
    point"). A 1-D surface is drawn with :func:`plot_curve_1d` instead.
    """
    trajs = _as_list(trajectories)
    surface = _resolve_surface(surface, trajs)
    if surface.dim == 1:
        return plot_curve_1d(surface, trajs, ax=ax, title=title, legend=legend)
    fig, ax = _figure_and_ax(ax)
    draw_surface(surface, ax=ax)
    for i, traj in enumerate(trajs):
        color = f"C{i % 10}"
        pts = np.asarray(traj.points, dtype=float)
        ax.plot(pts[:, 0], pts[:, 1], "-o", color=color, ms=markersize, lw=1.2, label=traj.label)
        ax.plot(*pts[0], "o", color=color, mfc="white", ms=8, mew=1.5, zorder=4)
        ax.plot(*pts[-1], "X", color=color, ms=9, mec="black", mew=0.6, zorder=4)
        text = divergence_text(traj)
        if text is not None:
            _annotate(ax, text, _clip_to(pts[-1], ax), "tab:red", i)
        text = stall_text(traj)
        if text is not None:
            _annotate(ax, text, _stall_point(traj), "black", i)
    if title is not None:
        ax.set_title(title, fontsize=10)
    if legend and trajs:
        ax.legend(loc="upper right", fontsize=8, framealpha=0.9)
    return fig


# ----------------------------------------------------------------------- 1-D curves
def plot_curve_1d(
    surface: Any,
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
    trajs = _as_list(trajectories)
    surface = _resolve_surface(surface, trajs)
    if surface.dim != 1:
        raise ValueError(f"surface must be 1-D for plot_curve_1d, got dim={surface.dim}")
    fig, ax = _figure_and_ax(ax)
    lo, hi = surface.bounds[0]
    for traj in trajs:
        xs = np.asarray(traj.points, dtype=float)[:, 0]
        lo, hi = min(lo, xs.min()), max(hi, xs.max())
    grid = np.linspace(lo, hi, 800)
    with np.errstate(all="ignore"):
        curve = np.asarray(surface.value(grid[:, None]), dtype=float)
    ax.plot(grid, curve, color="0.25", lw=1.5, label=surface.latex)
    ax.set_xlim(lo, hi)
    for i, traj in enumerate(trajs):
        color = f"C{i % 10}"
        xs = np.asarray(traj.points, dtype=float)[:, 0]
        fs = np.asarray(traj.losses, dtype=float)
        ax.plot(xs, fs, "-o", color=color, lw=0.8, ms=4, alpha=0.85, label=traj.label)
        ax.plot(xs[0], fs[0], "o", color=color, mfc="white", ms=9, mew=1.5, zorder=4)
        ax.plot(xs[-1], fs[-1], "X", color=color, ms=9, mec="black", mew=0.6, zorder=4)
        text = divergence_text(traj)
        if text is not None:
            _annotate(ax, text, (xs[-1], fs[-1]), "tab:red", i)
        text = stall_text(traj)
        if text is not None:
            k = getattr(traj, "stall_at", None)
            k = len(xs) - 1 if k is None or not 0 <= k < len(xs) else k
            _annotate(ax, text, (xs[k], fs[k]), "black", i)
    for x, text in annotate_points:
        with np.errstate(all="ignore"):
            y = float(np.asarray(surface.value(np.array([[x]], dtype=float))).ravel()[0])
        _annotate(ax, text, (x, y), "black", 1)
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
    trajs = _as_list(trajectories)
    fig, ax = _figure_and_ax(ax)
    for i, traj in enumerate(trajs):
        pts = np.asarray(traj.points, dtype=float)
        steps = np.arange(len(pts))
        styles = ["-o", "--s"]
        for j in range(pts.shape[1]):
            coord = "x" if j == 0 else "y"
            label = traj.label if pts.shape[1] == 1 else f"{traj.label}: ${coord}_t$"
            ax.plot(steps, pts[:, j], styles[j % 2], color=f"C{i % 10}", ms=3, lw=1, label=label)
        text = divergence_text(traj)
        if text is not None:
            _annotate(ax, text, (steps[-1], pts[-1, 0]), "tab:red", i)
    ax.set_xlabel("step $t$")
    ax.set_ylabel("$x_t$")
    ax.grid(alpha=0.3)
    ax.set_title(title or "Iterates over time", fontsize=10)
    ax.legend(fontsize=8)
    return fig


# -------------------------------------------------------------------- loss curves
def _label(run: Any, default: str) -> str:
    if hasattr(run, "batch_losses") and hasattr(run, "weights"):
        return f"batch size {run.batch_size}"  # a MinibatchRun: its label is the optimizer's
    label = getattr(run, "label", None)
    return str(label) if label else default


def _set_loss_scale(ax: Axes, values: list[np.ndarray], log: bool) -> None:
    if not log:
        return
    finite = np.concatenate([v[np.isfinite(v)] for v in values]) if values else np.array([])
    if finite.size and finite.min() <= 0:
        positive = np.abs(finite[finite != 0])
        ax.set_yscale("symlog", linthresh=float(positive.min()) if positive.size else 1.0)
    else:
        ax.set_yscale("log")


def plot_losses(
    runs: Any,
    ax: Axes | None = None,
    *,
    log: bool = True,
    xlabel: str = "step",
    ylabel: str = "loss",
    title: str | None = None,
) -> Figure:
    """Loss against step: ``.losses`` of trajectories and minibatch runs (one per iterate),
    ``.batch_losses`` of training histories (one per update).

    ``log=True`` uses a log y-axis (symlog when some loss is <= 0, e.g. on the saddle).
    A diverged trajectory's curve ends with a red cross.
    """
    fig, ax = _figure_and_ax(ax)
    values = []
    for i, run in enumerate(_as_list(runs)):
        y = np.asarray(run.losses if hasattr(run, "losses") else run.batch_losses, dtype=float)
        values.append(y)
        color = f"C{i % 10}"
        ax.plot(np.arange(len(y)), y, color=color, lw=1.3, label=_label(run, f"run {i}"))
        if getattr(run, "diverged_at", 0) and len(y):
            ax.plot(len(y) - 1, y[-1], "X", color="tab:red", ms=9, zorder=4)
    _set_loss_scale(ax, values, log)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if title is not None:
        ax.set_title(title, fontsize=10)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    return fig


def plot_minibatch(
    runs: Any, ax: Axes | None = None, *, log: bool = True, title: str | None = None
) -> Figure:
    """Minibatch loss per step (thin) and full-data loss (thick), one colour per batch size."""
    fig, ax = _figure_and_ax(ax, (7.0, 4.5))
    values = []
    for i, run in enumerate(_as_list(runs)):
        color = f"C{i % 10}"
        y = np.asarray(run.batch_losses, dtype=float)
        values.append(y)
        label = _label(run, f"run {i}")
        ax.plot(np.arange(len(y)), y, color=color, lw=0.7, alpha=0.55, label=f"{label} (minibatch)")
        full = getattr(run, "losses", None)
        if full is not None:
            full = np.asarray(full, dtype=float)
            ax.plot(np.arange(len(full)), full, color=color, lw=2.0, label=f"{label} (full data)")
    _set_loss_scale(ax, values, log)
    ax.set_xlabel("step")
    ax.set_ylabel("loss")
    ax.set_title(title or "Loss fluctuation and batch size", fontsize=10)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, ncols=2)
    return fig


# ------------------------------------------------------------ learning-rate sweep
def plot_lr_sensitivity(
    sweep: Any,
    surface: str | None = None,
    ax: Axes | None = None,
    *,
    title: str | None = None,
    floor: float = 1e-12,
) -> Figure:
    """Final loss gap against learning rate from a :class:`~lecture_lib.runners.Sweep`.

    One curve per optimizer on one of the sweep's surfaces (``surface``: a name; default the
    first). The y axis is the final loss minus the surface's global minimum value, clipped below
    at ``floor`` so that runs which converged to machine precision share one readable bottom
    line (and surfaces with a negative minimum stay on a log axis). Diverged runs have no final
    loss: the curve has a gap there and a red cross marks them at the top of the axes. An
    optimizer without lr (COCOB) is a dashed horizontal line.
    """
    fig, ax = _figure_and_ax(ax)
    names = list(sweep.surfaces)
    if surface is None:
        j = 0
    elif surface in names:
        j = names.index(surface)
    else:
        raise ValueError(f"surface must be one of the sweep's surfaces {names}, got {surface!r}")
    lrs = np.asarray(sweep.lrs, dtype=float)
    final = np.asarray(sweep.final_losses, dtype=float)[:, j, :] - sweep.minimum_values[j]
    diverged = np.asarray(sweep.diverged_at)[:, j, :] > 0
    uses_lr = getattr(sweep, "uses_lr", (True,) * len(sweep.optimizers))
    crosses = []
    for i, name in enumerate(sweep.optimizers):
        color = f"C{i % 10}"
        y = np.where(diverged[i] | ~np.isfinite(final[i]), np.nan, np.maximum(final[i], floor))
        if uses_lr[i]:
            ax.plot(lrs, y, "-o", color=color, ms=3, lw=1.3, label=name)
            crosses.append(lrs[np.isnan(y)])
        elif np.isfinite(y[0]):
            ax.axhline(y[0], color=color, ls="--", lw=1.2, label=f"{name} (no lr)")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel(r"learning rate $\eta$")
    ax.set_ylabel(f"final loss $-$ minimum (floor {floor:.0e})")
    ax.grid(alpha=0.3, which="both")
    xs = np.concatenate(crosses) if crosses else np.array([])
    if xs.size:
        ax.plot(
            xs,
            np.ones(len(xs)),
            "x",
            color="tab:red",
            ms=7,
            mew=1.5,
            transform=ax.get_xaxis_transform(),
            clip_on=False,
            label="diverged",
        )
    ax.set_title(title or f"Learning-rate sensitivity on {names[j]}", fontsize=10)
    ax.legend(fontsize=8)
    return fig


# ------------------------------------------------------------ optimizer state
_STATE_LABELS = {
    "step_size": r"effective step size $\eta_{\mathrm{eff}}$",
    "m_hat": r"$\hat m$",
    "v_hat": r"$\hat v$",
    "v": r"velocity $v$",
    "wealth": "wealth",
    "bet_fraction": "bet fraction",
}


def plot_state(
    trajectory: Any, keys: Sequence[str] | None = None, fig: Figure | None = None
) -> Figure:
    """Optimizer state over time from ``Trajectory.state``: one panel per key, one line per axis.

    Shows e.g. Adagrad's shrinking per-coordinate step size, RMSProp's recovery, Adam's
    :math:`\\hat m` and :math:`\\hat v`, COCOB's wealth and bet fraction. Positive quantities that
    span decades (step size, ``v_hat``) get a log axis.
    """
    state = trajectory.state
    keys = list(keys) if keys is not None else list(state)
    if not keys:
        raise ValueError(f"trajectory {trajectory.label!r} has no state to plot")
    missing = [k for k in keys if k not in state]
    if missing:
        raise ValueError(f"keys {missing} not in trajectory.state; valid: {sorted(state)}")
    if fig is None:
        fig, axes = new_figure((6.0, 2.3 * len(keys)), len(keys), 1, sharex=True, squeeze=False)
        axes = axes[:, 0]
    else:
        axes = fig.subplots(len(keys), 1, sharex=True, squeeze=False)[:, 0]
    for ax, key in zip(axes, keys, strict=True):
        values = np.asarray(state[key], dtype=float)
        values = values.reshape(len(values), -1)
        steps = np.arange(1, len(values) + 1)
        names = ["x", "y"] if values.shape[1] == 2 else [f"$\\theta_{j}$" for j in range(9)]
        for j in range(values.shape[1]):
            ax.plot(steps, values[:, j], lw=1.3, label=f"{key}[{names[j]}]" if j < 9 else None)
        finite = values[np.isfinite(values)]
        if finite.size and finite.min() > 0 and finite.max() / finite.min() > 50:
            ax.set_yscale("log")
        ax.set_ylabel(_STATE_LABELS.get(key, key))
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8, loc="best")
    axes[-1].set_xlabel("update $t$")
    axes[0].set_title(f"{trajectory.label}: optimizer state", fontsize=10)
    return fig


# ------------------------------------------------------------ training history
def plot_training_history(histories: Any, fig: Figure | None = None, *, log: bool = True) -> Figure:
    """Two panels: loss per iteration (left) and train/test accuracy per epoch (right)."""
    hist = _as_list(histories)
    if fig is None:
        fig, (ax_loss, ax_acc) = new_figure((10.0, 4.0), 1, 2)
    else:
        ax_loss, ax_acc = fig.subplots(1, 2)
    plot_losses(hist, ax=ax_loss, log=log, xlabel="iteration")
    ax_loss.set_title("Training loss", fontsize=10)
    for i, h in enumerate(hist):
        color = f"C{i % 10}"
        label = _label(h, f"run {i}")
        train = np.asarray(h.train_acc, dtype=float)
        test = np.asarray(h.test_acc, dtype=float)
        ax_acc.plot(np.arange(len(train)), train, "-o", color=color, ms=3, label=f"{label} train")
        ax_acc.plot(np.arange(len(test)), test, "--s", color=color, ms=3, label=f"{label} test")
    ax_acc.set_xlabel("epoch")
    ax_acc.set_ylabel("accuracy")
    ax_acc.set_ylim(0, 1.02)
    ax_acc.grid(alpha=0.3)
    ax_acc.legend(fontsize=8)
    ax_acc.set_title("Accuracy", fontsize=10)
    return fig


# ------------------------------------------------------------ digits
def plot_digits(
    images: np.ndarray, true: Sequence[int], predicted: Sequence[int] | None = None
) -> Figure:
    """A row of 28x28 digits titled with their labels; wrong predictions in red.

    Args:
        images: (N, 784) or (N, 1, 28, 28) or (N, 28, 28), as ``load_mnist`` returns them.
        true: (N,) class indices. predicted: (N,) class indices, or None to show only ``true``.
    """
    images = np.asarray(images).reshape(len(images), 28, 28)
    true = np.asarray(true)
    if predicted is not None and len(predicted) != len(true):
        raise ValueError(f"predicted has {len(predicted)} labels, true has {len(true)}")
    fig, axes = new_figure((1.0 * len(images) + 0.2, 1.6), 1, len(images), squeeze=False)
    for k, ax in enumerate(axes[0]):
        ax.imshow(images[k], cmap="gray_r")
        ax.axis("off")
        if predicted is None:
            ax.set_title(f"{true[k]}", fontsize=8)
        else:
            wrong = predicted[k] != true[k]
            title = f"pred {predicted[k]}\ntrue {true[k]}"
            ax.set_title(title, fontsize=8, color="tab:red" if wrong else "black")
    return fig
