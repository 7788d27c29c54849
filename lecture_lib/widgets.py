"""ipywidgets explorers for live demos: move a slider, the picture and the numbers follow.

Each explorer is declared as controls + a compute function that calls a runner + a view
(:mod:`lecture_lib.views`); :class:`lecture_lib.explorer.Explorer` wires them. Every explorer has

- ``.widget``: the ipywidgets container to display (or leave the explorer as a cell's last
  expression: its ``text/plain`` fallback says "Interactive explorer — run this cell to use the
  sliders." in a notebook opened without running it);
- ``.image`` (``ipywidgets.Image``, CSS class ``lecture-plot``, in a box with class
  ``widget-output``): the PNG picture; ``.summary`` (``ipywidgets.HTML``, class
  ``lecture-summary``) and ``.summary_text``: one line per run (``summary()`` of the runner's
  result), then the theory's readout, e.g. "η·λmax = 1.90 (SGD is stable below 2)";
- ``.sliders`` (name -> slider), ``.hyper_sliders`` (the optimizer's own), ``.error``,
  ``update()``, ``reset()`` (every control back to its initial value) and ``hold()``.

The 2-D explorers draw, beside the contour, the loss gap f(θ_t) − f* against the step on a log
scale; on a quadratic surface (bowl, ellipse) SGD's and Momentum's predicted rate is the dashed
line gap_0 · r^(2t) (:mod:`lecture_lib.theory`). Divergence is data ("diverged at step k", drawn
and summarised), never an exception. An initial value outside a slider's usual range widens the
range (``lr=100``, ``start=(50, 0)``) instead of being clipped.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Sequence
from typing import Any

import ipywidgets as W

from lecture_lib._checks import check_int
from lecture_lib.explorer import (
    FALLBACK_TEXT,
    Explorer,
    choice_slider,
    float_slider,
    int_slider,
    log_slider,
    menu,
    set_range,
)
from lecture_lib.optimizers import OPTIMIZERS, SGD, Optimizer
from lecture_lib.readout import predicted_rate, stability_readout
from lecture_lib.runners import MinibatchRun, Trajectory, minibatch_run, run
from lecture_lib.simulation import MAX_STEPS, check_start
from lecture_lib.surfaces import SURFACES, Surface, get_surface
from lecture_lib.views import CurveView, MinibatchView, PathsView, Runs

__all__ = [
    "DEMO_LR",
    "FALLBACK_TEXT",
    "PRESETS",
    "BatchSizeExplorer",
    "CompareExplorer",
    "OptimizerExplorer",
    "Playground",
    "SincExplorer",
    "optimizer_label",
    "predicted_rate",
    "preset",
    "stability_readout",
]

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
LR_RANGE = (1e-4, 10.0)  # the learning-rate slider's usual ends
# (min, max, step) of the slider of each hyperparameter other than lr, keyed by (optimizer, name)
# first, then by name. All inside the optimizers' valid ranges.
_RANGES: dict[Any, tuple[float, float, float]] = {
    ("COCOB", "alpha"): (1.0, 500.0, 1.0),
    "alpha": (0.0, 0.99, 0.01),
    "rho": (0.0, 0.99, 0.01),
    "beta1": (0.0, 0.99, 0.01),
    "beta2": (0.5, 0.9999, 0.0001),
}
_SYMBOLS = {"alpha": "α", "rho": "ρ", "beta1": "β1", "beta2": "β2"}


# ----------------------------------------------------------------------------- controls
def _optimizer_class(optimizer: str | type) -> type[Optimizer]:
    if isinstance(optimizer, type) and issubclass(optimizer, Optimizer):
        return optimizer
    if optimizer not in OPTIMIZERS:
        raise ValueError(f"optimizer must be one of {list(OPTIMIZERS)}, got {optimizer!r}")
    return OPTIMIZERS[optimizer]


def slider_names(optimizer: str | type) -> tuple[str, ...]:
    """Hyperparameters that get a slider: all of the class's ``hyperparameters`` except eps."""
    return tuple(n for n in _optimizer_class(optimizer).hyperparameters if n != "eps")


def _initial(cls: type[Optimizer], given: dict[str, float]) -> dict[str, float]:
    """Every slider's initial value: given, else the demo lr / the class default. Checked by
    building the optimizer, so a bad value fails here with the optimizer's own message."""
    params = inspect.signature(cls.__init__).parameters
    values = {n: params[n].default for n in slider_names(cls)}
    if "lr" in values:
        values["lr"] = DEMO_LR.get(cls.__name__, values["lr"])
    values.update(given)
    cls(**values)
    return {n: float(v) for n, v in values.items()}


