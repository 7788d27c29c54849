"""Plots of notebook 09's study (:mod:`lecture_lib.study`): arrival counts, lr curves, intervals,
learning curves. Data in, Figure out (optional ``ax``)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from lecture_lib.plots.figure import figure_and_ax

__all__ = ["plot_arrival", "plot_curves", "plot_intervals", "plot_lr_curves"]


def plot_arrival(
    lrs,
    steps: Mapping[str, np.ndarray],
    free: Mapping[str, float] | None = None,
    ax: Axes | None = None,
    *,
    title: str = "",
) -> Figure:
    """Updates until the loss first comes within tol of the minimum, against the learning rate.

    ``steps``: name -> (len(lrs),) first-arrival update (inf: never arrived, drawn as a gap).
    ``free``: name -> one first-arrival update of an lr-free method, a dashed horizontal line
    (left out if it never arrived).
    """
    fig, ax = figure_and_ax(ax)
    lrs = np.asarray(lrs, dtype=float)
    for i, (name, s) in enumerate(steps.items()):
        y = np.where(np.isfinite(s), s, np.nan)
        ax.plot(lrs, y, "-o", color=f"C{i % 10}", ms=3, lw=1.3, label=name)
    for k, (name, s) in enumerate((free or {}).items()):
        if np.isfinite(s):
            color = f"C{(len(steps) + k) % 10}"
            ax.axhline(s, color=color, ls="--", lw=1.2, label=f"{name} (no lr)")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel(r"learning rate $\eta$")
    ax.set_ylabel("updates to first arrival (gap: never)")
    ax.grid(alpha=0.3, which="both")
    ax.set_title(title, fontsize=10)
    ax.legend(fontsize=7, ncol=2)
    return fig


def plot_lr_curves(
    lrs,
    scores: Mapping[str, np.ndarray],
    chosen: Mapping[str, float] | None = None,
    ax: Axes | None = None,
    *,
    ylabel: str = "validation accuracy",
    ylim: tuple[float, float] | None = (0.5, 1.0),
    title: str = "",
) -> Figure:
    """Mean validation score against the learning rate, one line per method; the chosen lr of
    each method (``chosen``: name -> lr) is a filled marker. NaN (diverged) leaves a gap."""
    fig, ax = figure_and_ax(ax)
    lrs = np.asarray(lrs, dtype=float)
    for i, (name, y) in enumerate(scores.items()):
        color = f"C{i % 10}"
        ax.plot(lrs, y, "-o", color=color, ms=3, lw=1.2, mfc="none", label=name)
        if chosen and chosen.get(name) is not None:
            k = int(np.argmin(np.abs(np.log(lrs / chosen[name]))))
            ax.plot(lrs[k], y[k], "o", color=color, ms=7)
    ax.set_xscale("log")
    if ylim is not None:
        ax.set_ylim(*ylim)
    ax.set_xlabel(r"learning rate $\eta$")
    ax.set_ylabel(ylabel)
    ax.grid(alpha=0.3, which="both")
    ax.set_title(title, fontsize=10)
    ax.legend(fontsize=7, ncol=2)
    return fig


def plot_intervals(
    names: Sequence[str],
    means,
    halves,
    ax: Axes | None = None,
    *,
    highlight: str | None = None,
    xlabel: str = "test accuracy (mean and 95% interval over seeds)",
    title: str = "",
) -> Figure:
    """A forest plot: one row per method, its mean with a horizontal interval bar.

    ``highlight`` (a name) is drawn in red with a vertical line at its mean, for comparison.
    """
    fig, ax = figure_and_ax(ax, (6.5, 0.35 * len(names) + 1.2))
    means, halves = np.asarray(means, dtype=float), np.asarray(halves, dtype=float)
    rows = np.arange(len(names))[::-1]
    for row, name, m, h in zip(rows, names, means, halves, strict=True):
        color = "tab:red" if name == highlight else "tab:blue"
        ax.errorbar(m, row, xerr=h, fmt="o", color=color, capsize=3, ms=4)
    if highlight in names:
        ax.axvline(means[list(names).index(highlight)], color="tab:red", lw=0.8, ls=":")
    ax.set_yticks(rows, names)
    ax.set_xlabel(xlabel)
    ax.grid(alpha=0.3, axis="x")
    ax.set_title(title, fontsize=10)
    return fig


def plot_curves(
    curves: Mapping[str, np.ndarray],
    ax: Axes | None = None,
    *,
    xlabel: str = "epoch",
    ylabel: str = "validation accuracy (mean over seeds)",
    ylim: tuple[float, float] | None = None,
    title: str = "",
) -> Figure:
    """One line per name: ``curves[name][k]`` at x = k (e.g. accuracy after epoch k)."""
    fig, ax = figure_and_ax(ax)
    for i, (name, y) in enumerate(curves.items()):
        ax.plot(np.arange(len(y)), y, color=f"C{i % 10}", lw=1.3, label=name)
    if ylim is not None:
        ax.set_ylim(*ylim)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.grid(alpha=0.3)
    ax.set_title(title, fontsize=10)
    ax.legend(fontsize=7, ncol=2)
    return fig
