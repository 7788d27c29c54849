"""Learning-rate sweeps: every optimizer at every learning rate on every surface, batched.

::

    result = sweep([SGD, Momentum, Adam], np.geomspace(1e-3, 1, 16), ["bowl", "rosenbrock"])
    print(result.table())

Each (optimizer, surface) pair is one :func:`lecture_lib.simulation.simulate` call with an lr
array of shape (B, 1), so 8 optimizers x 64 learning rates cost 8 loops, not 512.
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import numpy as np

from lecture_lib._checks import check_positive
from lecture_lib.optimizers import Optimizer
from lecture_lib.simulation import (
    as_surface,
    check_start,
    check_steps,
    minimum_value,
    plot_box,
    simulate,
    steps_to,
    surface_gradient,
)
from lecture_lib.surfaces import Surface

__all__ = ["Sweep", "sweep"]

_QUIET = {"over": "ignore", "invalid": "ignore", "divide": "ignore", "under": "ignore"}


def _spec_name(spec) -> str:
    if isinstance(spec, functools.partial):
        args = ", ".join(f"{k}={v!r}" for k, v in spec.keywords.items())
        return f"{_spec_name(spec.func)}({args})" if args else _spec_name(spec.func)
    if isinstance(spec, Optimizer):
        return repr(spec)
    return getattr(spec, "__name__", type(spec).__name__)


def _factory(spec) -> Callable[[np.ndarray], Optimizer]:
    """A function lr_array -> fresh optimizer, from a class, an instance or a factory."""
    if isinstance(spec, Optimizer):
        kwargs = {n: getattr(spec, n) for n in spec.hyperparameters}
        cls = type(spec)
        return lambda lr: cls(**{**kwargs, "lr": lr}) if "lr" in kwargs else cls(**kwargs)
    target = spec.func if isinstance(spec, functools.partial) else spec
    if isinstance(target, type) and issubclass(target, Optimizer):
        if "lr" in target.hyperparameters:
            return lambda lr: spec(lr=lr)
        return lambda lr: spec()
    if callable(spec):

        def make(lr):
            try:
                opt = spec(lr=lr)
            except TypeError:  # a factory for an optimizer without a learning rate
                opt = spec()
            if not isinstance(opt, Optimizer):
                raise TypeError(f"optimizer factory {spec!r} returned {type(opt).__name__}")
            return opt

        return make
    raise TypeError(
        "optimizers must be Optimizer classes, instances or factories taking lr=, "
        f"got {type(spec).__name__}"
    )


@dataclass
class Sweep:
    """Learning-rate grid x optimizer x surface, each (optimizer, surface) one batched run.

    Attributes:
        lrs: (B,) the learning rates (row b of every run used ``lrs[b]``).
        optimizers: (n_opt,) names; surfaces: (n_surf,) names; steps: updates per run.
        uses_lr: (n_opt,) False for an optimizer without ``lr`` (COCOB): its B rows are identical.
        losses: (n_opt, n_surf, steps + 1, B) loss at each iterate; NaN from a row's divergence.
        final_losses: (n_opt, n_surf, B) loss at the last iterate; NaN where the row diverged.
        final_points: list over optimizers of lists over surfaces of (B, dim) last finite iterates.
        diverged_at: (n_opt, n_surf, B) int, the update at which the row diverged, 0 if never.
        diverged_value: (n_opt, n_surf, B) str, ``"inf"``, ``"nan"``, ``"out_of_bounds"`` or "".
        minimum_values: (n_surf,) each surface's global minimum value, for :meth:`steps_to`.
    """

    lrs: np.ndarray
    optimizers: tuple[str, ...]
    surfaces: tuple[str, ...]
    steps: int
    uses_lr: tuple[bool, ...]
    losses: np.ndarray = field(repr=False)
    final_losses: np.ndarray = field(repr=False)
    final_points: list = field(repr=False)
    diverged_at: np.ndarray = field(repr=False)
    diverged_value: np.ndarray = field(repr=False)
    minimum_values: np.ndarray = field(repr=False)

    @property
    def diverged(self) -> np.ndarray:
        """(n_opt, n_surf, B) bool: the row diverged."""
        return self.diverged_at > 0

    def steps_to(self, tol: float, *, stay: bool = False) -> np.ndarray:
        """(n_opt, n_surf, B) updates until ``loss - minimum < tol`` (``stay``: and stays so);
        inf where a row never gets there (diverged rows never do)."""
        gaps = self.losses - np.asarray(self.minimum_values)[None, :, None, None]
        return steps_to(gaps, tol, stay=stay, axis=2)

    @property
    def best_lrs(self) -> np.ndarray:
        """(n_opt, n_surf) the lr with the lowest final loss among rows that did not diverge
        (the smallest such lr on ties); NaN where every row diverged or the optimizer has no lr."""
        out = np.full(self.final_losses.shape[:2], np.nan)
        for i, j in np.ndindex(*out.shape):
            f = self.final_losses[i, j]
            ok = np.isfinite(f)
            if self.uses_lr[i] and ok.any():
                out[i, j] = self.lrs[np.flatnonzero(ok)[np.argmin(f[ok])]]
        return out

    def best_lr(self, optimizer: str, surface: str) -> float:
        """Best lr for one pair, by names (see :attr:`best_lrs`)."""
        for what, names, name in (
            ("optimizer", self.optimizers, optimizer),
            ("surface", self.surfaces, surface),
        ):
            if name not in names:
                raise ValueError(f"{what} must be one of {list(names)}, got {name!r}")
        return float(self.best_lrs[self.optimizers.index(optimizer), self.surfaces.index(surface)])

    def table(self) -> str:
        """Plain-text table: per pair the best lr, its final loss and how many lrs diverged."""
        lines = [f"{'optimizer':<24} {'surface':<16} {'best lr':>9} {'loss':>9} {'diverged':>9}"]
        best = self.best_lrs
        for i, o in enumerate(self.optimizers):
            for j, s in enumerate(self.surfaces):
                f = self.final_losses[i, j]
                n_div = int(self.diverged[i, j].sum())
                loss = f"{np.nanmin(f):9.1e}" if np.isfinite(f).any() else f"{'-':>9}"
                lr = f"{best[i, j]:9.3g}" if np.isfinite(best[i, j]) else f"{'-':>9}"
                lines.append(f"{o:<24} {s:<16} {lr} {loss} {n_div:>5}/{len(self.lrs)}")
        return "\n".join(lines)


def _specs(optimizers) -> tuple[list[str], list]:
    if isinstance(optimizers, Mapping):
        return list(optimizers), list(optimizers.values())
    if isinstance(optimizers, (type, Optimizer)) or callable(optimizers):
        optimizers = [optimizers]
    specs = list(optimizers)
    return [_spec_name(s) for s in specs], specs


def _lrs(lrs) -> np.ndarray:
    try:
        lrs = np.array(lrs, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"lrs must be a 1-D sequence of numbers, got {lrs!r}") from exc
    if lrs.ndim != 1 or lrs.size == 0:
        raise ValueError(f"lrs must be a non-empty 1-D sequence, got shape {lrs.shape}")
    if not (np.isfinite(lrs) & (lrs > 0)).all():
        raise ValueError(f"lrs must be finite numbers > 0, got {lrs[~(lrs > 0)][:3].tolist()}...")
    return lrs


def sweep(
    optimizers,
    lrs,
    surfaces,
    start=None,
    steps: int = 300,
    *,
    far: float | None = 100.0,
) -> Sweep:
    """Run every optimizer at every learning rate on every surface.

    Each (optimizer, surface) pair is ONE batched :func:`simulate` call: params of shape (B, dim),
    lr of shape (B, 1), B = len(lrs). Row b equals ``run(Opt(lr=lrs[b]), surface, start, steps)``
    bit for bit, except on a noisy surface, where the rows draw independent noise.

    Args:
        optimizers: a sequence, or a dict name -> spec, of specs: an Optimizer class
            (``Adam``), a ``functools.partial(Momentum, alpha=0.5)``, an instance whose other
            hyperparameters are copied (``Adam(beta1=0.5)``: its lr is replaced), or any
            callable ``f(lr=...)`` returning an Optimizer. Optimizers without ``lr`` (COCOB)
            are built without it and give B identical rows.
        lrs: 1-D learning rates, finite and > 0.
        surfaces: a Surface or name, or a sequence of them.
        start: None for each surface's default start, or one start for all (same dim).
        steps: updates per run, an int in [0, 100000].
        far: divergence bound in plot half-widths (see :func:`run`), or None.
    """
    names, specs = _specs(optimizers)
    if not specs:
        raise ValueError("optimizers must not be empty")
    makers, lrs = [_factory(s) for s in specs], _lrs(lrs)
    surf = [
        as_surface(s) for s in ([surfaces] if isinstance(surfaces, (str, Surface)) else surfaces)
    ]
    if not surf:
        raise ValueError("surfaces must not be empty")
    steps, far = check_steps(steps), check_positive("far", far, allow_none=True)
    starts = [check_start(s, start) for s in surf]
    boxes = [plot_box(s, p, far) for s, p in zip(surf, starts, strict=True)]

    shape = (len(specs), len(surf))
    losses = np.full((*shape, steps + 1, len(lrs)), np.nan)
    final, div_at = np.full((*shape, len(lrs)), np.nan), np.zeros((*shape, len(lrs)), int)
    div_val = np.full((*shape, len(lrs)), "", dtype="<U13")
    points: list[list[np.ndarray]] = [[None] * len(surf) for _ in specs]
    uses_lr = tuple("lr" in make(lrs[:, None]).hyperparameters for make in makers)
    for (i, make), (j, s) in itertools.product(enumerate(makers), enumerate(surf)):
        sim = simulate(
            make(lrs[:, None]),
            surface_gradient(s),
            np.tile(starts[j], (len(lrs), 1)),
            steps,
            box=boxes[j],
        )
        n = len(sim.points)
        with np.errstate(**_QUIET):
            values = s.value(sim.points)  # (n, B)
        stop = np.where(sim.diverged_at > 0, sim.diverged_at, steps + 1)  # first unrecorded step
        losses[i, j, :n] = np.where(np.arange(n)[:, None] < stop, values, np.nan)
        final[i, j] = np.where(sim.diverged_at > 0, np.nan, values[-1])
        points[i][j], div_at[i, j], div_val[i, j] = (
            sim.points[-1],
            sim.diverged_at,
            sim.diverged_value,
        )
    return Sweep(
        lrs=lrs,
        optimizers=tuple(names),
        surfaces=tuple(s.name for s in surf),
        steps=steps,
        uses_lr=uses_lr,
        losses=losses,
        final_losses=final,
        final_points=points,
        diverged_at=div_at,
        diverged_value=div_val,
        minimum_values=np.array([minimum_value(s) for s in surf]),
    )