def _hyper_slider(cls: type[Optimizer], name: str, value: float) -> W.Widget:
    if name == "lr":
        return log_slider("lr η", value, *LR_RANGE)
    lo, hi, step = _RANGES.get((cls.__name__, name), _RANGES.get(name, (0.0, 1.0, 0.01)))
    return float_slider(f"{_SYMBOLS.get(name, name)} ({name})", value, lo, hi, step)


def _start_sliders(surface: Surface, start: Any) -> dict[str, W.FloatSlider]:
    """start x / start y on the surface's plot bounds, widened (5 % beyond) to hold ``start``."""
    p = check_start(surface, start)
    sliders = {}
    for name, (lo, hi), value in zip(("x", "y"), surface.bounds, p, strict=True):
        step, margin = (hi - lo) / 200, 0.05 * (hi - lo)
        lo, hi = (value - margin if value < lo else lo), (value + margin if value > hi else hi)
        sliders[name] = float_slider(f"start {name}", float(value), lo, hi, step)
    return sliders


def _steps(steps: int, hi: int = 500) -> W.IntSlider:
    return int_slider("steps", check_int("steps", steps, 1, high=MAX_STEPS), 1, hi)


def optimizer_label(optimizer: Optimizer) -> str:
    """Legend text with the learning rate: ``"SGD (lr 0.95)"``, ``"COCOB (no lr)"``."""
    name = type(optimizer).__name__
    lr = getattr(optimizer, "lr", None)
    return f"{name} (lr {lr:.3g})" if lr is not None else f"{name} (no lr)"


# ----------------------------------------------------------------------------- 2-D explorers
class _SurfaceExplorer(Explorer):
    """Runs on a 2-D surface: surface menu, start sliders, steps; PathsView."""

    def __init__(self, surface: str, start: Any, steps: int, hyper: dict, n_runs: int) -> None:
        names = [n for n, s in SURFACES.items() if s.dim == 2]
        if surface not in names:
            raise ValueError(f"surface must be one of {names}, got {surface!r}")
        controls = {"surface": menu("surface", names, surface), **hyper, "steps": _steps(steps)}
        controls.update(_start_sliders(get_surface(surface), start))
        self.view = PathsView(n_runs, legend=n_runs > 1)
        self._memo: dict[tuple, Trajectory] = {}
        super().__init__(controls, self.view.figure)
        self.surface_menu = self.controls["surface"]
        self.steps_slider, self.x_slider, self.y_slider = (
            self.sliders[k] for k in ("steps", "x", "y")
        )
        self.ax = self.view.ax
        self.link("surface", self._move_start)

    def _move_start(self, name: str) -> None:
        surface = get_surface(name)
        for slider, (lo, hi), value in zip(
            (self.x_slider, self.y_slider), surface.bounds, surface.start, strict=True
        ):
            slider.step = (hi - lo) / 200
            set_range(slider, lo, hi, float(value))

    @property
    def surface(self) -> Surface:
        return get_surface(self.surface_menu.value)

    def layout(self) -> list[W.Widget]:
        c = self.controls
        rows = [c[n] for n in c if n not in ("surface", "steps", "x", "y")]
        return [W.HBox([c["surface"]]), *rows, c["steps"], W.HBox([c["x"], c["y"]])]

    def _runs(self, optimizers: list[Optimizer], values: dict) -> Runs:
        """``runners.run`` for each optimizer; a run whose inputs did not change since the last
        update is reused (moving one lr of a comparison reruns that optimizer only)."""
        surface = get_surface(values["surface"])
        start, steps = (values["x"], values["y"]), values["steps"]
        memo, self._memo, trajectories = self._memo, {}, []
        for o in optimizers:
            key = (type(o), tuple(getattr(o, n) for n in o.hyperparameters), surface.name, start)
            key += (steps,)
            trajectory = memo.get(key) or run(
                o, surface, start=start, steps=steps, record_state=False
            )
            self._memo[key] = trajectory
            trajectories.append(trajectory)
        return Runs(
            trajectories=trajectories,
            labels=[optimizer_label(o) for o in optimizers],
            rates=[predicted_rate(o, surface) for o in optimizers],
            readouts=[stability_readout(o, surface) for o in optimizers],
        )

    def draw(self, result: Runs) -> None:
        bounds = [(s.min, s.max) for s in (self.x_slider, self.y_slider)]
        self.view.draw(result, self.surface, bounds, self.steps_slider.value)

    @property
    def trajectories(self) -> list[Trajectory]:
        """The runs behind the current picture."""
        return list(self.result.trajectories) if self.result is not None else []


