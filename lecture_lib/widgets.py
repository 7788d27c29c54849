"""ipywidgets explorers for live demos: move a slider, the path on the contour plot follows.

Each explorer is a plain object with

- ``.widget``: the ipywidgets container to display (``display(explorer)`` or leave it as the last
  expression of a cell);
- ``_repr_mimebundle_``: the widget view plus a short ``text/plain`` fallback, so a notebook opened
  without running it shows "Interactive explorer — run this cell to use the sliders." instead of
  ``VBox(children=(FloatSlider(...``;
- ``.image`` (``ipywidgets.Image``, CSS class ``lecture-plot``, inside a box with the CSS class
  ``widget-output``): PNG bytes of a persistent Agg figure;
- ``.summary`` (``ipywidgets.HTML``, CSS class ``lecture-summary``): one line per run, the runner's
  ``Trajectory.summary()``;
- ``.sliders``: ``dict[name, slider]`` of every slider; ``.hyper_sliders`` the optimizer's own.

Speed: the figure is made once (``matplotlib.figure.Figure`` on an Agg canvas, never pyplot, so the
inline backend never shows it a second time). The contour is computed once per surface and kept in
a cached background; a slider move only runs the runner, puts new data on the existing artists
(``set_data``), blits them onto the background and encodes a PNG (see
``benchmarks/widget_latency.py``). Sliders use ``continuous_update=True``: an update costs well
under a frame, and the ipywidgets front-end keeps at most one message in flight (it buffers the
newest value while the kernel is busy), so dragging never floods the kernel.

Errors: the runners report divergence as data ("diverged at step 3"), so extreme slider values
are not errors. Any unexpected exception inside a callback is shown, readable, in the summary
(and kept in ``.error``) instead of disappearing into the browser's log console.
"""

from __future__ import annotations

import html
import inspect
import io
from collections.abc import Callable, Sequence
from contextlib import contextmanager
from typing import Any

import ipywidgets as W
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from PIL import Image

from lecture_lib import plots

__all__ = [
    "FALLBACK_TEXT",
    "PRESETS",
    "BatchSizeExplorer",
    "CompareExplorer",
    "OptimizerExplorer",
    "Playground",
    "SincExplorer",
    "preset",
]

FALLBACK_TEXT = "Interactive explorer — run this cell to use the sliders."

#: Learning rates that make a good first picture on the bowl (as in the lecture's textbook).
DEMO_LR = {
    "SGD": 0.95,
    "Momentum": 0.1,
    "Adagrad": 1.5,
    "RMSProp": 0.15,
    "Adadelta": 1.0,
    "Adam": 0.3,
    "AdaMax": 0.3,
}

# (min, max, step) of the FloatSlider for each hyperparameter other than lr; keyed by
# (optimizer, name) first, then by name. All ranges stay inside the optimizers' valid ranges.
_RANGES: dict[Any, tuple[float, float, float]] = {
    ("COCOB", "alpha"): (1.0, 500.0, 1.0),
    "alpha": (0.0, 0.99, 0.01),
    "rho": (0.0, 0.99, 0.01),
    "beta1": (0.0, 0.99, 0.01),
    "beta2": (0.5, 0.9999, 0.0001),
}
_SYMBOLS = {"lr": "η", "alpha": "α", "rho": "ρ", "beta1": "β1", "beta2": "β2"}
_LR_RANGE = (-4.0, 1.0)  # log10 of the learning-rate slider's ends: 1e-4 .. 10
_SLIDER_STYLE = {"description_width": "90px"}


def _optimizers() -> dict[str, type]:
    from lecture_lib.optimizers import OPTIMIZERS

    return OPTIMIZERS


def _optimizer_class(optimizer: str | type) -> type:
    if isinstance(optimizer, type):
        return optimizer
    table = _optimizers()
    if optimizer not in table:
        raise ValueError(f"optimizer must be one of {list(table)}, got {optimizer!r}")
    return table[optimizer]


def _defaults(cls: type) -> dict[str, Any]:
    params = inspect.signature(cls.__init__).parameters
    return {n: p.default for n, p in params.items() if p.default is not inspect.Parameter.empty}


def slider_names(optimizer: str | type) -> tuple[str, ...]:
    """Hyperparameters that get a slider: all of the class's ``hyperparameters`` except eps."""
    return tuple(n for n in _optimizer_class(optimizer).hyperparameters if n != "eps")


