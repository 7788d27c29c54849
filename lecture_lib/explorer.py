"""The machinery behind every explorer: declared controls, one update path, a fast picture.

An explorer is *declared*: its controls (a dict name -> slider or menu, built with the helpers
below), a ``compute(values)`` that calls a runner with the controls' current values, and a view
that puts the result on artists (:mod:`lecture_lib.artists`). :class:`Explorer` does the rest:

- every control change runs ``compute`` -> ``view.draw`` -> PNG -> summary, exactly once
  (:meth:`Explorer.hold` groups several changes into one update);
- an exception in that path is shown, readable, in the summary (and kept in ``.error``);
- :meth:`Explorer.reset` puts every control back to its initial value *and range*, from a snapshot
  taken at construction: nothing per explorer;
- ``.timings`` keeps how long each update spent running, drawing and encoding.

Controls built here never clip silently: an initial value outside the usual slider range widens
the range to include it (``lr=100`` gets a slider up to 100).

Speed (see ``benchmarks/browser_latency.py``): :class:`BlitFigure` is one persistent Agg figure
whose panels are cached as bitmaps, one cache per panel keyed by what the panel's static part shows
(the surface, the axis limits). A slider move restores the cached panels, draws only the data
artists on top and encodes a PNG; a panel is redrawn only when its key changes.
"""

from __future__ import annotations

import html
import struct
import time
import zlib
from collections import OrderedDict, deque
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from itertools import pairwise
from typing import Any, NamedTuple

import ipywidgets as W
import numpy as np
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.transforms import Bbox

__all__ = [
    "FALLBACK_TEXT",
    "BlitFigure",
    "Explorer",
    "UpdateTiming",
    "choice_slider",
    "float_slider",
    "int_slider",
    "log_slider",
    "menu",
    "png_bytes",
    "set_range",
]

FALLBACK_TEXT = "Interactive explorer — run this cell to use the sliders."
SLIDER_STYLE = {"description_width": "90px"}
SLIDERS = (W.FloatSlider, W.FloatLogSlider, W.IntSlider, W.SelectionSlider)


# ----------------------------------------------------------------------------- controls
def _widen(value: float, lo: float, hi: float) -> tuple[float, float]:
    """The range [lo, hi] widened just enough to hold ``value``."""
    return min(lo, value), max(hi, value)


def _grid_through(value: float, lo: float, hi: float, step: float) -> tuple[float, float]:
    """[lo, hi] (widened to hold ``value``) shrunk to the grid of ``step`` through ``value``.

    The front-end snaps a slider's value to min + k * step, so an off-grid value such as Polyak's
    alpha = 0.403 on a 0.01 grid from 0 would silently become 0.40 in the browser."""
    lo, hi = _widen(value, lo, hi)
    grid_lo = value - step * np.floor((value - lo) / step + 1e-9)
    grid_hi = value + step * np.floor((hi - value) / step + 1e-9)
    # an end already on the grid stays exact (0.9 - 90 * 0.01 is -1e-16, not 0)
    close = 1e-6 * step
    return (
        float(lo if abs(grid_lo - lo) < close else grid_lo),
        float(hi if abs(grid_hi - hi) < close else grid_hi),
    )


def float_slider(
    label: str, value: float, lo: float, hi: float, step: float, *, fmt: str | None = None
) -> W.FloatSlider:
    """A FloatSlider on [lo, hi] (widened to hold ``value``) whose grid of ``step`` passes
    through ``value``; the readout shows one more digit when ``value`` is off the grid from 0."""
    value = float(value)
    lo, hi = _grid_through(value, lo, hi, step)
    if fmt is None:
        digits = 4 if step < 0.001 else (2 if step < 1 else 0)
        off_grid = abs(value / step - round(value / step)) > 1e-6
        fmt = f".{digits + off_grid}f"
    return W.FloatSlider(
        value=float(value),
        min=lo,
        max=hi,
        step=step,
        description=label,
        readout_format=fmt,
        continuous_update=True,
        style=SLIDER_STYLE,
    )


def log_slider(
    label: str, value: float, lo: float, hi: float, step: float = 0.05
) -> W.FloatLogSlider:
    """A FloatLogSlider from ``lo`` to ``hi`` (values, not exponents; widened to hold ``value``)
    whose grid of ``step`` decades passes through ``value``: the front-end snaps the value to
    that grid, so an off-grid start such as 0.95 would otherwise silently become 1.0."""
    e = float(np.log10(value))
    e_lo, e_hi = _grid_through(e, float(np.log10(lo)), float(np.log10(hi)), step)
    return W.FloatLogSlider(
        value=float(value),
        base=10,
        min=e_lo,
        max=e_hi,
        step=step,
        description=label,
        readout_format=".2g",
        continuous_update=True,
        style=SLIDER_STYLE,
    )


def int_slider(label: str, value: int, lo: int, hi: int, step: int = 1) -> W.IntSlider:
    """An IntSlider on [lo, hi] (widened to hold ``value``)."""
    lo, hi = _widen(int(value), lo, hi)
    return W.IntSlider(
        value=int(value),
        min=int(lo),
        max=int(hi),
        step=step,
        description=label,
        continuous_update=True,
        style=SLIDER_STYLE,
    )