class OptimizerExplorer(_SurfaceExplorer):
    """One optimizer on one 2-D surface: a slider per hyperparameter (lr on a log scale, α, ρ,
    β1, β2, COCOB's α; none for eps), steps, start point, surface menu, reset, summary.

    ``OptimizerExplorer("Adam", surface="bowl", lr=0.3, steps=50, start=None)``; further keyword
    arguments set initial hyperparameter values, e.g. ``beta1=0.5``.
    """

    def __init__(
        self,
        optimizer: str | type = "Adam",
        surface: str = "bowl",
        *,
        steps: int = 50,
        start: Any = None,
        **hyperparameters: float,
    ) -> None:
        self.optimizer_class = _optimizer_class(optimizer)
        names = slider_names(self.optimizer_class)
        unknown = set(hyperparameters) - set(names)
        if unknown:
            raise ValueError(
                f"hyperparameters {sorted(unknown)} are not sliders of "
                f"{self.optimizer_class.__name__}; valid: {list(names)}"
            )
        values = _initial(self.optimizer_class, hyperparameters)
        hyper = {n: _hyper_slider(self.optimizer_class, n, v) for n, v in values.items()}
        super().__init__(surface, start, steps, hyper, n_runs=1)
        self.hyper_sliders = {n: self.sliders[n] for n in names}
        self.begin()

    def make_optimizer(self) -> Optimizer:
        """The optimizer with the sliders' current values (eps keeps the class default)."""
        values = self.values()
        return self.optimizer_class(**{n: values[n] for n in self.hyper_sliders})

    def compute(self, values: dict) -> Runs:
        return self._runs([self.make_optimizer()], values)

    @property
    def trajectory(self) -> Trajectory | None:
        return self.result.trajectories[0] if self.result is not None else None


class CompareExplorer(_SurfaceExplorer):
    """Several optimizers on one 2-D surface, shared start and steps, each with its own lr slider.

    ``CompareExplorer(("SGD", "Momentum", "Adagrad", "Adam"), surface="bowl", lrs=None)``;
    ``lrs`` maps optimizer name -> initial lr (defaults: ``DEMO_LR``). Optimizers without an lr
    (COCOB) run with their defaults. Legends show each learning rate: "SGD (lr 0.95)".
    """

    def __init__(
        self,
        optimizers: Sequence[str] = ("SGD", "Momentum", "Adagrad", "Adam"),
        surface: str = "bowl",
        *,
        steps: int = 50,
        start: Any = None,
        lrs: dict[str, float] | None = None,
    ) -> None:
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
        hyper = {}
        for cls in self.optimizer_classes:
            if "lr" in cls.hyperparameters:
                lr = _initial(cls, {"lr": lrs[cls.__name__]} if cls.__name__ in lrs else {})["lr"]
                hyper[f"lr_{cls.__name__}"] = log_slider(cls.__name__, lr, *LR_RANGE)
        super().__init__(surface, start, steps, hyper, n_runs=len(names))
        self.lr_sliders = {k[3:]: self.sliders[k] for k in hyper}
        self.hyper_sliders = dict(self.lr_sliders)
        self.begin()

    def layout(self) -> list[W.Widget]:
        rows = super().layout()
        return [rows[0], W.HTML("<b>learning rates</b>"), W.VBox(rows[1:-2]), *rows[-2:]]

    def make_optimizers(self) -> list[Optimizer]:
        """One optimizer per class with its lr slider's value."""
        values = self.values()
        return [
            cls(lr=values[f"lr_{cls.__name__}"]) if cls.__name__ in self.lr_sliders else cls()
            for cls in self.optimizer_classes
        ]

    def compute(self, values: dict) -> Runs:
        return self._runs(self.make_optimizers(), values)