def _hyper_slider(cls: type, name: str, value: float | None = None) -> W.Widget:
    default = _defaults(cls).get(name)
    if value is None:
        value = DEMO_LR.get(cls.__name__, default) if name == "lr" else default
    label = f"{_SYMBOLS.get(name, name)} ({name})" if name != "lr" else "lr η"
    common = {"description": label, "continuous_update": True, "style": _SLIDER_STYLE}
    if name == "lr":
        value = float(np.clip(value if value is not None else 0.01, *(10.0**e for e in _LR_RANGE)))
        lo, hi = _log_grid(value, step=0.05)
        return W.FloatLogSlider(
            value=value, base=10, min=lo, max=hi, step=0.05, readout_format=".2g", **common
        )
    lo, hi, step = _RANGES.get((cls.__name__, name), _RANGES.get(name, (0.0, 1.0, 0.01)))
    value = float(np.clip(value if value is not None else lo, lo, hi))
    fmt = ".4f" if step < 0.001 else (".2f" if step < 1 else ".0f")
    return W.FloatSlider(value=value, min=lo, max=hi, step=step, readout_format=fmt, **common)


def _value(slider: W.Widget) -> float:
    """The slider's value to 6 significant digits: the front-end's float steps leave noise such
    as 0.9000000000000001, which would otherwise show up in every label and summary."""
    return float(f"{slider.value:.6g}")


def _log_grid(value: float, step: float) -> tuple[float, float]:
    """Ends (log10) of a log slider within ``_LR_RANGE`` whose grid of ``step`` passes through
    ``value``: the front-end snaps the value to that grid, so an off-grid default such as 0.95
    would silently become 1.0 in the browser while a static cell showed 0.95."""
    e = np.log10(value)
    lo, hi = _LR_RANGE
    return e - step * np.floor((e - lo) / step + 1e-9), e + step * np.floor((hi - e) / step + 1e-9)


def _surface(name: str):
    from lecture_lib.surfaces import get_surface

    return get_surface(name)


def _surface_names(dim: int) -> list[str]:
    from lecture_lib.surfaces import SURFACES

    return [name for name, s in SURFACES.items() if s.dim == dim]


# ----------------------------------------------------------------------------- canvas
class PlotCanvas:
    """A persistent Agg figure that renders to PNG bytes.

    ``blit=True``: everything not in ``dynamic`` is drawn once into a cached background
    (call :meth:`invalidate` after changing it, e.g. a new contour); each :meth:`render` restores
    the background, draws only the dynamic artists and encodes the pixels. ``blit=False``: a full
    draw each time (for panels whose axis limits follow the data).
    """

    def __init__(self, figsize=(5.6, 4.2), dpi=96, blit=True):
        self.figure = Figure(figsize=figsize, dpi=dpi)
        self.canvas = FigureCanvasAgg(self.figure)
        self.blit = blit
        self.dynamic: list = []
        self._background = None

    def add_dynamic(self, *artists):
        for artist in artists:
            artist.set_animated(self.blit)
            self.dynamic.append(artist)
        return artists

    def invalidate(self) -> None:
        self._background = None

    def render(self) -> bytes:
        canvas = self.canvas
        if not self.blit:
            canvas.draw()
        else:
            if self._background is None:
                canvas.draw()  # animated artists are skipped
                self._background = canvas.copy_from_bbox(self.figure.bbox)
            canvas.restore_region(self._background)
            for artist in self.dynamic:
                if artist.get_visible():
                    self.figure.draw_artist(artist)
        rgba = np.asarray(canvas.buffer_rgba())
        out = io.BytesIO()
        Image.fromarray(rgba[..., :3]).save(out, format="PNG", compress_level=1)
        return out.getvalue()


