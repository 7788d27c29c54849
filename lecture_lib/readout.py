"""The quadratic theory beside an explorer's run: the predicted rate and where the lr stands.

On a quadratic surface (bowl, ellipse: the Hessian is the same everywhere) the theory of
:mod:`lecture_lib.theory` predicts SGD's and Momentum's factor per step on the distance to the
minimum; elsewhere its curvature at the minimum still tells where the learning rate stands
against the stability limit there. The adaptive methods rescale the step per coordinate, so that
limit does not apply to them: they get no readout (nothing is invented for them).

::

    stability_readout(SGD(lr=0.95), "bowl")
    # 'SGD: η·λmax = 1.90 (SGD is stable below 2), rate 0.905 per step'
"""

from __future__ import annotations

import functools
import itertools

import numpy as np

from lecture_lib import theory
from lecture_lib.optimizers import SGD, Momentum, Optimizer
from lecture_lib.surfaces import Surface, get_surface

__all__ = ["curvature_at_minimum", "is_quadratic", "predicted_rate", "stability_readout"]


@functools.cache
def curvature_at_minimum(name: str) -> theory.Curvature | None:
    """The Hessian at the surface's global minimum, or None (no minimum, not smooth, not convex)."""
    surface = get_surface(name)
    if not surface.smooth or len(surface.minima) == 0:
        return None
    curvature = theory.analyze(surface)
    return curvature if curvature.convex else None


@functools.cache
def is_quadratic(name: str) -> bool:
    """True when the Hessian is the same at the minimum, the start and the plot's corners."""
    surface = get_surface(name)
    if curvature_at_minimum(name) is None:
        return False
    corners = list(itertools.product(*surface.bounds))
    points = np.array([surface.minima[0], surface.start, *corners], dtype=float)
    hessians = theory.numerical_hessian(surface, points)
    return bool(np.allclose(hessians, hessians[0], rtol=1e-6, atol=1e-8))


def _applies(optimizer: Optimizer) -> bool:
    """SGD or Momentum with plain float hyperparameters (not a schedule, not an array)."""
    plain = (int, float, np.floating)
    values = [getattr(optimizer, n) for n in optimizer.hyperparameters]
    return type(optimizer) in (SGD, Momentum) and all(isinstance(v, plain) for v in values)


def predicted_rate(optimizer: Optimizer, surface: Surface | str) -> float | None:
    """The quadratic theory's factor per step on the distance to the minimum, for SGD
    (``sgd_rate_at``) and Momentum (``momentum_rate_at``) on a quadratic surface; else None.
    ``surface``: a registry surface (or its name)."""
    name = surface if isinstance(surface, str) else surface.name
    if not _applies(optimizer) or not is_quadratic(name):
        return None
    curvature = curvature_at_minimum(name)
    if isinstance(optimizer, Momentum):
        return float(theory.momentum_rate_at(curvature, optimizer.lr, optimizer.alpha))
    return float(theory.sgd_rate_at(curvature, optimizer.lr))


def stability_readout(optimizer: Optimizer, surface: Surface | str) -> str | None:
    """Where the lr stands against the stability limit of the quadratic theory, e.g.
    ``"SGD: η·λmax = 1.90 (SGD is stable below 2), rate 0.905 per step"``.

    SGD and Momentum only (the adaptive methods rescale the step per coordinate: this limit does
    not apply to them). Off a quadratic, λmax is the curvature at the minimum ("near the
    minimum"); None on surfaces without one (saddle, abs).
    """
    name = surface if isinstance(surface, str) else surface.name
    curvature = curvature_at_minimum(name)
    if not _applies(optimizer) or curvature is None:
        return None
    name_opt, x = type(optimizer).__name__, optimizer.lr * curvature.lambda_max
    if isinstance(optimizer, Momentum):
        edge = 2 * (1 + optimizer.alpha)
        limit = f"Momentum is stable below 2(1+α) = {edge:.2f}"
    else:
        edge, limit = 2.0, "SGD is stable below 2"
    x = _beside(x, edge)
    rate = predicted_rate(optimizer, name)
    if rate is None:
        point = ", ".join(f"{v:.3g}" for v in curvature.point)
        return f"{name_opt}: η·λmax = {x} at the minimum ({point}); {limit} there"
    return f"{name_opt}: η·λmax = {x} ({limit}), rate {rate:.3f} per step"


def _beside(value: float, limit: float) -> str:
    """``value`` with two decimals, or as many more as it takes not to look equal to ``limit``
    (η·λmax = 2.003 must not print as 2.00 beside "stable below 2")."""
    digits = 2
    while digits < 6 and value != limit and round(value, digits) == round(limit, digits):
        digits += 1
    return f"{value:.{digits}f}"
