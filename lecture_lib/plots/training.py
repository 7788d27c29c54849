"""Training runs of the networks: loss and accuracy per epoch, and digits with their labels."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from matplotlib.figure import Figure

from lecture_lib.plots.curves import plot_losses
from lecture_lib.plots.figure import as_list, new_figure, run_label

__all__ = ["plot_digits", "plot_training_history"]


def _accuracy_limits(curves: list[np.ndarray]) -> tuple[float, float, bool]:
    """Y-limits around the accuracies after training began (epoch >= 1), with a margin; and
    whether some value (the untrained epoch 0) lies below them."""
    trained = [c[1:] for c in curves if len(c) > 1]
    data = np.concatenate(trained or curves)
    data = data[np.isfinite(data)]
    if not data.size:
        return 0.0, 1.0, False
    lo, hi = float(data.min()), float(data.max())
    margin = max(0.1 * (hi - lo), 0.01)
    lo, hi = max(0.0, lo - margin), min(1.0 + margin / 2, hi + margin)
    every = np.concatenate(curves)
    return lo, hi, bool((every[np.isfinite(every)] < lo).any())


def plot_training_history(histories: Any, fig: Figure | None = None, *, log: bool = True) -> Figure:
    """Two panels: loss per iteration (left) and train/test accuracy per epoch (right).

    The accuracy axis is zoomed to the accuracies after the first epoch, where the runs differ;
    when the untrained epoch 0 lies below that range, a note says so.
    """
    hist = as_list(histories)
    if fig is None:
        fig, (ax_loss, ax_acc) = new_figure((10.0, 4.0), 1, 2)
    else:
        ax_loss, ax_acc = fig.subplots(1, 2)
    plot_losses(hist, ax=ax_loss, log=log, xlabel="iteration")
    ax_loss.set_title("Training loss", fontsize=10)
    curves = []
    for i, h in enumerate(hist):
        color, label = f"C{i % 10}", run_label(h, f"run {i}")
        for acc, style, part in ((h.train_acc, "-o", "train"), (h.test_acc, "--s", "test")):
            acc = np.asarray(acc, dtype=float)
            curves.append(acc)
            ax_acc.plot(np.arange(len(acc)), acc, style, color=color, ms=3, label=f"{label} {part}")
    lo, hi, cut = _accuracy_limits(curves)
    ax_acc.set_ylim(lo, hi)
    if cut:
        ax_acc.text(
            0.02,
            0.02,
            f"epoch 0 (before training) is below {lo:.2f}",
            fontsize=8,
            color="0.35",
            transform=ax_acc.transAxes,
        )
    ax_acc.set_xlabel("epoch")
    ax_acc.set_ylabel("accuracy")
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