# ----------------------------------------------------------------------------- base
class _Explorer:
    """Shared layout and callback plumbing; subclasses implement ``_compute`` and ``_draw``."""

    def __init__(self, canvas: PlotCanvas):
        self.canvas = canvas
        self.sliders: dict[str, W.Widget] = {}
        self.hyper_sliders: dict[str, W.Widget] = {}
        self.image = W.Image(format="png", layout=W.Layout(width="auto", height="auto"))
        self.image.add_class("lecture-plot")
        self.plot_box = W.Box([self.image])
        self.plot_box.add_class("widget-output")
        self.summary = W.HTML(value="")
        self.summary.add_class("lecture-summary")
        self.summary_text = ""
        self.reset_button = W.Button(description="Reset", icon="undo", tooltip="back to defaults")
        self.reset_button.on_click(lambda _: self.reset())
        self.error: Exception | None = None
        self.updates = 0
        self._hold_depth = 0
        self.widget: W.Box = W.VBox()

    # -- display
    def _repr_mimebundle_(self, **kwargs):
        bundle = self.widget._repr_mimebundle_(**kwargs)
        bundle["text/plain"] = FALLBACK_TEXT
        return bundle

    def __repr__(self) -> str:
        return f"<{type(self).__name__}: {self.summary_text or FALLBACK_TEXT}>"

    # -- plumbing
    def _layout(self, controls: Sequence[W.Widget]) -> None:
        buttons = W.HBox([self.reset_button])
        self.widget = W.VBox([*controls, buttons, self.plot_box, self.summary])
        self.widget.add_class("lecture-explorer")

    def _watch(self, *widgets: W.Widget) -> None:
        for widget in widgets:
            widget.observe(self._on_change, names="value")

    def _on_change(self, _change=None) -> None:
        if self._hold_depth == 0:
            self.update()

    @contextmanager
    def hold(self):
        """Change several controls at once and update only once, at the end."""
        self._hold_depth += 1
        try:
            yield
        finally:
            self._hold_depth -= 1
        if self._hold_depth == 0:
            self.update()

    def update(self) -> None:
        """Run the runner with the current slider values, redraw, and refresh the summary."""
        try:
            result = self._compute()
            self._draw(result)
            png = self.canvas.render()
            text = self._summary(result)
        except Exception as exc:  # callback boundary: show it instead of losing it
            self.error = exc
            self.summary_text = f"error: {type(exc).__name__}: {exc}"
            self.summary.value = (
                f'<span style="color:#b00020">{html.escape(self.summary_text)}</span>'
            )
            return
        self.error = None
        self.image.value = png
        self.summary_text = text
        self.summary.value = "<br>".join(html.escape(line) for line in text.split("\n"))
        self.updates += 1

    def reset(self) -> None:
        """Put every control back to its initial value (one update)."""
        with self.hold():
            self._reset()

    # -- to implement
    def _compute(self):
        raise NotImplementedError

    def _draw(self, result) -> None:
        raise NotImplementedError

    def _summary(self, result) -> str:
        results = result if isinstance(result, list) else [result]
        return "\n".join(r.summary() for r in results)

    def _reset(self) -> None:
        raise NotImplementedError


