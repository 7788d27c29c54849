"""Quadratic theory: closed forms against numerical Hessians, and every prediction measured."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest

from lecture_lib.optimizers import SGD, Adagrad, Adam, Momentum, RMSProp
from lecture_lib.runners import replay, run
from lecture_lib.schedules import ExponentialDecay
from lecture_lib.surfaces import get_surface, noisy
from lecture_lib.theory import (
    Curvature,
    adam_spike_step,
    adam_step_sup,
    analyze,
    ema_horizon,
    envelope,
    minibatch_std_factor,
    momentum_effective_lr,
    momentum_rate_at,
    numerical_hessian,
    rmsprop_adagrad_factor,
    saddle_escape_steps,
    sgd_rate_at,
    sharpness,
)

pytestmark = pytest.mark.theory

KAPPA_QUANTITIES = [
    "condition_number",
    "sgd_lr_best",
    "sgd_rate",
    "momentum_alpha_best",
    "momentum_lr_best",
    "momentum_rate",
]


def distances(traj, minimum=(0.0, 0.0)) -> np.ndarray:
    """|theta_t - theta*| for every iterate of a run."""
    return np.linalg.norm(traj.points - np.asarray(minimum), axis=1)


def window_rate(d: np.ndarray, t1: int, t2: int) -> float:
    """The measured contraction per step between iterates t1 and t2: (d_t2 / d_t1)^(1/(t2-t1))."""
    return float((d[t2] / d[t1]) ** (1 / (t2 - t1)))


# --- the Hessian --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "point", "expected"),
    [
        ("bowl", (3.0, -1.0), [[0.1, 0.0], [0.0, 2.0]]),
        ("ellipse", (-7.0, 2.0), [[0.2, 0.0], [0.0, 4.0]]),
        ("saddle", (0.0, 0.0), [[2.0, 0.0], [0.0, -2.0]]),
        ("rosenbrock", (1.0, 1.0), [[802.0, -400.0], [-400.0, 200.0]]),
    ],
)
def test_numerical_hessian_matches_the_closed_forms(name, point, expected):
    np.testing.assert_allclose(numerical_hessian(name, point), expected, rtol=1e-7, atol=1e-9)


def test_numerical_hessian_is_vectorised_and_matches_rosenbrock_formula():
    p = np.random.default_rng(0).uniform(-1.5, 2.0, size=(4, 5, 2))
    x, y = p[..., 0], p[..., 1]
    exact = np.stack(
        [
            np.stack([2 - 400 * y + 1200 * x**2, -400 * x], -1),
            np.stack([-400 * x, 200 + 0 * x], -1),
        ],
        axis=-2,
    )
    H = numerical_hessian(get_surface("rosenbrock"), p)
    assert H.shape == (4, 5, 2, 2)
    np.testing.assert_allclose(H, exact, rtol=1e-6, atol=1e-6)
    np.testing.assert_array_equal(H, np.swapaxes(H, -1, -2))


def test_numerical_hessian_of_a_noisy_surface_is_that_of_its_base():
    bowl = get_surface("bowl")
    p = np.array([1.0, 2.0])
    np.testing.assert_array_equal(
        numerical_hessian(noisy(bowl, 5.0), p), numerical_hessian(bowl, p)
    )
    np.testing.assert_allclose(numerical_hessian("trap1d", 0.0), [[0.0]], atol=1e-8)


# --- analyze: closed forms ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "lam_min", "lam_max"), [("bowl", 0.1, 2.0), ("ellipse", 0.2, 4.0)]
)
def test_analyze_quadratic_bowls_gives_the_closed_forms(name, lam_min, lam_max):
    a = analyze(name)
    kappa, s = lam_max / lam_min, math.sqrt(lam_max / lam_min)
    np.testing.assert_allclose(a.eigenvalues, [lam_min, lam_max], rtol=1e-9)
    np.testing.assert_array_equal(a.point, [0.0, 0.0])
    assert a.convex and a.surface == name
    expected = {
        "condition_number": kappa,
        "sgd_lr_max": 2 / lam_max,
        "sgd_lr_best": 2 / (lam_min + lam_max),
        "sgd_rate": (kappa - 1) / (kappa + 1),
        "momentum_alpha_best": ((s - 1) / (s + 1)) ** 2,
        "momentum_lr_best": (2 / (math.sqrt(lam_min) + math.sqrt(lam_max))) ** 2,
        "momentum_rate": (s - 1) / (s + 1),
    }
    for key, value in expected.items():
        assert getattr(a, key) == pytest.approx(value, rel=1e-9), key
    assert a.momentum_lr_max(0.5) == pytest.approx(3 / lam_max, rel=1e-9)
    # the best rates are the rate formulas at the best parameters
    assert sgd_rate_at(a, a.sgd_lr_best) == pytest.approx(a.sgd_rate, rel=1e-9)
    radius = momentum_rate_at(a, a.momentum_lr_best, a.momentum_alpha_best)
    assert radius == pytest.approx(a.momentum_rate, rel=1e-6)  # a double root: sqrt(eps) error
    assert "condition number 20" in a.summary()


def test_analyze_rosenbrock_and_one_dimensional_minima():
    a = analyze("rosenbrock")  # the Hessian [[802, -400], [-400, 200]] at (1, 1)
    root = math.sqrt(602**2 + 4 * 400**2)
    np.testing.assert_allclose(a.eigenvalues, [(1002 - root) / 2, (1002 + root) / 2], rtol=1e-7)
    b = analyze("bounded_saddle")  # default: the first known minimum (0, 1)
    np.testing.assert_array_equal(b.point, [0.0, 1.0])
    np.testing.assert_allclose(b.eigenvalues, [2.0, 2.0], rtol=1e-7)
    c = analyze("trap1d")  # f''(2) = 12, one eigenvalue: kappa = 1, no momentum needed
    np.testing.assert_allclose(c.eigenvalues, [12.0], rtol=1e-7)
    assert c.condition_number == 1.0 and c.sgd_rate == 0.0 and c.momentum_alpha_best == 0.0
    assert c.momentum_lr_best == pytest.approx(c.sgd_lr_best) == pytest.approx(1 / 12)


# --- analyze: non-convex points -----------------------------------------------------------------


def _no_nan(a: Curvature) -> list[str]:
    """Each kappa-based quantity either raises ValueError or is a finite number; return raisers."""
    raised = []
    for key in [*KAPPA_QUANTITIES, "sgd_lr_max"]:
        try:
            value = getattr(a, key)
        except ValueError as exc:
            assert "eigenvalue(s) <= 0" in str(exc) and key in str(exc)
            raised.append(key)
        else:
            assert math.isfinite(value), key
    return raised


def test_saddle_point_is_explicit_not_nan():
    a = analyze("saddle", (0.0, 0.0))
    np.testing.assert_allclose(a.eigenvalues, [-2.0, 2.0], rtol=1e-9)
    assert not a.convex
    assert _no_nan(a) == KAPPA_QUANTITIES  # kappa needs lambda_min > 0 ...
    assert a.sgd_lr_max == pytest.approx(1.0)  # ... the oscillation limit only lambda_max > 0
    assert a.momentum_lr_max(0.5) == pytest.approx(1.5)
    with pytest.raises(ValueError, match=r"condition_number is undefined at \[0.0, 0.0\]"):
        _ = a.condition_number
    assert "not a minimum" in a.summary()


def test_flat_inflection_point_has_eigenvalue_exactly_zero():
    a = analyze("trap1d", 0.0)
    np.testing.assert_array_equal(a.eigenvalues, [0.0])
    assert not a.convex
    assert _no_nan(a) == [*KAPPA_QUANTITIES, "sgd_lr_max"]
    with pytest.raises(ValueError, match="momentum_lr_max"):
        a.momentum_lr_max(0.9)


def test_curvature_is_frozen_and_read_only():
    a = analyze("bowl")
    with pytest.raises(dataclasses.FrozenInstanceError):
        a.eigenvalues = np.array([1.0, 2.0])
    with pytest.raises(ValueError, match="read-only"):
        a.eigenvalues[0] = 5.0


# --- SGD: predicted limits and rates, measured ---------------------------------------------------


def test_sgd_diverges_just_above_sgd_lr_max_and_converges_just_below():
    a = analyze("bowl")
    for factor, converges in [(0.99, True), (1.01, False)]:
        lr = factor * a.sgd_lr_max
        d = distances(run(SGD(lr=lr), "bowl", steps=500, far=None))
        assert (d[-1] < d[0]) == converges
        predicted = sgd_rate_at(a, lr)
        assert (predicted < 1) == converges
        assert window_rate(d, 400, 500) == pytest.approx(predicted, rel=1e-6)


@pytest.mark.parametrize("name", ["bowl", "ellipse"])
def test_sgd_at_its_best_lr_contracts_at_sgd_rate(name):
    a = analyze(name)
    traj = run(SGD(lr=a.sgd_lr_best), name, steps=200)
    d = distances(traj)
    assert window_rate(d, 100, 200) == pytest.approx(a.sgd_rate, rel=1e-9)
    # the loss gap shrinks by the square of the rate
    assert (traj.losses[200] / traj.losses[100]) ** (1 / 100) == pytest.approx(a.sgd_rate**2)
    # any other lr is slower
    for lr in [0.9 * a.sgd_lr_best, 1.05 * a.sgd_lr_best]:
        assert sgd_rate_at(a, lr) > a.sgd_rate


def test_envelope_bounds_sgd_distance_and_loss_on_a_quadratic():
    a = analyze("bowl")
    lr, n = 0.7, 60
    traj = run(SGD(lr=lr), "bowl", steps=n)
    rate, d = sgd_rate_at(a, lr), distances(traj)
    assert (d <= envelope(d[0], rate, n) * (1 + 1e-12)).all()
    assert (traj.losses <= envelope(traj.losses[0], rate**2, n) * (1 + 1e-12)).all()
    assert d[-1] / envelope(d[0], rate, n)[-1] > 0.5  # a tight bound: the slope is the rate
    assert envelope(1.0, 2.0, 2000)[-1] == np.inf  # a predicted divergence, not NaN


# --- Momentum: predicted limits and rates, measured -----------------------------------------------


def test_momentum_at_the_optimal_parameters_contracts_at_momentum_rate():
    a = analyze("bowl")
    opt = Momentum(lr=a.momentum_lr_best, alpha=a.momentum_alpha_best)
    d = distances(run(opt, "bowl", steps=600))
    # a double root: d_t ~ (c1 + c2 t) r^t, so compare over a long window
    assert window_rate(d, 300, 600) == pytest.approx(a.momentum_rate, rel=0.01)
    assert a.momentum_rate < a.sgd_rate - 0.2  # sqrt(kappa) instead of kappa


@pytest.mark.parametrize(("lr", "alpha"), [(0.5, 0.5), (0.2, 0.3), (1.5, 0.1)])
def test_momentum_rate_at_matches_the_measured_rate(lr, alpha):
    a = analyze("bowl")
    d = distances(run(Momentum(lr=lr, alpha=alpha), "bowl", steps=300, far=None))
    assert window_rate(d, 200, 300) == pytest.approx(momentum_rate_at(a, lr, alpha), rel=1e-6)


@pytest.mark.parametrize("alpha", [0.5, 0.9])
def test_momentum_diverges_just_above_momentum_lr_max(alpha):
    a = analyze("bowl")
    for factor, converges in [(0.99, True), (1.01, False)]:
        lr = factor * a.momentum_lr_max(alpha)
        d = distances(run(Momentum(lr=lr, alpha=alpha), "bowl", steps=2000, far=None))
        assert (d[-1] < d[0]) == converges
        assert (momentum_rate_at(a, lr, alpha) < 1) == converges
    assert a.momentum_lr_max(alpha) > a.sgd_lr_max  # momentum tolerates a larger lr


def test_momentum_rate_at_alpha_zero_is_sgd_rate_at_and_vectorises():
    lam, lrs = np.array([0.1, 2.0]), np.geomspace(0.01, 1.5, 7)
    np.testing.assert_allclose(momentum_rate_at(lam, lrs, 0.0), sgd_rate_at(lam, lrs), rtol=1e-12)
    grid = momentum_rate_at(lam, lrs[:, None], np.array([0.0, 0.5, 0.9]))
    assert grid.shape == (7, 3)
    assert momentum_rate_at(lam, 0.001, 0.9) == pytest.approx(
        (1.9 - 0.0001 + math.sqrt((1.9 - 0.0001) ** 2 - 3.6)) / 2
    )


# --- sharpness ----------------------------------------------------------------------------------


def test_sharpness_on_the_bowl_is_two_lr_and_takes_schedules_and_arrays():
    traj = run(SGD(lr=0.3), "bowl", steps=10)
    np.testing.assert_allclose(sharpness("bowl", traj, 0.3), np.full(11, 0.6), rtol=1e-9)
    sched = ExponentialDecay(0.5, gamma=0.9)
    expected = 2 * np.array([sched(t + 1) for t in range(11)])
    np.testing.assert_allclose(sharpness("bowl", traj.points, sched), expected, rtol=1e-9)
    per_point = np.arange(1, 12) / 10
    np.testing.assert_allclose(sharpness("bowl", traj, per_point), 2 * per_point, rtol=1e-9)
    with pytest.raises(ValueError, match=r"lr must be a float or have shape \(11,\)"):
        sharpness("bowl", traj, np.ones(10))


def test_rosenbrock_loss_rises_only_where_sharpness_exceeds_two():
    lr = 0.002
    traj = run(SGD(lr=lr), "rosenbrock", steps=300)
    s = sharpness("rosenbrock", traj, lr)
    rises = np.flatnonzero(np.diff(traj.losses) > 0)  # the update leaving iterate t raised the loss
    assert len(rises) >= 10
    assert (s[rises] > 2).all()
    assert s[-1] < 2  # settled in the valley, where the step is stable


# --- saddle escape ------------------------------------------------------------------------------


def _escape_step(name: str, y0: float, lr: float, threshold: float) -> int:
    traj = run(SGD(lr=lr), name, start=(-1.5, y0), steps=400, far=None)
    return int(np.argmax(np.abs(traj.points[:, 1]) > threshold))


@pytest.mark.parametrize(("name", "threshold"), [("saddle", 1.0), ("bounded_saddle", 0.1)])
def test_saddle_escape_steps_match_the_measurement(name, threshold):
    lr, y0s = 0.1, np.array([1e-2, -1e-4, 1e-6, 1e-8])
    lam = analyze(name, (0.0, 0.0)).lambda_min
    predicted = saddle_escape_steps(y0s, lr, lam, threshold)
    measured = np.array([_escape_step(name, y0, lr, threshold) for y0 in y0s])
    assert (measured > 0).all()
    np.testing.assert_allclose(measured, predicted, atol=1.0)
    # the time grows like log(1 / |y0|): equal increments per factor 100
    np.testing.assert_allclose(np.diff(predicted), math.log(100) / math.log(1 + lr * abs(lam)))


def test_exact_sgd_on_the_ridge_never_escapes():
    traj = run(SGD(lr=0.1), "saddle", start=(-1.5, 0.0), steps=200)
    assert (traj.points[:, 1] == 0).all()
    with pytest.raises(ValueError, match="y0 must be nonzero"):
        saddle_escape_steps(0.0, 0.1, -2.0)


# --- effective steps, horizons, spikes ----------------------------------------------------------


def test_momentum_effective_step_for_a_constant_gradient():
    lr, alpha = 0.1, 0.9
    steps = np.diff(replay(Momentum(lr=lr, alpha=alpha), np.ones((400, 1)))["points"][:, 0])
    assert -steps[-1] == pytest.approx(momentum_effective_lr(lr, alpha), rel=1e-9)
    assert momentum_effective_lr(lr, alpha) == pytest.approx(10 * lr)  # not "always eta"
    assert -steps[0] == pytest.approx(lr)


@pytest.mark.parametrize("beta", [0.5, 0.8, 0.9, 0.99])
def test_ema_horizon_is_the_time_constant_of_rmsprop_and_momentum(beta):
    lr, eps, n = 0.01, 1e-8, 400
    steps = -np.diff(replay(RMSProp(lr=lr, rho=beta, eps=eps), np.ones((n, 1)))["points"][:, 0])
    h = (lr / steps - eps) ** 2  # RMSProp's h_t = 1 - beta^t for g = 1
    first = 1 + int(np.argmax(h >= 1 - 1 / math.e))
    assert first == pytest.approx(ema_horizon(beta))
    v = -np.diff(replay(Momentum(lr=1.0, alpha=beta), np.ones((n, 1)))["points"][:, 0])
    first = 1 + int(np.argmax(v >= (1 - 1 / math.e) * momentum_effective_lr(1.0, beta)))
    assert first == pytest.approx(ema_horizon(beta))


def test_adam_spike_after_tiny_gradients_and_the_larger_supremum():
    lr, quiet = 0.01, np.full((10_000, 1), 1e-6)
    spike = replay(Adam(lr=lr), np.vstack([quiet, [[1.0]]]))["points"][:, 0]
    assert abs(spike[-1] - spike[-2]) == pytest.approx(adam_spike_step(lr), rel=1e-3)
    assert adam_spike_step(1.0) == pytest.approx(3.16, abs=0.005)
    # gradients growing by beta2 / beta1 per step push Adam beyond the "bound"
    growing = (0.9 / 0.999) ** np.arange(400)[::-1, None]
    points = replay(Adam(lr=lr), np.vstack([quiet, growing]))["points"][:, 0]
    assert np.abs(np.diff(points)).max() == pytest.approx(adam_step_sup(lr), rel=1e-3)
    assert adam_step_sup(1.0) == pytest.approx(7.27, abs=0.005)


def test_minibatch_mean_spread_with_the_finite_population_factor():
    rng = np.random.default_rng(0)
    n, draws = 50, 20_000
    population = rng.standard_normal(n) * 3.0
    sigma = population.std()
    for b in [1, 5, 25, 50]:
        idx = rng.random((draws, n)).argsort(axis=1)[:, :b]  # without replacement
        measured = population[idx].mean(axis=1).std()
        assert measured == pytest.approx(sigma * minibatch_std_factor(b, n), rel=0.03, abs=1e-12)
    assert minibatch_std_factor(25, n) < 0.75 / math.sqrt(25)  # not just 1 / sqrt(B)
    assert minibatch_std_factor(1, n) == 1.0


def test_rmsprop_early_steps_are_adagrads_times_the_factor():
    grads = np.random.default_rng(1).standard_normal((5, 3))
    ada = np.diff(replay(Adagrad(lr=0.01), grads)["points"], axis=0)
    errors = []
    for rho in [0.9, 0.999]:
        rms = np.diff(replay(RMSProp(lr=0.01, rho=rho), grads)["points"], axis=0)
        ratio = rms / ada
        np.testing.assert_allclose(ratio[0], rmsprop_adagrad_factor(rho), rtol=1e-5)  # exact at t=1
        errors.append(np.abs(ratio[-1] / rmsprop_adagrad_factor(rho) - 1).max())
    assert errors[1] < 0.01 < errors[0]  # rho -> 1: the relation holds for longer
    # Adam's bias correction removes the factor: beta1 = 0 starts exactly like Adagrad
    adam = np.diff(replay(Adam(lr=0.01, beta1=0.0, beta2=0.999), grads)["points"], axis=0)
    np.testing.assert_allclose(adam[0], ada[0], rtol=1e-5)


# --- bad input ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: analyze("saddle"), "no known minimum: pass point="),
        (lambda: analyze("abs"), "non-smooth surface 'abs'"),
        (lambda: analyze("bowl", (1.0, 2.0, 3.0)), r"shape \(\.\.\., 2\)"),
        (lambda: analyze("bowl", [[0.0, 0.0], [1.0, 1.0]]), r"point must have shape \(2,\)"),
        (lambda: analyze("bowl", (np.nan, 0.0)), "points must be finite"),
        (lambda: analyze("nope"), "unknown surface"),
        (lambda: numerical_hessian("bowl", (0.0, 0.0), h=0.0), "h must be"),
        (lambda: analyze("bowl").momentum_lr_max(1.0), r"alpha must be .* in \[0, 1\)"),
        (lambda: sharpness("bowl", np.zeros(2), 0.1), r"points must have shape \(n, 2\)"),
        (lambda: sharpness("bowl", np.zeros((3, 2)), -0.1), "lr must be"),
        (lambda: sgd_rate_at([], 0.1), "eigenvalues must be"),
        (lambda: sgd_rate_at([0.1, 2.0], 0.0), r"lr must be .* in \(0, inf\)"),
        (lambda: momentum_rate_at([0.1, 2.0], 0.1, 1.0), "alpha must be"),
        (lambda: envelope(0.0, 0.5, 10), "start must be"),
        (lambda: envelope(1.0, -0.5, 10), "rate must be"),
        (lambda: envelope(1.0, 0.5, -1), "steps must be"),
        (lambda: saddle_escape_steps(2.0, 0.1, -2.0), r"y0 must be .* in \(-1, 1\)"),
        (lambda: saddle_escape_steps(0.1, 0.1, 2.0), "eigenvalue must be"),
        (lambda: saddle_escape_steps(0.1, 0.0, -2.0), "lr must be"),
        (lambda: ema_horizon(1.0), "beta must be"),
        (lambda: momentum_effective_lr(0.1, -0.1), "alpha must be"),
        (lambda: adam_spike_step(0.1, beta2=1.0), "beta2 must be"),
        (lambda: adam_step_sup(0.1, 0.9, 0.8), r"beta2 must be .* in \(0.81, 1\)"),
        (lambda: minibatch_std_factor(11, 10), r"batch_size must be an int in \[1, n_samples=10\]"),
        (lambda: minibatch_std_factor(1, 1), "n_samples must be an int >= 2"),
        (lambda: rmsprop_adagrad_factor(1.0), "rho must be"),
    ],
)
def test_bad_input_names_the_parameter_and_range(call, match):
    with pytest.raises((ValueError, TypeError), match=match):
        call()
