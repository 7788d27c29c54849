"""Where did a run stop? Classify a point of vanishing gradient by the Hessian's eigenvalues.

When the gradient norm at a run's final iterate and its last step are below a tolerance, the run
"stalled" there, and the point is one of the lecture's three kinds of critical point (plus a
maximum). The eigenvalues of the numerical Hessian (:func:`lecture_lib.theory.numerical_hessian`)
decide which:

- an eigenvalue counts as zero when ``|lambda| <= sqrt(flat_ratio * |g|)``: near a flat
  (degenerate) critical point curvature shrinks like the square root of the gradient (f' = c x^2
  gives f'' = 2 sqrt(c f')), near an ordinary one it stays finite while the gradient goes to 0;
- then: any zero eigenvalue -> ``"flat"``, all positive -> ``"minimum"``, mixed signs ->
  ``"saddle"``, all negative -> ``"maximum"``.

A minimum is *local* when its loss lies above the surface's known global minimum value.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from lecture_lib.surfaces import Surface
from lecture_lib.theory import numerical_hessian

__all__ = ["Stall", "classify", "diagnose"]


@dataclass(frozen=True)
class Stall:
    """A run's stall: ``kind`` ("minimum", "saddle", "flat", "maximum"), the first step ``at``
    from which the gradient norm stayed below the tolerance, the Hessian ``eigenvalues``
    (ascending) at the final point, and ``local`` (a minimum above the global one)."""

    kind: str
    at: int
    eigenvalues: np.ndarray
    local: bool


def classify(surface: Surface, point: np.ndarray, flat_ratio: float) -> tuple[str, np.ndarray]:
    """``(kind, eigenvalues)`` of the critical point ``point`` (see the module docstring)."""
    base = getattr(surface, "base", None) or surface
    eig = np.linalg.eigvalsh(numerical_hessian(base, point))
    g = float(np.linalg.norm(base.gradient(point)))
    zero = np.sqrt(flat_ratio * g) + 1e-7 * max(1.0, float(np.abs(eig).max()))
    if (np.abs(eig) <= zero).any():
        return "flat", eig
    if (eig > 0).all():
        return "minimum", eig
    if (eig < 0).all():
        return "maximum", eig
    return "saddle", eig


def diagnose(
    surface: Surface,
    points: np.ndarray,
    grad_norms: np.ndarray,
    losses: np.ndarray,
    *,
    tol: float,
    flat_ratio: float,
    minimum_value: float | None,
) -> Stall | None:
    """The stall of a finished run (iterates ``points``, shape (n+1, dim)), or None unless both
    the gradient norm and the last step's length are below ``tol`` at the end.

    The step matters as much as the gradient: SGD with lr 1e6 on 10 sinc(x) far out, where
    |f'| ~ 2e-6, still moves 2.0 per step; it has not stopped anywhere."""
    with np.errstate(over="ignore", invalid="ignore"):  # a step of 1e200 is inf: "moving"
        steps = np.linalg.norm(np.diff(points, axis=0), axis=-1)
    moving = np.concatenate([[False], steps >= tol]) | (grad_norms >= tol)
    if moving[-1]:
        return None
    above = np.flatnonzero(moving)
    kind, eig = classify(surface, points[-1], flat_ratio)
    local = (
        kind == "minimum"
        and minimum_value is not None
        and losses[-1] > minimum_value + 1e-6 * max(1.0, abs(minimum_value))
    )
    return Stall(kind, int(above[-1] + 1) if above.size else 0, eig, bool(local))