class _ContourExplorer(_Explorer):
    """Contour of a 2-D surface (cached per surface) + shared start/steps/surface controls."""

    def __init__(self, surface: str, start, steps: int, figsize=(5.6, 4.2)):
        super().__init__(PlotCanvas(figsize=figsize, blit=True))
        self.figure = self.canvas.figure
        self.ax = self.figure.add_subplot()
        self.figure.subplots_adjust(left=0.11, right=0.97, bottom=0.11, top=0.92)
        self._grids: dict[str, tuple] = {}
        self._contour_artists: list = []
        self._init = {"surface": surface, "start": start, "steps": int(steps)}
        names = _surface_names(2)
        if surface not in names:
            raise ValueError(f"surface must be one of {names}, got {surface!r}")
        self.surface_menu = W.Dropdown(options=names, value=surface, description="surface")
        self.steps_slider = W.IntSlider(
            value=int(steps), min=1, max=500, description="steps", continuous_update=True
        )
        self.x_slider = W.FloatSlider(description="start x", continuous_update=True)
        self.y_slider = W.FloatSlider(description="start y", continuous_update=True)
        for s in (self.steps_slider, self.x_slider, self.y_slider):
            s.style = _SLIDER_STYLE
        self.sliders.update(steps=self.steps_slider, x=self.x_slider, y=self.y_slider)
        self.surface = _surface(surface)
        self._set_start_sliders(self.surface, start)
        self.surface_menu.observe(self._on_surface, names="value")
        self._watch(self.steps_slider, self.x_slider, self.y_slider)

    # surface handling
    def _set_start_sliders(self, surface, start) -> None:
        start = np.asarray(surface.start if start is None else start, dtype=float)
        for slider, (lo, hi), value in zip(
            (self.x_slider, self.y_slider), surface.bounds, start, strict=True
        ):
            slider.min, slider.max = -1e9, 1e9  # avoid min > max while moving the range
            slider.min, slider.max = float(lo), float(hi)
            slider.step = float(hi - lo) / 200
            slider.value = float(np.clip(value, lo, hi))

    def _on_surface(self, change) -> None:
        with self.hold():
            self.surface = _surface(change["new"])
            self._set_start_sliders(self.surface, None)

    def _draw_contour(self) -> None:
        name = self.surface.name
        if self._drawn_surface == name:
            return
        for artist in self._contour_artists:
            artist.remove()
        if name not in self._grids:
            self._grids[name] = plots.surface_grid(self.surface, 120)
        before = set(self.ax.get_children())
        plots.draw_surface(self.surface, ax=self.ax, grid=self._grids[name])
        self._contour_artists = [a for a in self.ax.get_children() if a not in before]
        self._drawn_surface = name
        self.canvas.invalidate()

    _drawn_surface: str | None = None

    @property
    def start(self) -> np.ndarray:
        return np.array([self.x_slider.value, self.y_slider.value])

    def _reset_common(self) -> None:
        self.surface_menu.value = self._init["surface"]
        self.surface = _surface(self._init["surface"])
        self._set_start_sliders(self.surface, self._init["start"])
        self.steps_slider.value = self._init["steps"]


def _annotation(ax, color="tab:red"):
    ann = ax.annotate(
        "", xy=(0, 0), xytext=(12, 12), color=color, visible=False, **plots._ANNOTATION_STYLE
    )
    return ann


def _set_annotation(ann, text: str | None, xy, row: int = 0) -> None:
    if text is None:
        ann.set_visible(False)
        return
    ann.set_text(text)
    plots.place_annotation(ann, ann.axes, xy, row)
    ann.set_visible(True)


def _path_annotation(ax, traj):
    """(text, xy, color) for a trajectory's divergence or stall, or (None, None, None)."""
    pts = np.asarray(traj.points, dtype=float)
    text = plots.divergence_text(traj)
    if text is not None:
        return text, plots._clip_to(pts[-1], ax), "tab:red"
    text = plots.stall_text(traj)
    if text is not None:
        return text, plots._stall_point(traj), "black"
    return None, None, None


# ----------------------------------------------------------------------------- explorers
class OptimizerExplorer(_ContourExplorer):
    """One optimizer on one 2-D surface: a slider per hyperparameter (lr on a log scale, α, ρ,
    β1, β2, COCOB's α; none for eps), steps, start point, surface menu, reset, summary.

    ``OptimizerExplorer("Adam", surface="bowl", lr=0.3, steps=50, start=None)``; extra keyword
    arguments set initial hyperparameter values, e.g. ``beta1=0.5``.
    """

    def __init__(
        self,
        optimizer: str = "Adam",
        surface: str = "bowl",
        *,
        steps: int = 50,
        start=None,
        **hyperparameters: float,
    ):
        self.optimizer_class = _optimizer_class(optimizer)
        names = slider_names(self.optimizer_class)
        unknown = set(hyperparameters) - set(names)
        if unknown:
            raise ValueError(
                f"hyperparameters {sorted(unknown)} are not sliders of "
                f"{self.optimizer_class.__name__}; valid: {list(names)}"
            )
        super().__init__(surface, start, steps)
        for name in names:
            slider = _hyper_slider(self.optimizer_class, name, hyperparameters.get(name))
            self.hyper_sliders[name] = slider
            self.sliders[name] = slider
        self._init["hyper"] = {n: s.value for n, s in self.hyper_sliders.items()}
        self._watch(*self.hyper_sliders.values())
        ax = self.ax
        color = "C0"
        (self.path_line,) = ax.plot([], [], "-o", color=color, ms=3, lw=1.2)
        (self.start_marker,) = ax.plot([], [], "o", color=color, mfc="white", ms=8, mew=1.5)
        (self.end_marker,) = ax.plot([], [], "X", color=color, ms=9, mec="black", mew=0.6)
        self.annotation = _annotation(ax)
        self.canvas.add_dynamic(self.path_line, self.start_marker, self.end_marker, self.annotation)
        self.trajectory = None
        self._layout(
            [
                W.HBox([self.surface_menu]),
                *self.hyper_sliders.values(),
                self.steps_slider,
                W.HBox([self.x_slider, self.y_slider]),
            ]
        )
        self.update()

    def make_optimizer(self):
        """The optimizer with the sliders' current values (eps keeps the class default)."""
        return self.optimizer_class(**{n: _value(s) for n, s in self.hyper_sliders.items()})

    def _compute(self):
        from lecture_lib.runners import run

        return run(
            self.make_optimizer(), self.surface, start=self.start, steps=self.steps_slider.value
        )

    def _draw(self, traj) -> None:
        self._draw_contour()
        self.trajectory = traj
        pts = np.asarray(traj.points, dtype=float)
        self.path_line.set_data(pts[:, 0], pts[:, 1])
        self.start_marker.set_data(pts[:1, 0], pts[:1, 1])
        self.end_marker.set_data(pts[-1:, 0], pts[-1:, 1])
        text, xy, color = _path_annotation(self.ax, traj)
        _set_annotation(self.annotation, text, xy)
        if color:
            self.annotation.set_color(color)

    def _reset(self) -> None:
        self._reset_common()
        for name, slider in self.hyper_sliders.items():
            slider.value = self._init["hyper"][name]