def choice_slider(label: str, options: Sequence, value: Any) -> W.SelectionSlider:
    """A SelectionSlider over ``options`` (``value`` must be one of them)."""
    return W.SelectionSlider(
        options=list(options),
        value=value,
        description=label,
        continuous_update=True,
        style=SLIDER_STYLE,
    )


def menu(label: str, options: Sequence[str], value: str) -> W.Dropdown:
    """A Dropdown over ``options``."""
    return W.Dropdown(options=list(options), value=value, description=label)


def set_range(slider: W.Widget, lo: float, hi: float, value: Any) -> None:
    """Give a slider a new range (exponents for a FloatLogSlider) and value, in one message,
    never passing through min > max."""
    with slider.hold_sync():
        if lo > slider.max:
            slider.max, slider.min = hi, lo
        else:
            slider.min, slider.max = lo, hi
        slider.value = value


def _snapshot(widget: W.Widget) -> dict[str, Any]:
    keys = ("min", "max", "step", "value") if hasattr(widget, "min") else ("value",)
    return {k: getattr(widget, k) for k in keys}


def _restore(widget: W.Widget, snap: dict[str, Any]) -> None:
    if "min" in snap:
        widget.step = snap["step"]
        set_range(widget, snap["min"], snap["max"], snap["value"])
    else:
        widget.value = snap["value"]


def _clean(value: Any) -> Any:
    """A float to 6 significant digits: the front-end's float steps leave noise such as
    0.9000000000000001, which would otherwise show up in every label and summary."""
    return float(f"{value:.6g}") if isinstance(value, float) else value


# ----------------------------------------------------------------------------- picture
def _chunk(tag: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + tag + body + struct.pack(">I", zlib.crc32(tag + body))


def png_bytes(rgba: np.ndarray) -> bytes:
    """An (h, w, 4) uint8 RGBA image as an RGB PNG, fast: rows unfiltered, zlib level 1.

    Plots are mostly flat colour, which deflate packs well without PNG's row filters; this takes
    about 60 % of the time of Pillow's ``compress_level=1`` for a smaller file.
    """
    h, w = rgba.shape[:2]
    rows = np.empty((h, 1 + 3 * w), dtype=np.uint8)
    rows[:, 0] = 0  # filter type "None" for every row
    rows[:, 1:] = rgba[..., :3].reshape(h, 3 * w)
    header = struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)  # 8-bit RGB, no interlace
    return b"".join(
        [
            b"\x89PNG\r\n\x1a\n",
            _chunk(b"IHDR", header),
            _chunk(b"IDAT", zlib.compress(rows.tobytes(), 1)),
            _chunk(b"IEND", b""),
        ]
    )


class BlitFigure:
    """A persistent Agg figure whose panels are cached bitmaps; renders to PNG bytes.

    ``panels``: list of ``(axes, key)`` where ``key()`` returns what the axes' static part shows.
    Each panel owns a column of the figure (from its axes' left edge, minus its tick labels, to
    the next panel). Artists registered with :meth:`add_dynamic` are drawn on top at every render.
    """

    def __init__(self, figsize: tuple[float, float], dpi: float = 88) -> None:
        self.figure = Figure(figsize=figsize, dpi=dpi)
        self.canvas = FigureCanvasAgg(self.figure)
        self.dynamic: list = []
        self.panels: list[tuple[Axes, Callable[[], Any]]] = []
        self._cache: list[OrderedDict] = []
        self.encode_time = 0.0  # seconds the last render spent encoding the PNG

    def add_panel(self, ax: Axes, key: Callable[[], Any]) -> None:
        self.panels.append((ax, key))
        self._cache.append(OrderedDict())

    def add_dynamic(self, *artists: Any) -> None:
        for artist in artists:
            artist.set_animated(True)
            self.dynamic.append(artist)

    def _columns(self) -> list[Bbox]:
        width, height = self.figure.bbox.width, self.figure.bbox.height
        # a panel's tick labels sit left of its axes: cut just right of the previous axes
        cuts = [
            a.bbox.x1 + 0.2 * (b.bbox.x0 - a.bbox.x1) for (a, _), (b, _) in pairwise(self.panels)
        ]
        edges = [0.0, *cuts, width]
        return [Bbox([[a, 0], [b, height]]) for a, b in pairwise(edges)]

    def _draw_panel(self, index: int, column: Bbox) -> Any:
        others = [ax for i, (ax, _) in enumerate(self.panels) if i != index]
        for ax in others:
            ax.set_visible(False)
        try:
            self.canvas.draw()  # animated (dynamic) artists are left out
        finally:
            for ax in others:
                ax.set_visible(True)
        return self.canvas.copy_from_bbox(column)

    def render(self) -> bytes:
        """Restore each panel's cached bitmap (drawing it on a new key), draw the dynamic
        artists, encode PNG."""
        columns = self._columns()
        regions = []
        for i, ((_, key), cache) in enumerate(zip(self.panels, self._cache, strict=True)):
            k = key()
            if k not in cache:
                cache[k] = self._draw_panel(i, columns[i])
                while len(cache) > 16:
                    cache.popitem(last=False)
            cache.move_to_end(k)
            regions.append(cache[k])
        for region in regions:
            self.canvas.restore_region(region)
        for artist in self.dynamic:
            if artist.get_visible():
                self.figure.draw_artist(artist)
        t0 = time.perf_counter()
        png = png_bytes(np.asarray(self.canvas.buffer_rgba()))
        self.encode_time = time.perf_counter() - t0
        return png


