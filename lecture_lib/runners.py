"""Runners: drive an optimizer over a test surface and return plain data.

::

    traj = run(Adam(lr=0.1), "bowl", steps=100)
    print(traj.summary())          # "Adam(lr=0.1, ...): 100 steps, final (...), loss ..."
    result = sweep([SGD, Momentum, Adam], np.geomspace(1e-3, 1, 16), ["bowl", "rosenbrock"])

This module is the one to import from: it holds the single runs (:func:`run`, :func:`run_many`,
:func:`replay`) and re-exports the learning-rate sweeps (:mod:`lecture_lib.sweeps`), the
minibatch runs (:mod:`lecture_lib.minibatch`) and :func:`steps_to`. All of them step through the
same loop, :func:`lecture_lib.simulation.simulate`, whose docstring defines divergence.

Note: the gradient of 10 sinc(x) is bounded (|f'| < 14), so on ``sinc`` even an absurd learning
rate cannot produce inf: the iterate is thrown far out of the plot and stopped as
``"out_of_bounds"``. The lecture's "oscillates, then inf, then NaN" is what happens on a surface
whose gradient grows with distance, e.g. ``bowl`` with ``lr > 2/curvature`` and ``far=None``.

Stall (``run`` only): when the final gradient norm and the last step are both below
``stall_tol``, the run stopped at a critical point, classified by :mod:`lecture_lib.stall`. The run
is not cut short there: plain SGD with a moderate lr stays, adaptive methods may move on (and then
no stall is reported). A tiny gradient alone is not a stall: lr 1e6 times |g| = 2e-6 still moves.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import numpy as np

from lecture_lib._checks import check_positive
from lecture_lib.minibatch import MinibatchRun, minibatch_run
from lecture_lib.optimizers import Optimizer
from lecture_lib.simulation import (
    MAX_STEPS,
    as_optimizer,
    as_surface,
    check_start,
    check_steps,
    minimum_value,
    plot_box,
    simulate,
    steps_to,
    surface_gradient,
)
from lecture_lib.stall import diagnose
from lecture_lib.surfaces import Surface
from lecture_lib.sweeps import Sweep, sweep

__all__ = [
    "MinibatchRun",
    "Sweep",
    "Trajectory",
    "minibatch_run",
    "replay",
    "run",
    "run_many",
    "steps_to",
    "sweep",
]

_QUIET = {"over": "ignore", "invalid": "ignore", "divide": "ignore", "under": "ignore"}


# --- single runs --------------------------------------------------------------------------------


def _fmt_point(p: np.ndarray) -> str:
    # round first so that -0.0004 prints as 0.000, not -0.000
    text = (f"{round(v, 3) + 0.0:.3f}" if abs(v) < 1e5 else f"{v:.3e}" for v in p)
    return "(" + ", ".join(text) + ")"


_STALL_SUMMARY = {
    "saddle": "stopped at a saddle point {where} at step {at}",
    "flat": "stopped at a flat point {where} at step {at}, {loss}",
    "maximum": "stopped at a maximum {where} at step {at}, {loss}",
}


@dataclass
class Trajectory:
    """One optimizer run on one surface.

    Attributes:
        label: legend text, ``repr(optimizer)`` unless given.
        optimizer: optimizer class name; surface: surface name.
        points: (n + 1, dim) finite iterates, start included (n updates were recorded).
        losses, grad_norms: (n + 1,) loss and gradient norm at each point (the gradient the
            optimizer saw, noisy on a noisy surface).
        state: every ``optimizer.diagnostics("x")`` key over time, each (n, dim).
        steps: the number of updates requested (n == steps unless it diverged).
        diverged_at: update number (1-based) whose iterate was non-finite or far out, else 0.
        diverged_value: ``"inf"``, ``"nan"`` or ``"out_of_bounds"`` ("" if it did not diverge).
        stall: ``"minimum"``, ``"saddle"``, ``"flat"`` or ``"maximum"`` when the run had stopped
            (gradient norm and step length < stall_tol) at the end of the run, else None.
        stall_at: first step from which both stayed below stall_tol, else None.
        hessian_eigenvalues: eigenvalues at the final point when stalled (ascending), else None.
        local: True when the stall is a minimum whose loss is above the surface's known global
            minimum (a local minimum), False at the global one, None otherwise.
        minimum_value: the surface's global minimum value, for :meth:`steps_to`.
    """

    label: str
    optimizer: str
    surface: str
    points: np.ndarray
    losses: np.ndarray
    grad_norms: np.ndarray
    state: dict[str, np.ndarray]
    steps: int
    diverged_at: int = 0
    diverged_value: str = ""
    stall: str | None = None
    stall_at: int | None = None
    hessian_eigenvalues: np.ndarray | None = field(default=None, repr=False)
    local: bool | None = None
    minimum_value: float = 0.0

    @property
    def diverged(self) -> bool:
        return self.diverged_at > 0

    def steps_to(self, tol: float, *, stay: bool = False) -> float:
        """Updates until ``loss - minimum_value < tol`` (``stay``: and stays so); inf if never."""
        return float(steps_to(self.losses - self.minimum_value, tol, stay=stay))

    @property
    def final_point(self) -> np.ndarray:
        """The last finite iterate, (dim,)."""
        return self.points[-1]

    @property
    def final_loss(self) -> float:
        return float(self.losses[-1])

    @property
    def n_updates(self) -> int:
        """Updates recorded (len(points) - 1)."""
        return len(self.points) - 1

    def summary(self) -> str:
        """One line, e.g. ``"SGD(lr=0.1): stopped at a saddle point (0.000, 0.000) at step 23"``."""
        head = f"{self.label}: "
        if self.diverged:
            return (
                head
                + f"diverged at step {self.diverged_at} ({self.diverged_value.replace('_', ' ')})"
            )
        where, loss = _fmt_point(self.final_point), f"loss {self.final_loss:.1e}"
        if self.stall == "minimum" and self.local:
            return head + f"stopped at a local minimum {where} at step {self.stall_at}, {loss}"
        if self.stall in _STALL_SUMMARY:
            return head + _STALL_SUMMARY[self.stall].format(
                where=where, at=self.stall_at, loss=loss
            )
        text = head + f"{self.n_updates} steps, final {where}, {loss}"
        if self.stall == "minimum":
            text += f" (minimum reached at step {self.stall_at})"
        return text


def run(
    optimizer: Optimizer,
    surface: Surface | str,
    start=None,
    steps: int = 100,
    *,
    label: str | None = None,
    stall_tol: float = 1e-4,
    flat_ratio: float = 50.0,
    far: float | None = 100.0,
    record_state: bool = True,
) -> Trajectory:
    """Run ``optimizer`` on ``surface`` for ``steps`` updates from ``start``.

    The optimizer is ``reset()`` first, and so is the surface (re-seeding a noisy one), so
    running twice gives the same trajectory. ``start`` (default ``surface.start``; a float is
    accepted for 1-D surfaces) is copied as float64 and never modified.

    Args:
        steps: updates, an int in [0, 100000].
        stall_tol: gradient-norm tolerance (>= 0) for the stall diagnosis (module docstring).
        flat_ratio: > 0; an eigenvalue with ``lambda**2 <= flat_ratio * |g|`` counts as zero.
        far: divergence bound in half-widths of the plot box (> 0), or None for none.
        record_state: False skips ``optimizer.diagnostics`` at every step (``state`` stays empty),
            a third of the run's time; the explorers, which draw only the path, use it.
    """
    optimizer, surface = as_optimizer(optimizer), as_surface(surface)
    p, steps = check_start(surface, start), check_steps(steps)
    stall_tol = check_positive("stall_tol", stall_tol, allow_zero=True)
    flat_ratio = check_positive("flat_ratio", flat_ratio)
    box = plot_box(surface, p, check_positive("far", far, allow_none=True))
    sim = simulate(
        optimizer, surface_gradient(surface), p[None], steps, box=box, record_state=record_state
    )
    points = sim.points[:, 0]
    with np.errstate(**_QUIET):
        losses = surface.value(points)
    traj = Trajectory(
        label=repr(optimizer) if label is None else str(label),
        optimizer=type(optimizer).__name__,
        surface=surface.name,
        points=points,
        losses=losses,
        grad_norms=sim.grad_norms[:, 0],
        state={name: value[:, 0] for name, value in sim.state.items()},
        steps=steps,
        diverged_at=int(sim.diverged_at[0]),
        diverged_value=str(sim.diverged_value[0]),
        minimum_value=minimum_value(surface),
    )
    if not traj.diverged:
        known = traj.minimum_value if len(surface.minima) else None
        stall = diagnose(
            surface,
            points,
            traj.grad_norms,
            losses,
            tol=stall_tol,
            flat_ratio=flat_ratio,
            minimum_value=known,
        )
        if stall is not None:
            traj.stall, traj.stall_at, traj.hessian_eigenvalues = (
                stall.kind,
                stall.at,
                stall.eigenvalues,
            )
            traj.local = stall.local if stall.kind == "minimum" and known is not None else None
    return traj


def replay(optimizer: Optimizer, grads, start=None) -> dict[str, np.ndarray]:
    """Feed a given gradient sequence to ``optimizer``, whatever the parameters do.

    For experiments that fix the gradients instead of a surface, e.g. "large gradients for 50
    steps, then small ones": how does the effective step size react? The optimizer is reset first.

    Args:
        grads: (T, dim) finite gradients, one row per update (T <= 100000).
        start: (dim,) starting parameters, zeros by default.

    Returns:
        ``{"points": (T + 1, dim), <each diagnostics key>: (T, dim)}`` (shorter if the
        parameters overflowed).
    """
    optimizer = as_optimizer(optimizer)
    grads = np.asarray(grads, dtype=float)
    if grads.ndim != 2 or not np.isfinite(grads).all() or len(grads) > MAX_STEPS:
        raise ValueError(
            f"grads must be a finite array of shape (T, dim), T <= {MAX_STEPS}, got shape "
            f"{grads.shape}"
        )
    p = np.zeros(grads.shape[1]) if start is None else np.array(start, dtype=float)
    if p.shape != grads.shape[1:]:
        raise ValueError(f"start must have shape ({grads.shape[1]},), got {p.shape}")
    given = np.concatenate([grads, np.zeros_like(grads[:1])])  # no gradient after the last update
    sim = simulate(
        optimizer, lambda _, k: given[k : k + 1].copy(), p[None], len(grads), record_state=True
    )
    return {"points": sim.points[:, 0], **{name: v[:, 0] for name, v in sim.state.items()}}


def run_many(
    optimizers: Iterable[Optimizer] | Mapping[str, Optimizer],
    surface: Surface | str,
    start=None,
    steps: int = 100,
    **kwargs,
) -> list[Trajectory]:
    """:func:`run` for each optimizer (a list, or a dict label -> optimizer), same start."""
    if isinstance(optimizers, Mapping):
        return [run(o, surface, start, steps, label=k, **kwargs) for k, o in optimizers.items()]
    if isinstance(optimizers, Optimizer):
        raise TypeError("optimizers must be a list or dict of optimizers; use run() for one")
    return [run(o, surface, start, steps, **kwargs) for o in optimizers]
