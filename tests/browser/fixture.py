"""A tiny explorer notebook built in code, so the browser harness always has one to drive.

It is written into the server's temporary root (never into the repository, where nbval would
collect it). It holds two explorers: a bare-ipywidgets one (slider ``.widget-slider``, plot
``ipywidgets.Image`` with class ``lecture-plot``, summary ``HTML`` with class ``lecture-summary``),
which proves the widget front-end itself works, and ``lecture_lib.widgets.OptimizerExplorer``,
which has the same shape and proves the lecture's own explorers render and follow their sliders.
"""

from __future__ import annotations

import nbformat

NAME = "harness/explorer_fixture.ipynb"

SETUP = """\
import io

import ipywidgets as widgets
import numpy as np
from matplotlib.figure import Figure


def descend(lr, steps=40):
    p = np.array([-7.0, 2.0])
    path = [p.copy()]
    for _ in range(steps):
        p = p - lr * np.array([p[0] / 10, 2 * p[1]])
        path.append(p.copy())
    return np.array(path)


def render(lr):
    path = descend(lr)
    fig = Figure(figsize=(4, 3), dpi=72)
    ax = fig.add_subplot()
    ax.plot(path[:, 0], path[:, 1], "o-", ms=3)
    ax.set(xlim=(-8, 8), ylim=(-3, 3), title=f"SGD, lr = {lr:.3g}")
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    return buffer.getvalue(), f"final ({path[-1, 0]:.3f}, {path[-1, 1]:.3f})"
"""

EXPLORER = """\
lr = widgets.FloatLogSlider(value=0.1, base=10, min=-3, max=0, step=0.1, description="lr")
plot = widgets.Image(format="png")
summary = widgets.HTML()
plot.add_class("lecture-plot")
summary.add_class("lecture-summary")


def update(change=None):
    plot.value, summary.value = render(lr.value)


lr.observe(update, names="value")
update()
widgets.VBox([lr, plot, summary])
"""

LECTURE = """\
from lecture_lib.widgets import OptimizerExplorer

# Polyak's best alpha for the bowl, off the 0.01 grid: the browser must keep it
explorer = OptimizerExplorer("Momentum", surface="bowl", steps=30, alpha=0.403)
explorer
"""

CHECK = 'print(f"lr = {lr.value:.3f}")\nprint(explorer.summary_text)'


def notebook() -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nb.cells = [
        nbformat.v4.new_markdown_cell("# Browser harness fixture"),
        nbformat.v4.new_code_cell(SETUP),
        nbformat.v4.new_code_cell(EXPLORER),
        nbformat.v4.new_code_cell(LECTURE),
        nbformat.v4.new_code_cell(CHECK),
    ]
    return nb