# ----------------------------------------------------------------------------- other explorers
class SincExplorer(Explorer):
    """SGD on the 1-D surface 10·sinc(x) from x0 = 2.0: lr (log slider), steps, x0.

    Left: the curve with the iterates on it; right: x_t against t (oscillation, cycles,
    divergence). Small lr creeps into the nearby minimum, larger lr oscillates or cycles, too
    large lr jumps away ("diverged at step k"). The readout compares η with the curvature at
    the surface's first minimum.
    """

    def __init__(
        self, lr: float = 0.3, *, steps: int = 30, x0: float = 2.0, surface: str = "sinc"
    ) -> None:
        self.surface = get_surface(surface)
        if self.surface.dim != 1:
            raise ValueError(f"surface must be 1-D, got {surface!r} with dim={self.surface.dim}")
        lr = _initial(SGD, {"lr": lr})["lr"]
        x0 = float(check_start(self.surface, x0)[0])
        (lo, hi) = self.surface.bounds[0]
        self.view = CurveView()
        controls = {
            "lr": log_slider("lr η", lr, 1e-3, 10**1.5),
            "steps": int_slider("steps", check_int("steps", steps, 1, high=MAX_STEPS), 1, 200),
            "x0": float_slider("start x₀", x0, lo, hi, (hi - lo) / 200),
        }
        super().__init__(controls, self.view.figure)
        self.lr_slider, self.steps_slider, self.x0_slider = self.sliders.values()
        self.hyper_sliders = {"lr": self.lr_slider}
        self.ax_curve, self.ax_x = self.view.ax_curve, self.view.ax_x
        self.begin()

    def compute(self, values: dict) -> Trajectory:
        return run(
            SGD(lr=values["lr"]),
            self.surface,
            start=[values["x0"]],
            steps=values["steps"],
            record_state=False,
        )

    def draw(self, trajectory: Trajectory) -> None:
        self.view.draw(trajectory, self.surface, self.steps_slider.value)

    def describe(self, trajectory: Trajectory) -> str:
        readout = stability_readout(SGD(lr=self.values()["lr"]), self.surface)
        return trajectory.summary() + (f"\n{readout}" if readout else "")

    @property
    def trajectory(self) -> Trajectory | None:
        return self.result


class BatchSizeExplorer(Explorer):
    """Loss fluctuation against batch size via ``runners.minibatch_run``.

    Sliders: batch size (powers of two), lr (log), steps, seed. The plot shows the minibatch loss
    per step (thin) and the loss on the whole data set (thick); a run whose loss blows up is
    marked "diverged at step k".
    """

    BATCH_SIZES = (1, 2, 4, 8, 16, 32, 64, 128, 256)

    def __init__(
        self, batch_size: int = 8, *, lr: float = 0.1, steps: int = 200, seed: int = 0
    ) -> None:
        if batch_size not in self.BATCH_SIZES:
            raise ValueError(f"batch_size must be one of {self.BATCH_SIZES}, got {batch_size!r}")
        lr = _initial(SGD, {"lr": lr})["lr"]
        self.view = MinibatchView()
        controls = {
            "batch_size": choice_slider("batch size", self.BATCH_SIZES, batch_size),
            "lr": log_slider("lr η", lr, 1e-3, 10**0.5),
            "steps": int_slider(
                "steps", check_int("steps", steps, 1, high=MAX_STEPS), 10, 1000, 10
            ),
            "seed": int_slider("seed", check_int("seed", seed, 0), 0, 20),
        }
        super().__init__(controls, self.view.figure)
        self.batch_slider, self.lr_slider, self.steps_slider, self.seed_slider = (
            self.sliders.values()
        )
        self.hyper_sliders = {"lr": self.lr_slider}
        self.ax = self.view.ax
        self.begin()

    def compute(self, values: dict) -> MinibatchRun:
        return minibatch_run(
            batch_size=values["batch_size"],
            steps=values["steps"],
            lr=values["lr"],
            seed=values["seed"],
        )

    def draw(self, result: MinibatchRun) -> None:
        self.view.draw(result, self.steps_slider.value)

    @property
    def run(self) -> MinibatchRun | None:
        return self.result


# ----------------------------------------------------------------------------- presets
#: Ready-made demos for the instructor: name -> factory.
PRESETS: dict[str, Callable[[], Explorer]] = {
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


def preset(name: str) -> Explorer:
    """A ready-made explorer, see :data:`PRESETS`."""
    if name not in PRESETS:
        raise ValueError(f"preset must be one of {list(PRESETS)}, got {name!r}")
    return PRESETS[name]()


class Playground:
    """A menu of :data:`PRESETS`; choosing one swaps in that explorer."""

    def __init__(self, name: str = "anisotropic valley") -> None:
        self.menu = W.Dropdown(options=list(PRESETS), value=name, description="preset")
        self.explorer = preset(name)
        self.box = W.VBox([self.explorer.widget])
        self.widget = W.VBox([self.menu, self.box])
        self.menu.observe(self._on_menu, names="value")

    def _on_menu(self, change: dict) -> None:
        self.explorer = preset(change["new"])
        self.box.children = [self.explorer.widget]

    def _repr_mimebundle_(self, **kwargs: Any) -> dict:
        bundle = self.widget._repr_mimebundle_(**kwargs)
        bundle["text/plain"] = FALLBACK_TEXT
        return bundle
