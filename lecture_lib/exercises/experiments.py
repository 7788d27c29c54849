r"""The experiments behind the predict-then-check exercises: formula, measurement, known mistakes.

For each prediction of :mod:`lecture_lib.exercises.predictions` three functions:
``<name>_theory()`` -> :class:`Value`, the formula's number and how it is computed;
``<name>_measure()`` -> :class:`Value`, the experiment run with the library (deterministic: fixed
starts and grids; well under a second; cached); ``<name>_mistakes()`` -> (value, why) pairs of
known wrong answers, for the hint.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from lecture_lib.optimizers import SGD, Adagrad, Adam, Momentum, RMSProp
from lecture_lib.runners import replay, sweep
from lecture_lib.surfaces import get_surface
from lecture_lib.theory import adam_spike_step, analyze, rmsprop_adagrad_factor

BOWL_STEPS = 1000
SINC_START, SINC_STEPS, SINC_DISTANCE = 2.0, 1000, 1e-3
ARRIVAL = 1e-30  # loss below it: the distance to the minimum is 1e-15 of the start's
ALPHAS = np.round(np.arange(951) * 0.001, 3)  # 0, 0.001, ..., 0.95
RHO, LR = 0.9, 0.01
ADAM_LR = 0.1
GRADIENTS = np.array([[1e-3, 1.0, 1e3]])  # one update, three coordinates of very different size


@dataclass(frozen=True)
class Value:
    """A number and one line on where it comes from (starting with the number as printed)."""

    value: float
    how: str


def _edge(holds: Callable[[np.ndarray], np.ndarray], lo: float, hi: float) -> tuple[float, float]:
    """Two grids of 101 lrs narrow [lo, hi] to the first lr at which ``holds`` turns False."""
    for _ in range(2):
        grid = np.linspace(lo, hi, 101)
        ok = holds(grid)
        if not ok[0] or ok[-1]:
            raise RuntimeError(f"the experiment's bracket [{lo}, {hi}] does not hold the edge")
        i = int(np.argmin(ok))
        lo, hi = float(grid[i - 1]), float(grid[i])
    return lo, hi


def _sci(x: float) -> str:
    """One significant digit without exponent padding: 3e-4."""
    mantissa, exponent = f"{x:.0e}".split("e")
    return f"{mantissa}e{int(exponent)}"


def _list(values, spec: str = ".4g") -> str:
    return ", ".join(f"{v:{spec}}" for v in values)


# --- notebook 01: SGD diverges on the bowl above 2 / lambda_max ---------------------------------


def bowl_theory() -> Value:
    a = analyze("bowl")
    return Value(
        a.sgd_lr_max,
        f"2 / λmax = 2 / {a.lambda_max:.4g} = {a.sgd_lr_max:.4g} (λmax: the steep y direction)",
    )


@functools.cache
def bowl_measure() -> Value:
    def stays(lrs):
        return ~sweep([SGD], lrs, "bowl", steps=BOWL_STEPS).diverged[0, 0]

    lo, hi = _edge(stays, 0.01, 3.0)
    return Value(
        hi,
        f"{hi:.4g}, the smallest lr (grid step {_sci(hi - lo)}) at which SGD from (-7, 2) "
        f"diverges within {BOWL_STEPS} updates",
    )


def bowl_mistakes() -> tuple[tuple[float, str], ...]:
    a = analyze("bowl")
    return (
        (2 / a.lambda_min, "that is 2 / λmin, the limit of the flat x direction; the steep y "
         "direction diverges first"),
        (1 / a.lambda_max, "that is 1 / λmax, the lr that jumps straight to y = 0; SGD still "
         "converges while |1 - η λmax| < 1, up to twice that"),
    )  # fmt: skip


# --- notebook 02: the critical lr 2 / f''(x*) on 10 sinc(x) --------------------------------------


def sinc_theory() -> Value:
    a = analyze("sinc")  # at the minimum x* = 1.4303
    return Value(
        a.sgd_lr_max,
        f"2 / f''(x*) = 2 / {a.lambda_max:.4g} = {a.sgd_lr_max:.4g}, with x* = {a.point[0]:.4f}",
    )


@functools.cache
def sinc_measure() -> Value:
    x_star = float(get_surface("sinc").minima[0][0])

    def converges(lrs):
        result = sweep([SGD], lrs, "sinc", start=SINC_START, steps=SINC_STEPS)
        final = result.final_points[0][0][:, 0]
        return ~result.diverged[0, 0] & (np.abs(final - x_star) < SINC_DISTANCE)

    lo, hi = _edge(converges, 0.001, 0.3)
    return Value(
        lo,
        f"{lo:.4g}, the largest lr (grid step {_sci(hi - lo)}) at which SGD from "
        f"x0 = {SINC_START:g} ends within {SINC_DISTANCE:g} of x* after {SINC_STEPS} updates",
    )


def sinc_mistakes() -> tuple[tuple[float, str], ...]:
    lam = analyze("sinc").lambda_max
    return (
        (1 / lam, "that is 1 / f''(x*), the lr that reaches x* in one step from nearby; SGD "
         "still converges while |1 - η f''(x*)| < 1, up to twice that"),
        (lam, "that is f''(x*) itself; the limit is 2 divided by it"),
    )  # fmt: skip


# --- notebook 03: Momentum's best alpha from the condition number -------------------------------


def momentum_theory() -> Value:
    a = analyze("bowl")
    return Value(
        a.momentum_alpha_best,
        f"((√κ - 1) / (√κ + 1))² = {a.momentum_alpha_best:.4g}, with κ = λmax / λmin = "
        f"{a.condition_number:.4g}",
    )


@functools.cache
def momentum_measure() -> Value:
    lr = analyze("bowl").momentum_lr_best
    # one batched run: row b uses alpha ALPHAS[b], every row the same lr
    result = sweep(
        lambda lr: Momentum(lr=lr, alpha=ALPHAS[:, None]), np.full(ALPHAS.size, lr), "bowl"
    )
    steps = result.steps_to(ARRIVAL, stay=True)[0, 0]
    alpha = float(np.mean(ALPHAS[steps == steps.min()]))  # the middle one on ties
    return Value(
        alpha,
        f"{alpha:.3f}, the α (grid step 0.001) that first gets the loss below {ARRIVAL:g} for "
        f"good ({steps.min():.0f} updates), at Polyak's best lr {lr:.4g}",
    )


def momentum_mistakes() -> tuple[tuple[float, str], ...]:
    a = analyze("bowl")
    kappa = a.condition_number
    return (
        (a.momentum_rate, "that is (√κ - 1) / (√κ + 1), Momentum's rate per step; the best α "
         "is its square"),
        ((kappa - 1) / (kappa + 1), "that is (κ - 1) / (κ + 1), SGD's rate; the best α uses "
         "√κ, squared"),
        (0.9, "0.9 is the usual default α, not the best one for this bowl"),
    )  # fmt: skip


# --- notebooks 05 and 07: one update ------------------------------------------------------------


def _step(optimizer) -> np.ndarray:
    """|Δθ| of one update with the gradients GRADIENTS, per coordinate."""
    return np.abs(np.diff(replay(optimizer, GRADIENTS)["points"], axis=0))[0]


def rmsprop_theory() -> Value:
    factor = rmsprop_adagrad_factor(RHO)
    return Value(factor, f"1 / √(1 - ρ) = {factor:.4g}, with ρ = {RHO:g}")


@functools.cache
def rmsprop_measure() -> Value:
    ratio = _step(RMSProp(lr=LR, rho=RHO)) / _step(Adagrad(lr=LR))
    return Value(
        float(ratio[1]),
        f"{ratio[1]:.4g}: after one update with lr = {LR:g}, RMSProp(rho={RHO:g})'s steps are "
        f"{_list(ratio)} times Adagrad's for g = {_list(GRADIENTS[0], 'g')}",
    )


def rmsprop_mistakes() -> tuple[tuple[float, str], ...]:
    return (
        (1 / (1 - RHO), "that is 1 / (1 - ρ): the square root is missing (h holds g²)"),
        (math.sqrt(1 - RHO), "that is √(1 - ρ), upside down: RMSProp's first h, (1 - ρ) g², "
         "is the smaller one, so its step is the larger one"),
        (1.0, "the steps would be equal only with equal h; RMSProp's first h is (1 - ρ) g², "
         "Adagrad's is g²"),
    )  # fmt: skip


def adam_theory() -> Value:
    return Value(
        ADAM_LR,
        f"η = {ADAM_LR:g}: after the bias correction m̂ = g and v̂ = g², so the step is "
        "η |g| / (|g| + ε) ≈ η, whatever the size of g",
    )


@functools.cache
def adam_measure() -> Value:
    step = _step(Adam(lr=ADAM_LR))
    return Value(
        float(step[1]),
        f"{step[1]:.4g}: one Adam(lr={ADAM_LR:g}) update moves the coordinates with "
        f"g = {_list(GRADIENTS[0], 'g')} by {_list(step)}",
    )


def adam_mistakes() -> tuple[tuple[float, str], ...]:
    return (
        (adam_spike_step(ADAM_LR), "that is η (1 - β1) / √(1 - β2), the step without the bias "
         "correction; Adam divides m by 1 - β1^t and v by 1 - β2^t"),
        (ADAM_LR * 0.1, "that is η (1 - β1): m without its bias correction"),
    )  # fmt: skip