# ----------------------------------------------------------------------------- explorer
class UpdateTiming(NamedTuple):
    """Seconds one update spent in the runner, drawing and PNG encoding; ``at``: when it ended
    (``time.perf_counter``)."""

    run: float
    draw: float
    encode: float
    at: float


class Explorer:
    """Controls + compute + view, wired together (see the module docstring).

    Subclasses call ``super().__init__(controls, figure)`` with every control built, then
    :meth:`begin`; they implement :meth:`compute` (values -> result) and :meth:`draw` (result ->
    artists), and may override :meth:`describe` (result -> summary text) and :meth:`layout`.
    """

    def __init__(self, controls: dict[str, W.Widget], figure: BlitFigure) -> None:
        self.controls = dict(controls)
        self.sliders = {n: w for n, w in self.controls.items() if isinstance(w, SLIDERS)}
        self.hyper_sliders: dict[str, W.Widget] = {}
        self.figure = figure
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
        self.result: Any = None
        self.updates = 0
        self.timings: deque[UpdateTiming] = deque(maxlen=200)
        self._hold_depth = 0
        self._links: dict[str, Callable[[Any], None]] = {}
        self._initial = {n: _snapshot(w) for n, w in self.controls.items()}
        self.widget: W.Box = W.VBox()

    def begin(self) -> None:
        """Lay the widgets out, watch every control, draw the first picture. The initial values
        must give one: an error there is raised, not shown."""
        self.widget = W.VBox(
            [*self.layout(), W.HBox([self.reset_button]), self.plot_box, self.summary]
        )
        self.widget.add_class("lecture-explorer")
        for name, widget in self.controls.items():
            widget.observe(lambda change, name=name: self._on_change(name, change), names="value")
        self.update()
        if self.error is not None:
            raise self.error

    # -- to declare
    def layout(self) -> list[W.Widget]:
        """The control rows above the picture (default: one per control)."""
        return list(self.controls.values())

    def compute(self, values: dict[str, Any]) -> Any:
        raise NotImplementedError

    def draw(self, result: Any) -> None:
        raise NotImplementedError

    def describe(self, result: Any) -> str:
        """The summary text (default: ``result.summary()``, one line per result)."""
        results = result if isinstance(result, list) else [result]
        return "\n".join(r.summary() for r in results)

    def link(self, name: str, react: Callable[[Any], None]) -> None:
        """Call ``react(new_value)`` when control ``name`` changes, before the one update
        (e.g. a surface menu that moves the start sliders)."""
        self._links[name] = react

    # -- plumbing
    def values(self) -> dict[str, Any]:
        """Every control's current value (floats to 6 significant digits)."""
        return {n: _clean(w.value) for n, w in self.controls.items()}

    def _on_change(self, name: str, change: dict) -> None:
        with self.hold():
            if name in self._links:
                self._links[name](change["new"])

    @contextmanager
    def hold(self) -> Iterator[None]:
        """Change several controls at once and update only once, at the end."""
        self._hold_depth += 1
        try:
            yield
        finally:
            self._hold_depth -= 1
        if self._hold_depth == 0:
            self.update()

    def update(self) -> None:
        """Run ``compute`` with the current values, redraw, and refresh the summary."""
        try:
            t0 = time.perf_counter()
            result = self.compute(self.values())
            t1 = time.perf_counter()
            self.draw(result)
            png = self.figure.render()
            t2 = time.perf_counter()
            text = self.describe(result)
        except Exception as exc:  # callback boundary: show it instead of losing it
            self.error = exc
            self.summary_text = f"error: {type(exc).__name__}: {exc}"
            self.summary.value = (
                f'<span style="color:#b00020">{html.escape(self.summary_text)}</span>'
            )
            return
        encode = self.figure.encode_time
        self.timings.append(UpdateTiming(t1 - t0, t2 - t1 - encode, encode, t2))
        self.error, self.result = None, result
        self.image.value = png
        self.summary_text = text
        self.summary.value = "<br>".join(html.escape(line) for line in text.split("\n"))
        self.updates += 1

    def reset(self) -> None:
        """Every control back to its initial value and range (one update)."""
        with self.hold():
            for name, widget in self.controls.items():
                _restore(widget, self._initial[name])

    # -- display
    def _repr_mimebundle_(self, **kwargs: Any) -> dict:
        bundle = self.widget._repr_mimebundle_(**kwargs)
        bundle["text/plain"] = FALLBACK_TEXT
        return bundle

    def __repr__(self) -> str:
        return f"<{type(self).__name__}: {self.summary_text or FALLBACK_TEXT}>"
