"""Quantities against the step or the learning rate: losses, loss gaps with the theory's
prediction, minibatch fluctuation, learning-rate sweeps, optimizer state."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from lecture_lib.artists import StepLine, loss_gap, predicted_gap
from lecture_lib.plots.figure import as_list, figure_and_ax, fit_view, new_figure, run_label

__all__ = [
    "plot_loss_gap",
    "plot_losses",
    "plot_lr_sensitivity",
    "plot_minibatch",
    "plot_sharpness",
    "plot_state",
]


def plot_loss_gap(
    trajectories: Any,
    rates: Sequence[float | None] | None = None,
    ax: Axes | None = None,
    *,
    title: str | None = None,
) -> Figure:
    """Loss gap f(θ_t) − f* against the step on a log scale, with predicted rates dashed.

    ``rates``: per trajectory, the quadratic theory's factor per step on the distance to the
    minimum (e.g. ``theory.sgd_rate_at(theory.analyze("bowl"), lr)``), or None for none; the
    dashed line is gap_0 · rate^(2t) (``theory.envelope``). The explorers' right-hand panel.
    """
    trajs = as_list(trajectories)
    rates = [None] * len(trajs) if rates is None else list(rates)
    if len(rates) != len(trajs):
        raise ValueError(f"rates must have one entry per trajectory ({len(trajs)}), got {rates}")
    fig, ax = figure_and_ax(ax)
    for i, (traj, rate) in enumerate(zip(trajs, rates, strict=True)):
        color = f"C{i % 10}"
        StepLine(ax, color, label=traj.label).update(
            loss_gap(traj), diverged=traj.diverged, log=True
        )
        predicted = predicted_gap(traj, rate)
        if predicted.size:
            label = f"theory: rate {rate:.3g} per step"
            StepLine(ax, color, label=label, style="--", lw=1.0).update(predicted, log=True)
    ax.set_yscale("log")
    fit_view(ax)
    ax.set_xlabel("step $t$")
    ax.set_ylabel(r"loss gap $f(\theta_t) - f^*$")
    ax.grid(alpha=0.3)
    ax.set_title(title or "Loss gap per step", fontsize=10)
    ax.legend(fontsize=8)
    return fig


def _loss_scale(values: list[np.ndarray], log: bool) -> str:
    """ "log", "symlog" (some value <= 0) or "linear"."""
    if not log:
        return "linear"
    finite = np.concatenate([v[np.isfinite(v)] for v in values]) if values else np.array([])
    return "symlog" if finite.size and finite.min() <= 0 else "log"


def _set_scale(ax: Axes, scale: str, values: list[np.ndarray]) -> None:
    if scale == "symlog":
        finite = np.concatenate([v[np.isfinite(v)] for v in values])
        positive = np.abs(finite[finite != 0])
        ax.set_yscale("symlog", linthresh=float(positive.min()) if positive.size else 1.0)
    else:
        ax.set_yscale(scale)


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
    A diverged run's curve ends with a red cross.
    """
    fig, ax = figure_and_ax(ax)
    runs = as_list(runs)
    values = [np.asarray(r.losses if hasattr(r, "losses") else r.batch_losses) for r in runs]
    values = [v.astype(float) for v in values]
    scale = _loss_scale(values, log)
    for i, (run, y) in enumerate(zip(runs, values, strict=True)):
        line = StepLine(ax, f"C{i % 10}", label=run_label(run, f"run {i}"))
        line.update(y, diverged=bool(getattr(run, "diverged_at", 0)), log=scale == "log")
    _set_scale(ax, scale, values)
    fit_view(ax)
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
    fig, ax = figure_and_ax(ax, (7.0, 4.5))
    runs = as_list(runs)
    values = [np.asarray(r.batch_losses, dtype=float) for r in runs]
    scale = _loss_scale(values, log)
    for i, (run, y) in enumerate(zip(runs, values, strict=True)):
        color, label = f"C{i % 10}", run_label(run, f"run {i}")
        thin = StepLine(ax, color, label=f"{label} (minibatch)", lw=0.7, alpha=0.55)
        thin.update(y, log=scale == "log")
        if getattr(run, "losses", None) is not None:
            thick = StepLine(ax, color, label=f"{label} (full data)", lw=2.0)
            thick.update(run.losses, diverged=bool(run.diverged_at), log=scale == "log")
    _set_scale(ax, scale, values)
    fit_view(ax)
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
    loss: the curve has a gap there, and crosses in the optimizer's colour mark them along the
    top of the axes, one row per optimizer. An optimizer without lr (COCOB) is a dashed line.
    """
    fig, ax = figure_and_ax(ax)
    names = list(sweep.surfaces)
    if surface is not None and surface not in names:
        raise ValueError(f"surface must be one of the sweep's surfaces {names}, got {surface!r}")
    j = 0 if surface is None else names.index(surface)
    lrs = np.asarray(sweep.lrs, dtype=float)
    final = np.asarray(sweep.final_losses, dtype=float)[:, j, :] - sweep.minimum_values[j]
    diverged = np.asarray(sweep.diverged_at)[:, j, :] > 0
    uses_lr = getattr(sweep, "uses_lr", (True,) * len(sweep.optimizers))
    handles, row = [], 0
    for i, name in enumerate(sweep.optimizers):
        color = f"C{i % 10}"
        y = np.where(diverged[i] | ~np.isfinite(final[i]), np.nan, np.maximum(final[i], floor))
        if not uses_lr[i]:
            if np.isfinite(y[0]):
                handles.append(
                    ax.axhline(y[0], color=color, ls="--", lw=1.2, label=f"{name} (no lr)")
                )
            continue
        (line,) = ax.plot(lrs, y, "-o", color=color, ms=3, lw=1.3, label=name)
        handles.append(line)
        bad = lrs[np.isnan(y)]
        if bad.size:
            ax.plot(
                bad,
                np.full(bad.size, 0.97 - 0.04 * row),
                "x",
                color=color,
                ms=7,
                mew=1.8,
                transform=ax.get_xaxis_transform(),
                label=f"_diverged {name}",
            )
            row += 1
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel(r"learning rate $\eta$")
    ax.set_ylabel(f"final loss $-$ minimum (floor {floor:.0e})")
    ax.grid(alpha=0.3, which="both")
    if row:
        handles.append(
            Line2D([], [], marker="x", color="0.3", ls="none", mew=1.8, label="diverged (top rows)")
        )
    ax.set_title(title or f"Learning-rate sensitivity on {names[j]}", fontsize=10)
    ax.legend(handles=handles, fontsize=8)
    return fig


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
    else:
        axes = fig.subplots(len(keys), 1, sharex=True, squeeze=False)
    for ax, key in zip(axes[:, 0], keys, strict=True):
        values = np.asarray(state[key], dtype=float)
        values = values.reshape(len(values), -1)
        names = ["x", "y"] if values.shape[1] == 2 else [f"$\\theta_{j}$" for j in range(9)]
        steps = np.arange(1, len(values) + 1)
        for j in range(values.shape[1]):
            ax.plot(steps, values[:, j], lw=1.3, label=f"{key}[{names[j]}]" if j < 9 else None)
        finite = values[np.isfinite(values)]
        if finite.size and finite.min() > 0 and finite.max() / finite.min() > 50:
            ax.set_yscale("log")
        ax.set_ylabel(_STATE_LABELS.get(key, key))
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8, loc="best")
    axes[-1, 0].set_xlabel("update $t$")
    axes[0, 0].set_title(f"{trajectory.label}: optimizer state", fontsize=10)
    return fig


def plot_sharpness(
    curves: dict[str, np.ndarray],
    ax: Axes | None = None,
    *,
    marks: dict[str, np.ndarray] | None = None,
    limit: float = 2.0,
    upto: int | None = None,
    title: str | None = r"Local sharpness $\eta\,\lambda_{\max}(\theta_t)$",
) -> Figure:
    """The local sharpness eta * lambda_max(theta_t) of each run against the step, with the
    stability limit (2 for SGD) as a dashed line.

    ``curves``: label -> values (e.g. :func:`lecture_lib.theory.sharpness`); ``marks``: label ->
    step indices to mark with a red cross (e.g. the iterates whose update raised the loss);
    ``upto``: the last step shown.
    """
    fig, ax = figure_and_ax(ax)
    for i, (label, values) in enumerate(curves.items()):
        y = np.asarray(values, dtype=float)
        style = "-" if np.ptp(y) <= 1e-9 * max(1.0, np.abs(y).max()) else "-o"  # flat: no dots
        StepLine(ax, f"C{i % 10}", label=label, style=style, lw=1.0, markersize=2.0).update(y)
    fit_view(ax)
    for label, steps in (marks or {}).items():
        steps = np.asarray(steps, dtype=int)
        ax.plot(
            steps,
            np.asarray(curves[label], dtype=float)[steps],
            "x",
            color="tab:red",
            ms=7,
            mew=1.5,
            label="the next step raised the loss",
        )
    ax.axhline(limit, color="k", ls="--", lw=1, label=f"stability limit {limit:g}")
    if upto is not None:
        ax.set_xlim(0, upto)
    ax.set_xlabel("step $t$")
    ax.set_ylabel(r"$\eta\,\lambda_{\max}(\theta_t)$")
    if title is not None:
        ax.set_title(title, fontsize=10)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    return fig
