"""The one stepping loop behind every runner: B runs of an optimizer at once, plain data out.

:func:`simulate` drives an optimizer over parameters of shape (B, dim) with a gradient function;
:func:`lecture_lib.runners.run` is B = 1, :func:`lecture_lib.sweeps.sweep` is B = learning rates (an
lr array of shape (B, 1)), and :func:`lecture_lib.runners.replay` feeds a given gradient sequence.
Every rule acts per coordinate, so the rows are independent: row b of a sweep is bit for bit the
single run.

Divergence: update ``k`` diverges when the iterate it produced is not finite (``"inf"``, or
``"nan"`` when a NaN appeared) or lies ``far`` half-widths of the surface's plot box away from the
box centre (``"out_of_bounds"``). The bad iterate is not recorded; a diverged row stays frozen at
its last finite point, so it neither spreads NaN nor warns. ``diverged_at`` is that update's
number, 0 when the row did not diverge.

Also here: the argument checks the runners share, and :func:`steps_to` (arrival times).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from lecture_lib._checks import check_int, check_positive
from lecture_lib.optimizers import Optimizer
from lecture_lib.surfaces import Surface, get_surface

__all__ = [
    "KEY",
    "MAX_STEPS",
    "Simulation",
    "as_optimizer",
    "as_surface",
    "check_start",
    "check_steps",
    "minimum_value",
    "plot_box",
    "simulate",
    "steps_to",
    "surface_gradient",
]

KEY = "x"  # the parameter name the runners use in optimizer.update({"x": p}, {"x": g})
MAX_STEPS = 100_000  # 1e5 updates of a 2-D run take a few seconds; more is a typo, not a lesson
_QUIET = {"over": "ignore", "invalid": "ignore", "divide": "ignore", "under": "ignore"}


# --- the one stepping loop ----------------------------------------------------------------------


@dataclass
class Simulation:
    """What :func:`simulate` recorded for B runs, n updates (n < steps when all diverged).

    Attributes:
        points: (n + 1, B, dim) iterates, start first; a diverged row repeats its last finite one.
        grad_norms: (n + 1, B) norm of the gradient the optimizer saw at each iterate.
        state: each ``optimizer.diagnostics`` key, (n, B, dim), when recorded.
        diverged_at: (B,) update at which each row diverged, 0 if it did not.
        diverged_value: (B,) ``"inf"``, ``"nan"``, ``"out_of_bounds"`` or ``""``.
    """

    points: np.ndarray
    grad_norms: np.ndarray
    state: dict[str, np.ndarray]
    diverged_at: np.ndarray
    diverged_value: np.ndarray


def simulate(
    optimizer: Optimizer,
    gradient: Callable[[np.ndarray, int], np.ndarray],
    starts: np.ndarray,
    steps: int,
    *,
    box: tuple[np.ndarray, np.ndarray, float] | None = None,
    record_state: bool = False,
) -> Simulation:
    """Run ``optimizer`` (reset first) from each row of ``starts`` (B, dim) for ``steps`` updates.

    ``gradient(p, k)`` returns the gradient (B, dim) at the iterates ``p`` after k updates.
    ``box = (centre, half_width, far)`` adds the out-of-bounds test to the non-finite one.
    Arguments are assumed checked (the public runners check them).
    """
    optimizer.reset()
    p = np.array(starts, dtype=np.float64)
    B, dim = p.shape
    points, norms = np.empty((steps + 1, B, dim)), np.empty((steps + 1, B))
    state: dict[str, np.ndarray] = {}
    alive, at, kind = np.ones(B, bool), np.zeros(B, int), np.full(B, "", dtype="<U13")
    n = steps
    with np.errstate(**_QUIET):
        g = gradient(p, 0)
        points[0], norms[0] = p, np.sqrt((g * g).sum(axis=1))
        for k in range(1, steps + 1):
            optimizer.update({KEY: p}, {KEY: g})
            new = _diverged(p, box) & alive
            if new.any():
                at[new], kind[new], alive = k, _kind(p[new]), alive & ~new
                if not alive.any():
                    n = k - 1
                    break
            if not alive.all():
                p[~alive] = points[k - 1][~alive]
            if record_state:
                for name, value in optimizer.diagnostics(KEY).items():
                    if name not in state:
                        state[name] = np.full((steps, B, dim), np.nan)
                    state[name][k - 1] = value
            g = gradient(p, k)
            g[~alive] = 0.0
            points[k], norms[k] = p, np.sqrt((g * g).sum(axis=1))
    trimmed = {name: value[:n] for name, value in state.items()}
    return Simulation(points[: n + 1], norms[: n + 1], trimmed, at, kind)


def _diverged(p: np.ndarray, box) -> np.ndarray:
    """(B,) rows of ``p`` that are not finite or lie beyond ``far`` half-widths of the box."""
    bad = ~np.isfinite(p).all(axis=1)
    if box is not None:
        centre, half, far = box
        bad |= (np.abs(p - centre) > far * half).any(axis=1)
    return bad


def _kind(rows: np.ndarray) -> np.ndarray:
    nan, finite = np.isnan(rows).any(axis=1), np.isfinite(rows).all(axis=1)
    return np.where(nan, "nan", np.where(finite, "out_of_bounds", "inf"))


# --- input checks shared by the runners --------------------------------------------------------


def as_surface(surface) -> Surface:
    if isinstance(surface, str):
        return get_surface(surface)
    if not isinstance(surface, Surface):
        raise TypeError(
            f"surface must be a Surface or a registry name, got {type(surface).__name__}"
        )
    return surface


def as_optimizer(optimizer) -> Optimizer:
    if not isinstance(optimizer, Optimizer):
        raise TypeError(f"optimizer must be an Optimizer instance, got {type(optimizer).__name__}")
    return optimizer


def check_start(surface: Surface, start) -> np.ndarray:
    if start is None:
        return np.array(surface.start, dtype=np.float64)
    try:
        arr = np.array(start, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"start must be numbers of shape ({surface.dim},), got {start!r}") from exc
    if arr.ndim == 0 and surface.dim == 1:
        arr = arr.reshape(1)
    if arr.shape != (surface.dim,):
        raise ValueError(
            f"start must have shape ({surface.dim},) for the {surface.dim}-D surface "
            f"{surface.name!r}, got shape {arr.shape}"
        )
    if not np.isfinite(arr).all():
        raise ValueError(f"start must be finite, got {arr.tolist()}")
    return arr


def plot_box(surface: Surface, start: np.ndarray, far: float | None):
    """``(centre, half_width, far)`` for :func:`simulate`; refuses a start beyond the bound."""
    if far is None:
        return None
    b = np.array(surface.bounds, dtype=np.float64)
    centre, half = (b[:, 0] + b[:, 1]) / 2.0, (b[:, 1] - b[:, 0]) / 2.0
    if (np.abs(start - centre) > far * half).any():
        raise ValueError(
            f"start {start.tolist()} lies more than far={far:g} plot half-widths from the centre "
            f"of {surface.name!r} (bounds {surface.bounds}): move it closer or pass far=None"
        )
    return centre, half, far


def check_steps(steps) -> int:
    return check_int("steps", steps, 0, high=MAX_STEPS)


def surface_gradient(surface: Surface) -> Callable[[np.ndarray, int], np.ndarray]:
    surface.reset()  # a noisy surface re-seeds: the same run twice gives the same points
    return lambda p, k: surface.gradient(p)


def minimum_value(surface: Surface) -> float:
    """The surface's global minimum value (its first known minimum), 0.0 if none is known."""
    return float(surface.value(surface.minima[0])) if len(surface.minima) else 0.0


# --- arrival ------------------------------------------------------------------------------------


def steps_to(losses: np.ndarray, tol: float, *, stay: bool = False, axis: int = 0) -> np.ndarray:
    """First step at which ``losses`` (already minus the minimum value) fall below ``tol``.

    ``losses`` holds one value per iterate along ``axis``, the start first, so the index is the
    number of updates. ``stay=True`` asks instead for the step from which the losses stay below
    ``tol`` to the end (settled, not just passing through). NaN (a diverged run) counts as above.
    Returns floats: the step, or ``inf`` where the losses never get (or stay) below ``tol``.
    """
    tol = check_positive("tol", tol)
    below = np.nan_to_num(np.asarray(losses, dtype=float), nan=np.inf) < tol
    n = below.shape[axis]
    if stay:
        above = ~below
        after_last_above = n - np.argmax(np.flip(above, axis=axis), axis=axis)
        first = np.where(above.any(axis=axis), after_last_above, 0)
        never = np.take(above, -1, axis=axis)
    else:
        first = np.argmax(below, axis=axis)
        never = ~below.any(axis=axis)
    return np.where(never, np.inf, first.astype(float))