class CompareExplorer(_ContourExplorer):
    """Several optimizers on one 2-D surface, shared start and steps, each with its own lr slider.

    ``CompareExplorer(("SGD", "Momentum", "Adagrad", "Adam"), surface="bowl", lrs=None)``;
    ``lrs`` maps optimizer name -> initial lr (defaults: ``DEMO_LR``). Optimizers without an lr
    (COCOB) run with their defaults.
    """

    def __init__(
        self,
        optimizers: Sequence[str] = ("SGD", "Momentum", "Adagrad", "Adam"),
        surface: str = "bowl",
        *,
        steps: int = 50,
        start=None,
        lrs: dict[str, float] | None = None,
    ):
        if isinstance(optimizers, str) or not optimizers:
            raise ValueError(f"optimizers must be a non-empty list of names, got {optimizers!r}")
        self.optimizer_classes = [_optimizer_class(o) for o in optimizers]
        names = [c.__name__ for c in self.optimizer_classes]
        if len(set(names)) != len(names):
            raise ValueError(f"optimizers must not repeat, got {names}")
        lrs = dict(lrs or {})
        unknown = set(lrs) - set(names)
        if unknown:
            raise ValueError(f"lrs has names {sorted(unknown)} not in optimizers {names}")
        super().__init__(surface, start, steps, figsize=(6.0, 4.5))
        self.lr_sliders: dict[str, W.Widget] = {}
        for cls in self.optimizer_classes:
            if "lr" in cls.hyperparameters:
                slider = _hyper_slider(cls, "lr", lrs.get(cls.__name__))
                slider.description = f"{cls.__name__}"
                self.lr_sliders[cls.__name__] = slider
                self.sliders[f"lr_{cls.__name__}"] = slider
        self.hyper_sliders = dict(self.lr_sliders)
        self._init["lrs"] = {n: s.value for n, s in self.lr_sliders.items()}
        self._watch(*self.lr_sliders.values())
        self.path_lines, self.end_markers, self.annotations = [], [], []
        for i, name in enumerate(names):
            color = f"C{i % 10}"
            (line,) = self.ax.plot([], [], "-o", color=color, ms=2.5, lw=1.2, label=name)
            (end,) = self.ax.plot([], [], "X", color=color, ms=9, mec="black", mew=0.6)
            ann = _annotation(self.ax)
            ann.set_fontsize(8)
            self.path_lines.append(line)
            self.end_markers.append(end)
            self.annotations.append(ann)
            self.canvas.add_dynamic(line, end, ann)
        (self.start_marker,) = self.ax.plot([], [], "o", color="black", mfc="white", ms=8, mew=1.5)
        self.canvas.add_dynamic(self.start_marker)
        legend = self.ax.legend(handles=self.path_lines, loc="upper right", fontsize=8)
        self.canvas.add_dynamic(legend)
        self.trajectories: list = []
        lr_box = W.VBox(list(self.lr_sliders.values()))
        self._layout(
            [
                W.HBox([self.surface_menu]),
                W.HTML("<b>learning rates</b>"),
                lr_box,
                self.steps_slider,
                W.HBox([self.x_slider, self.y_slider]),
            ]
        )
        self.update()

    def make_optimizers(self) -> list:
        """One optimizer per class with its lr slider's value."""
        out = []
        for cls in self.optimizer_classes:
            slider = self.lr_sliders.get(cls.__name__)
            out.append(cls() if slider is None else cls(lr=_value(slider)))
        return out

    def _compute(self):
        from lecture_lib.runners import run_many

        return run_many(
            self.make_optimizers(), self.surface, start=self.start, steps=self.steps_slider.value
        )

    def _draw(self, trajs) -> None:
        self._draw_contour()
        self.trajectories = list(trajs)
        for i, (traj, line, end, ann) in enumerate(
            zip(trajs, self.path_lines, self.end_markers, self.annotations, strict=True)
        ):
            pts = np.asarray(traj.points, dtype=float)
            line.set_data(pts[:, 0], pts[:, 1])
            end.set_data(pts[-1:, 0], pts[-1:, 1])
            text, xy, color = _path_annotation(self.ax, traj)
            if text is not None:
                text = f"{traj.optimizer}: {text}"
            _set_annotation(ann, text, xy, row=i)
            if color:
                ann.set_color(color)
        start = np.asarray(trajs[0].points, dtype=float)[0]
        self.start_marker.set_data([start[0]], [start[1]])

    def _reset(self) -> None:
        self._reset_common()
        for name, slider in self.lr_sliders.items():
            slider.value = self._init["lrs"][name]


