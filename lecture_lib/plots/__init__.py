"""Plots for the lecture: data in, :class:`matplotlib.figure.Figure` out.

Every function takes what the runners return (:class:`~lecture_lib.runners.Trajectory`,
:class:`~lecture_lib.runners.Sweep`, :class:`~lecture_lib.runners.MinibatchRun`,
:class:`~lecture_lib.trainer.TrainingHistory`) and an optional ``ax=`` (or ``fig=``) and returns
the Figure. Nothing here runs an optimizer: a surface is only *evaluated* on a grid to draw it.
Paths, curves and loss lines are drawn by the artist objects of :mod:`lecture_lib.artists`, the
same ones the explorers update on every slider move, so a static figure and an explorer show a
run the same way.

Showing figures exactly once in Jupyter
    When no ``ax`` is given, a new figure is made with :func:`new_figure`, which creates it through
    pyplot (so the inline backend's display hook for figures is active) and closes it right away
    (so the backend does not show it a second time at the end of the cell). The returned Figure is
    displayed once, as the cell's value. If you pass your own ``ax``, the figure is yours: end the
    cell with ``;`` or ``plt.show()`` as usual.

Labels are English with matplotlib mathtext; only matplotlib's own style is used.
"""

from lecture_lib.artists import (
    STALL_TEXT,
    contour_levels,
    divergence_text,
    place_annotation,
    stall_text,
    surface_grid,
)
from lecture_lib.plots.curves import (
    plot_loss_gap,
    plot_losses,
    plot_lr_sensitivity,
    plot_minibatch,
    plot_sharpness,
    plot_state,
)
from lecture_lib.plots.figure import as_list, new_figure, resolve_surface
from lecture_lib.plots.paths import draw_surface, plot_curve_1d, plot_iterates, plot_trajectories
from lecture_lib.plots.study import plot_arrival, plot_curves, plot_intervals, plot_lr_curves
from lecture_lib.plots.training import plot_digits, plot_training_history

__all__ = [
    "STALL_TEXT",
    "as_list",
    "contour_levels",
    "divergence_text",
    "draw_surface",
    "new_figure",
    "place_annotation",
    "plot_arrival",
    "plot_curve_1d",
    "plot_curves",
    "plot_digits",
    "plot_intervals",
    "plot_iterates",
    "plot_loss_gap",
    "plot_losses",
    "plot_lr_curves",
    "plot_lr_sensitivity",
    "plot_minibatch",
    "plot_sharpness",
    "plot_state",
    "plot_training_history",
    "plot_trajectories",
    "resolve_surface",
    "stall_text",
    "surface_grid",
]