class SincExplorer(_Explorer):
    """SGD on the 1-D surface 10·sinc(x) from x0 = 2.0: lr (log slider), steps, x0.

    Left: the curve with the iterates on it; right: x_t against t (oscillation, cycles,
    divergence). Small lr creeps into the nearby minimum, larger lr oscillates or cycles, too
    large lr jumps away ("diverged at step k").
    """

    def __init__(self, lr: float = 0.3, *, steps: int = 30, x0: float = 2.0, surface="sinc"):
        super().__init__(PlotCanvas(figsize=(8.4, 3.4), blit=False))
        self.surface = _surface(surface)
        if self.surface.dim != 1:
            raise ValueError(f"surface must be 1-D, got {surface!r} with dim={self.surface.dim}")
        from lecture_lib.optimizers import SGD

        self.optimizer_class = SGD
        lo, hi = self.surface.bounds[0]
        self.lr_slider = _hyper_slider(SGD, "lr", lr)
        self.lr_slider.min, self.lr_slider.max = -3.0, 1.5
        self.steps_slider = W.IntSlider(
            value=int(steps), min=1, max=200, description="steps", continuous_update=True
        )
        self.x0_slider = W.FloatSlider(
            value=float(x0),
            min=float(lo),
            max=float(hi),
            step=(hi - lo) / 200,
            description="start x₀",
            continuous_update=True,
        )
        for s in (self.steps_slider, self.x0_slider):
            s.style = _SLIDER_STYLE
        self.hyper_sliders = {"lr": self.lr_slider}
        self.sliders = {"lr": self.lr_slider, "steps": self.steps_slider, "x0": self.x0_slider}
        self._init = {"lr": self.lr_slider.value, "steps": int(steps), "x0": float(x0)}
        self._watch(self.lr_slider, self.steps_slider, self.x0_slider)
        fig = self.canvas.figure
        self.ax_curve, self.ax_x = fig.subplots(1, 2, gridspec_kw={"width_ratios": [3, 2]})
        fig.subplots_adjust(left=0.08, right=0.98, bottom=0.15, top=0.88, wspace=0.3)
        grid = np.linspace(lo, hi, 600)
        with np.errstate(all="ignore"):
            curve = np.asarray(self.surface.value(grid[:, None]), dtype=float)
        self.ax_curve.plot(grid, curve, color="0.3", lw=1.5)
        self.ax_curve.set_xlim(lo, hi)
        self.ax_curve.set_xlabel("$x$")
        self.ax_curve.set_ylabel("$f(x)$")
        self.ax_curve.set_title(self.surface.latex, fontsize=10)
        (self.path_line,) = self.ax_curve.plot([], [], "-o", color="C3", lw=0.8, ms=4, alpha=0.85)
        (self.start_marker,) = self.ax_curve.plot([], [], "o", color="C3", mfc="white", ms=9)
        self.annotation = _annotation(self.ax_curve)
        (self.x_line,) = self.ax_x.plot([], [], "-o", color="C3", lw=1, ms=3)
        self.ax_x.set_xlabel("step $t$")
        self.ax_x.set_ylabel("$x_t$")
        self.ax_x.grid(alpha=0.3)
        self.trajectory = None
        self._layout([self.lr_slider, self.steps_slider, self.x0_slider])
        self.update()

    def _compute(self):
        from lecture_lib.runners import run

        return run(
            self.optimizer_class(lr=_value(self.lr_slider)),
            self.surface,
            start=np.array([self.x0_slider.value]),
            steps=self.steps_slider.value,
        )

    def _draw(self, traj) -> None:
        self.trajectory = traj
        xs = np.asarray(traj.points, dtype=float)[:, 0]
        fs = np.asarray(traj.losses, dtype=float)
        self.path_line.set_data(xs, fs)
        self.start_marker.set_data(xs[:1], fs[:1])
        lo, hi = self.surface.bounds[0]
        xlo, xhi = min(lo, xs.min()), max(hi, xs.max())
        if (xlo, xhi) != tuple(self.ax_curve.get_xlim()):
            self._redraw_curve(xlo, xhi)
        text = plots.divergence_text(traj)
        _set_annotation(self.annotation, text, (xs[-1], fs[-1]))
        self.x_line.set_data(np.arange(len(xs)), xs)
        self.ax_x.relim()
        self.ax_x.autoscale_view()

    def _redraw_curve(self, xlo: float, xhi: float) -> None:
        grid = np.linspace(xlo, xhi, 800)
        with np.errstate(all="ignore"):
            curve = np.asarray(self.surface.value(grid[:, None]), dtype=float)
        self.ax_curve.lines[0].set_data(grid, curve)
        self.ax_curve.set_xlim(xlo, xhi)

    def _reset(self) -> None:
        self.lr_slider.value = self._init["lr"]
        self.steps_slider.value = self._init["steps"]
        self.x0_slider.value = self._init["x0"]


class BatchSizeExplorer(_Explorer):
    """Loss fluctuation against batch size via ``runners.minibatch_run``.

    Sliders: batch size (powers of two), lr (log), steps, seed. The plot shows the minibatch loss
    per step (thin) and the loss on the whole data set (thick).
    """

    BATCH_SIZES = (1, 2, 4, 8, 16, 32, 64, 128, 256)

    def __init__(self, batch_size: int = 8, *, lr: float = 0.1, steps: int = 200, seed: int = 0):
        super().__init__(PlotCanvas(figsize=(6.4, 3.6), blit=False))
        if batch_size not in self.BATCH_SIZES:
            raise ValueError(f"batch_size must be one of {self.BATCH_SIZES}, got {batch_size!r}")
        self.batch_slider = W.SelectionSlider(
            options=list(self.BATCH_SIZES),
            value=batch_size,
            description="batch size",
            continuous_update=True,
        )
        self.lr_slider = W.FloatLogSlider(
            value=lr, base=10, min=-3, max=0.5, step=0.05, description="lr η", readout_format=".2g"
        )
        self.steps_slider = W.IntSlider(value=steps, min=10, max=1000, step=10, description="steps")
        self.seed_slider = W.IntSlider(value=seed, min=0, max=20, description="seed")
        for s in (self.batch_slider, self.lr_slider, self.steps_slider, self.seed_slider):
            s.style = _SLIDER_STYLE
            s.continuous_update = True
        self.sliders = {
            "batch_size": self.batch_slider,
            "lr": self.lr_slider,
            "steps": self.steps_slider,
            "seed": self.seed_slider,
        }
        self.hyper_sliders = {"lr": self.lr_slider}
        self._init = {k: s.value for k, s in self.sliders.items()}
        self._watch(*self.sliders.values())
        fig = self.canvas.figure
        self.ax = fig.add_subplot()
        fig.subplots_adjust(left=0.12, right=0.97, bottom=0.14, top=0.9)
        (self.batch_line,) = self.ax.plot([], [], color="C0", lw=0.7, alpha=0.6, label="minibatch")
        (self.full_line,) = self.ax.plot([], [], color="C1", lw=2.0, label="full data")
        self.ax.set_yscale("log")
        self.ax.set_xlabel("step")
        self.ax.set_ylabel("loss")
        self.ax.grid(alpha=0.3)
        self.ax.legend(fontsize=8, loc="upper right")
        self.run = None
        self._layout(list(self.sliders.values()))
        self.update()

    def _compute(self):
        from lecture_lib.runners import minibatch_run

        return minibatch_run(
            batch_size=self.batch_slider.value,
            steps=self.steps_slider.value,
            lr=self.lr_slider.value,
            seed=self.seed_slider.value,
        )

    def _draw(self, run) -> None:
        self.run = run
        losses = _drawable(run.batch_losses)
        full = _drawable(run.losses)
        self.batch_line.set_data(np.arange(len(losses)), losses)
        self.full_line.set_data(np.arange(len(full)), full)
        finite = np.concatenate([losses[np.isfinite(losses)], full[np.isfinite(full)]])
        lo, hi = (finite.min(), finite.max()) if finite.size else (1e-3, 1.0)
        self.ax.set_xlim(0, max(len(full) - 1, 1))
        self.ax.set_ylim(lo / 1.5, hi * 1.5)
        self.ax.set_title(f"batch size {self.batch_slider.value}", fontsize=10)

    def _summary(self, run) -> str:
        if hasattr(run, "summary"):
            return run.summary()
        losses = np.asarray(run.batch_losses, dtype=float)
        full = np.asarray(run.losses, dtype=float)
        tail = losses[len(losses) // 2 :]
        return (
            f"batch size {self.batch_slider.value}: final full-data loss {full[-1]:.3g}, "
            f"minibatch loss std (second half) {np.std(tail):.3g}"
        )

    def _reset(self) -> None:
        for name, slider in self.sliders.items():
            slider.value = self._init[name]


def _drawable(values, cap: float = 1e30) -> np.ndarray:
    """Losses for a log axis: positive and below ``cap``, NaN (a gap) elsewhere."""
    y = np.asarray(values, dtype=float)
    with np.errstate(invalid="ignore"):
        keep = np.isfinite(y) & (y > 0) & (y < cap)
    return np.where(keep, y, np.nan)


# ----------------------------------------------------------------------------- presets
#: Ready-made demos for the instructor: name -> factory.
PRESETS: dict[str, Callable[[], _Explorer]] = {
    "saddle trap": lambda: OptimizerExplorer("SGD", "saddle", lr=0.1, steps=60, start=(-1.5, 0.0)),
    "anisotropic valley": lambda: CompareExplorer(("SGD", "Momentum", "Adagrad", "Adam"), "bowl"),
    "too-high lr on sinc": lambda: SincExplorer(lr=1.0, steps=40),
    "Rosenbrock race": lambda: CompareExplorer(
        ("SGD", "Momentum", "RMSProp", "Adam"),
        "rosenbrock",
        steps=300,
        lrs={"SGD": 2e-3, "Momentum": 2e-3, "RMSProp": 0.01, "Adam": 0.1},
    ),
}


def preset(name: str) -> _Explorer:
    """A ready-made explorer, see :data:`PRESETS`."""
    if name not in PRESETS:
        raise ValueError(f"preset must be one of {list(PRESETS)}, got {name!r}")
    return PRESETS[name]()


class Playground:
    """A menu of :data:`PRESETS`; choosing one swaps in that explorer."""

    def __init__(self, name: str = "anisotropic valley"):
        self.menu = W.Dropdown(options=list(PRESETS), value=name, description="preset")
        self.explorer = preset(name)
        self.box = W.VBox([self.explorer.widget])
        self.widget = W.VBox([self.menu, self.box])
        self.menu.observe(self._on_menu, names="value")

    def _on_menu(self, change) -> None:
        self.explorer = preset(change["new"])
        self.box.children = [self.explorer.widget]

    def _repr_mimebundle_(self, **kwargs):
        bundle = self.widget._repr_mimebundle_(**kwargs)
        bundle["text/plain"] = FALLBACK_TEXT
        return bundle
