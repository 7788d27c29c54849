"""Runners: trajectories, divergence, stall diagnosis, batched sweeps, minibatch training."""

from __future__ import annotations

import functools
import re
import warnings

import numpy as np
import pytest

from lecture_lib.optimizers import COCOB, OPTIMIZERS, SGD, Adam, Momentum, RMSProp
from lecture_lib.runners import (
    MinibatchRun,
    Sweep,
    Trajectory,
    minibatch_run,
    replay,
    run,
    run_many,
    steps_to,
    sweep,
)
from lecture_lib.surfaces import get_surface, noisy

pytestmark = pytest.mark.runners


@pytest.fixture
def no_warnings():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        yield


# --- run ----------------------------------------------------------------------------------------


def test_run_records_points_losses_norms_and_state():
    s = get_surface("bowl")
    traj = run(SGD(lr=0.1), s, steps=20)
    assert isinstance(traj, Trajectory)
    assert traj.points.shape == (21, 2) and traj.losses.shape == (21,)
    assert traj.grad_norms.shape == (21,) and traj.steps == 20 and traj.n_updates == 20
    assert traj.state["step_size"].shape == (20, 2)
    assert np.all(traj.state["step_size"] == 0.1)
    # exactly the SGD rule, step by step
    p = np.array([-7.0, 2.0])
    for k in range(1, 21):
        p = p - 0.1 * s.gradient(p)
        np.testing.assert_array_equal(traj.points[k], p)
    np.testing.assert_array_equal(traj.losses, s.value(traj.points))
    np.testing.assert_allclose(traj.grad_norms, np.linalg.norm(s.gradient(traj.points), axis=1))
    assert (traj.optimizer, traj.surface, traj.label) == ("SGD", "bowl", "SGD(lr=0.1)")
    np.testing.assert_array_equal(traj.final_point, traj.points[-1])
    assert traj.final_loss == traj.losses[-1]
    assert traj.diverged_at == 0 and not traj.diverged and traj.stall is None


def test_run_resets_optimizer_and_does_not_touch_start():
    start = np.array([1.0, 1.0])
    opt = Adam(lr=0.1)
    a = run(opt, "rosenbrock", start, 50)
    b = run(opt, "rosenbrock", start, 50)  # a used optimizer: run resets it
    np.testing.assert_array_equal(a.points, b.points)
    assert opt.t == 50
    assert start.tolist() == [1.0, 1.0]
    assert set(a.state) >= {"step_size", "m_hat", "v_hat"}


def test_run_accepts_float_start_for_1d_and_zero_steps():
    traj = run(SGD(lr=0.1), "sinc", 2.0, steps=0)
    assert traj.points.tolist() == [[2.0]] and traj.state == {}
    assert traj.summary() == "SGD(lr=0.1): 0 steps, final (2.000), loss -3.9e-16"


def test_run_on_noisy_surface_is_reproducible():
    s = noisy("bowl", sigma=1.0, seed=7)
    a = run(SGD(lr=0.1), s, steps=30)
    b = run(SGD(lr=0.1), s, steps=30)
    np.testing.assert_array_equal(a.points, b.points)
    clean = run(SGD(lr=0.1), "bowl", steps=30)
    assert not np.allclose(a.points, clean.points)


def test_run_many_with_labels():
    trajs = run_many({"plain": SGD(lr=0.1), "heavy": Momentum(lr=0.1)}, "bowl", steps=10)
    assert [t.label for t in trajs] == ["plain", "heavy"]
    trajs = run_many([SGD(lr=0.1), Adam(lr=0.1)], "bowl", (1.0, 1.0), steps=5)
    assert [t.optimizer for t in trajs] == ["SGD", "Adam"]
    assert all(t.points[0].tolist() == [1.0, 1.0] for t in trajs)


# --- divergence ---------------------------------------------------------------------------------


def test_sinc_with_too_large_lr_diverges_cleanly(no_warnings):
    traj = run(SGD(lr=100.0), "sinc", steps=100)  # from the lecture's start 2.0
    assert traj.diverged_at == 1
    assert traj.diverged_value == "out_of_bounds"
    assert traj.points.tolist() == [[2.0]]  # only finite, in-range iterates are kept
    assert traj.stall is None
    assert traj.summary() == "SGD(lr=100.0): diverged at step 1 (out of bounds)"
    # a moderate lr keeps oscillating between the lobes without diverging
    assert run(SGD(lr=0.1), "sinc", steps=300).diverged_at == 0


def test_overflow_to_inf_is_reported(no_warnings):
    # bowl: y <- y - lr * 2y = 2 - 4e200, then -4e200 + 8e400 -> inf at update 2
    traj = run(SGD(lr=1e200), "bowl", steps=10, far=None)
    assert (traj.diverged_at, traj.diverged_value) == (2, "inf")
    assert np.isfinite(traj.points).all() and len(traj.points) == 2
    assert traj.summary() == "SGD(lr=1e+200): diverged at step 2 (inf)"


def test_nan_is_reported(no_warnings):
    # Adam: the gradient at -1e100 overflows, then m_hat / sqrt(v_hat) = inf / inf = NaN
    traj = run(Adam(lr=1e100), "trap1d", steps=10, far=None)
    assert (traj.diverged_at, traj.diverged_value) == (2, "nan")


def test_far_bound_is_in_plot_half_widths():
    # sinc box (-4, 4): centre 0, half-width 4; lr=10 jumps to 2 - 50 = -48
    assert run(SGD(lr=10.0), "sinc", steps=1, far=10.0).diverged_at == 1
    assert run(SGD(lr=10.0), "sinc", steps=1, far=13.0).diverged_at == 0


# --- stall diagnosis ----------------------------------------------------------------------------


def test_trap1d_sgd_stalls_at_flat_inflection_point(no_warnings):
    traj = run(SGD(lr=0.3), "trap1d", 0.5, steps=300)
    assert traj.stall == "flat"
    assert 0 < traj.stall_at < 300
    assert 0 < traj.final_point[0] < 0.01  # crawled to x = 0, where f' = f'' = 0
    assert traj.summary().startswith("SGD(lr=0.3): stopped at a flat point (0.006) at step ")


def test_trap1d_sgd_stops_in_local_minimum(no_warnings):
    traj = run(SGD(lr=0.3), "trap1d", -0.5, steps=300)
    assert traj.stall == "minimum" and traj.local is True
    assert traj.final_point[0] == pytest.approx(-1.0, abs=1e-6)
    assert traj.hessian_eigenvalues[0] == pytest.approx(6.0, rel=1e-4)
    assert "stopped at a local minimum (-1.000)" in traj.summary()
    glob = run(SGD(lr=0.1), "trap1d", 1.5, steps=300)
    assert glob.stall == "minimum" and glob.local is False
    assert glob.final_point[0] == pytest.approx(2.0)


@pytest.mark.parametrize(("name", "start"), [("saddle", None), ("bounded_saddle", (-1.5, 0.0))])
def test_start_on_the_ridge_stalls_at_saddle(name, start, no_warnings):
    traj = run(SGD(lr=0.1), name, start, steps=300)
    assert traj.stall == "saddle"
    np.testing.assert_allclose(traj.final_point, [0.0, 0.0], atol=1e-6)
    eig = traj.hessian_eigenvalues
    assert eig[0] < 0 < eig[1]
    assert re.fullmatch(
        r"SGD\(lr=0\.1\): stopped at a saddle point \(0\.000, 0\.000\) at step \d+", traj.summary()
    )


def test_off_ridge_start_escapes_the_bounded_saddle():
    traj = run(SGD(lr=0.1), "bounded_saddle", steps=300)  # default start (-1.5, 0.01)
    assert traj.stall == "minimum" and traj.local is False
    np.testing.assert_allclose(traj.final_point, [0.0, 1.0], atol=1e-5)


def test_tiny_gradient_with_a_long_step_is_not_a_stall(no_warnings):
    # far out on 10 sinc(x) |f'| ~ 2e-6 < stall_tol, but lr 1e6 moves x by 2.0 every step
    traj = run(SGD(lr=1e6), "sinc", start=2.0, steps=30, far=None)
    assert traj.grad_norms[-1] < 1e-4
    assert np.abs(np.diff(traj.points[-5:, 0])) == pytest.approx(2.0, rel=1e-3)
    assert traj.stall is None and "stopped" not in traj.summary()


def test_moving_run_has_no_stall():
    traj = run(Adam(lr=0.1), "bowl", steps=100)
    assert traj.stall is None and traj.stall_at is None
    assert re.fullmatch(
        r"Adam\(lr=0\.1, beta1=0\.9, beta2=0\.999, eps=1e-08\): 100 steps, "
        r"final \(-?\d+\.\d{3}, -?\d+\.\d{3}\), loss \d\.\de[+-]\d\d",
        traj.summary(),
    )
    assert "0x" not in traj.summary()


# --- sweep --------------------------------------------------------------------------------------

LRS = np.array([1e-3, 1e-2, 0.1, 0.5, 1.0, 3.0, 30.0])


@pytest.mark.parametrize("surface", ["bowl", "rosenbrock", "sinc", "bounded_saddle"])
def test_batched_sweep_equals_runs_one_by_one(surface, no_warnings):
    opts = list(OPTIMIZERS.values())
    result = sweep(opts, LRS, surface, steps=60)
    assert result.losses.shape == (8, 1, 61, len(LRS))
    for i, cls in enumerate(opts):
        for b, lr in enumerate(LRS):
            opt = cls(lr=lr) if "lr" in cls.hyperparameters else cls()
            traj = run(opt, surface, steps=60)
            assert result.diverged_at[i, 0, b] == traj.diverged_at, (cls.__name__, lr)
            assert result.diverged_value[i, 0, b] == traj.diverged_value
            np.testing.assert_array_equal(result.final_points[i][0][b], traj.final_point)
            n = len(traj.losses)
            np.testing.assert_array_equal(result.losses[i, 0, :n, b], traj.losses)
            assert np.isnan(result.losses[i, 0, n:, b]).all()
            if not traj.diverged:
                assert result.final_losses[i, 0, b] == traj.final_loss
            else:
                assert np.isnan(result.final_losses[i, 0, b])


def test_sweep_fields_best_lr_and_table():
    result = sweep([SGD, Adam], LRS, ["bowl", "rosenbrock"], steps=200)
    assert isinstance(result, Sweep)
    assert result.optimizers == ("SGD", "Adam") and result.surfaces == ("bowl", "rosenbrock")
    assert result.final_losses.shape == result.diverged_at.shape == (2, 2, len(LRS))
    assert result.uses_lr == (True, True)
    # SGD on the bowl, y <- (1 - 2 lr) y: lr 0.5 zeroes y in one step (best), lr 1.0 flips
    # y = +-2 forever (loss stays >= 4), lr 3 and 30 diverge
    assert result.best_lr("SGD", "bowl") == 0.5
    assert result.final_losses[0, 0, 4] == pytest.approx(4.0, abs=1e-3)
    assert result.diverged_at[0, 0].tolist()[:5] == [0] * 5
    assert (result.diverged_at[0, 0, 5:] >= 1).all()
    assert set(result.diverged_value[0, 0, 5:]) == {"out_of_bounds"}
    best = result.best_lrs
    f = result.final_losses[1, 1]
    assert best[1, 1] == LRS[np.nanargmin(f)]
    table = result.table()
    assert table.splitlines()[0].split() == [
        "optimizer",
        "surface",
        "best",
        "lr",
        "loss",
        "diverged",
    ]
    assert len(table.splitlines()) == 5
    with pytest.raises(ValueError, match="optimizer must be one of"):
        result.best_lr("Adamax", "bowl")


def test_sweep_all_diverged_gives_nan_best_lr(no_warnings):
    result = sweep([SGD], [50.0, 100.0], "rosenbrock", steps=20)
    assert (result.diverged_at >= 1).all()
    assert np.isnan(result.best_lrs).all() and np.isnan(result.final_losses).all()
    assert "-" in result.table().splitlines()[1]


def test_sweep_optimizer_specs():
    specs = [
        functools.partial(Momentum, alpha=0.5),
        Adam(beta1=0.5),
        lambda lr: SGD(lr=lr),
        COCOB,
    ]
    result = sweep(specs, [0.01, 0.1], "bowl", steps=30)
    assert result.optimizers[:2] == (
        "Momentum(alpha=0.5)",
        "Adam(lr=0.001, beta1=0.5, beta2=0.999, eps=1e-08)",
    )
    assert result.uses_lr == (True, True, True, False)
    # the partial behaves like Momentum(lr, alpha=0.5); COCOB rows are identical
    ref = run(Momentum(lr=0.1, alpha=0.5), "bowl", steps=30)
    assert result.final_losses[0, 0, 1] == ref.final_loss
    ref = run(Adam(lr=0.01, beta1=0.5), "bowl", steps=30)
    assert result.final_losses[1, 0, 0] == ref.final_loss
    assert result.final_losses[3, 0, 0] == result.final_losses[3, 0, 1]
    assert np.isnan(result.best_lrs[3, 0])
    named = sweep({"plain": SGD}, [0.1], "bowl", steps=5)
    assert named.optimizers == ("plain",)


@pytest.mark.parametrize(
    ("kwargs", "exc", "match"),
    [
        ({"lrs": [0.1, -1.0]}, ValueError, "lrs must be finite numbers > 0"),
        ({"lrs": [[0.1]]}, ValueError, "lrs must be a non-empty 1-D sequence"),
        ({"lrs": []}, ValueError, "lrs must be a non-empty 1-D sequence"),
        ({"surfaces": "bowel"}, ValueError, "unknown surface 'bowel'; valid names"),
        ({"steps": -1}, ValueError, r"steps must be an int in \[0, 100000\], got -1"),
        ({"start": (1.0,)}, ValueError, r"start must have shape \(2,\)"),
        ({"optimizers": [3]}, TypeError, "optimizers must be Optimizer classes"),
        ({"far": 0.0}, ValueError, "far must be a finite number > 0 or None"),
    ],
)
def test_sweep_bad_input(kwargs, exc, match):
    args = {"optimizers": [SGD], "lrs": [0.1], "surfaces": "bowl"} | kwargs
    with pytest.raises(exc, match=match):
        sweep(**args)


# --- bad input to run ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "kwargs", "exc", "match"),
    [
        ((SGD(), "bowel"), {}, ValueError, "unknown surface 'bowel'; valid names: 'bowl'"),
        ((SGD(), "bowl", (1.0, 2.0, 3.0)), {}, ValueError, r"start must have shape \(2,\)"),
        ((SGD(), "sinc", (1.0, 2.0)), {}, ValueError, r"start must have shape \(1,\).*\(2,\)"),
        ((SGD(), "bowl", (np.nan, 0.0)), {}, ValueError, "start must be finite"),
        (
            (SGD(), "bowl", None, -1),
            {},
            ValueError,
            r"steps must be an int in \[0, 100000\], got -1",
        ),
        ((SGD(), "bowl", None, 2.5), {}, TypeError, r"steps must be an int in \[0, 100000\]"),
        ((SGD, "bowl"), {}, TypeError, "optimizer must be an Optimizer instance"),
        ((SGD(), 3), {}, TypeError, "surface must be a Surface or a registry name"),
        ((SGD(), "bowl"), {"stall_tol": -1.0}, ValueError, "stall_tol must be a finite number"),
        ((SGD(), "bowl"), {"far": -1.0}, ValueError, "far must be a finite number > 0"),
    ],
)
def test_run_bad_input(args, kwargs, exc, match):
    with pytest.raises(exc, match=match):
        run(*args, **kwargs)


def test_run_many_rejects_single_optimizer():
    with pytest.raises(TypeError, match="use run\\(\\) for one"):
        run_many(SGD(), "bowl")


# --- minibatch ----------------------------------------------------------------------------------


def test_smaller_batches_fluctuate_more():
    runs = [minibatch_run(b, steps=400, lr=0.05, seed=0) for b in (1, 8, 64, 512)]
    fluct = [r.fluctuation for r in runs]
    assert fluct[0] > fluct[1] > fluct[2] > fluct[3]
    assert fluct[0] > 5 * fluct[2]
    for r in runs:
        assert isinstance(r, MinibatchRun)
        assert r.batch_losses.shape == (400,) and r.losses.shape == (401,)
        assert r.losses[-1] < 0.2 * r.losses[0]
    # same seed, same data: the weights they estimate are the same
    np.testing.assert_array_equal(runs[0].true_weights, runs[3].true_weights)


def test_minibatch_full_batch_is_gradient_descent():
    r = minibatch_run(1000, steps=50, lr=0.1, seed=1, n_samples=1000)
    np.testing.assert_allclose(r.batch_losses, r.losses[:-1], rtol=1e-12)
    assert np.all(np.diff(r.losses) < 0)


def test_minibatch_reproducible_and_any_optimizer():
    a = minibatch_run(8, steps=100, seed=3)
    b = minibatch_run(8, steps=100, seed=3)
    np.testing.assert_array_equal(a.batch_losses, b.batch_losses)
    c = minibatch_run(8, steps=100, seed=3, optimizer=Adam(lr=0.05), label="Adam")
    assert c.label == "Adam" and c.losses[-1] < c.losses[0]
    assert re.fullmatch(
        r"Adam: batch 8, 100 steps, full loss \d+\.\d{4}, fluctuation \d+\.\d{4}", c.summary()
    )


@pytest.mark.parametrize(
    ("kwargs", "exc", "match"),
    [
        ({"batch_size": 0}, ValueError, "batch_size must be an int >= 1, got 0"),
        ({"batch_size": 2000}, ValueError, r"batch_size must be an int in \[1, 1000\]"),
        ({"batch_size": 8, "steps": 0}, ValueError, r"steps must be an int in \[1, 100000\]"),
        ({"batch_size": 8, "seed": -1}, ValueError, "seed must be an int >= 0"),
        ({"batch_size": 8, "lr": 0.1, "optimizer": SGD()}, ValueError, "either lr"),
        ({"batch_size": 8, "lr": -0.1}, ValueError, "lr must be a finite number"),
    ],
)
def test_minibatch_bad_input(kwargs, exc, match):
    with pytest.raises(exc, match=match):
        minibatch_run(**kwargs)


def test_minibatch_divergence_is_detected_without_warnings():
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # numpy's own RuntimeWarnings too
        r = minibatch_run(8, steps=200, lr=50.0, seed=0)
    assert r.diverged and 1 <= r.diverged_at < 200
    assert np.isfinite(r.losses).all() and len(r.losses) == r.diverged_at
    assert r.fluctuation == float("inf")
    assert r.summary().endswith(f"batch 8, diverged at step {r.diverged_at}")


# --- arrival ------------------------------------------------------------------------------------


def test_steps_to_first_arrival_and_settling():
    losses = np.array([5.0, 0.5, 0.05, 0.5, 0.05, 0.01])
    assert steps_to(losses, 0.1) == 2  # first passes below at update 2
    assert steps_to(losses, 0.1, stay=True) == 4  # stays below from update 4 on
    assert steps_to(losses, 1e-3) == np.inf and steps_to(losses, 1e-3, stay=True) == np.inf
    assert steps_to(np.array([0.0, 0.0]), 0.1, stay=True) == 0
    assert steps_to(np.array([1.0, np.nan]), 2.0, stay=True) == np.inf  # NaN counts as above


def test_trajectory_steps_to_uses_the_gap_to_the_minimum():
    traj = run(Momentum(lr=0.05), "bounded_saddle", start=(1.0, 0.5), steps=300)
    assert traj.minimum_value == pytest.approx(-0.25)
    gap = traj.losses + 0.25
    k = traj.steps_to(1e-6)
    assert np.isfinite(k) and gap[int(k)] < 1e-6 <= gap[int(k) - 1]
    settled = traj.steps_to(1e-6, stay=True)
    assert settled >= k and np.all(gap[int(settled) :] < 1e-6) and gap[int(settled) - 1] >= 1e-6


def test_sweep_steps_to_matches_single_runs_and_diverged_rows_never_arrive():
    lrs = [0.01, 0.5, 3.0]  # the last diverges on the bowl
    result = sweep([SGD], lrs, ["bowl", "bounded_saddle"], steps=200)
    arrival = result.steps_to(1e-4)
    assert arrival.shape == (1, 2, 3)
    for j, surface in enumerate(result.surfaces):
        for b, lr in enumerate(lrs):
            assert arrival[0, j, b] == run(SGD(lr=lr), surface, steps=200).steps_to(1e-4)
    assert arrival[0, 0, 2] == np.inf and result.diverged_at[0, 0, 2] > 0


def test_replay_feeds_the_given_gradients():
    grads = np.where(np.arange(1, 61) <= 30, 10.0, 0.1)[:, None]  # large, then small
    out = replay(RMSProp(lr=0.1, rho=0.9), grads)
    assert out["points"].shape == (61, 1) and out["step_size"].shape == (60, 1)
    # the same updates by hand
    opt, p = RMSProp(lr=0.1, rho=0.9), {"x": np.zeros(1)}
    for k, g in enumerate(grads):
        opt.update(p, {"x": g.copy()})
        assert out["points"][k + 1, 0] == p["x"][0]
    step = out["step_size"][:, 0]
    assert step[30:].max() > 4 * step[29]  # RMSProp's step recovers once gradients shrink
    with pytest.raises(ValueError, match=r"grads must be a finite array of shape \(T, dim\)"):
        replay(SGD(), [1.0, 2.0])
    with pytest.raises(ValueError, match=r"start must have shape \(1,\)"):
        replay(SGD(), grads, start=(0.0, 0.0))


def test_start_beyond_the_divergence_bound_is_refused_not_reported_as_divergence():
    with pytest.raises(ValueError, match=r"start \[2000.0, 0.0\] lies more than far=100"):
        run(SGD(lr=0.1), "bowl", start=(2000.0, 0.0))
    with pytest.raises(ValueError, match="lies more than far=100"):
        sweep([SGD], [0.1], "bowl", start=(2000.0, 0.0))
    assert run(SGD(lr=0.1), "bowl", start=(2000.0, 0.0), far=None).diverged_at == 0


def test_huge_start_gives_no_numpy_warning():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        traj = run(SGD(lr=0.1), "bowl", start=(1e200, 0.0), steps=3, far=None)
    assert np.isfinite(traj.points).all() and traj.final_loss == np.inf  # x^2/20 overflows


@pytest.mark.parametrize("tol", [0.0, -1.0, float("nan"), "a"])
def test_steps_to_rejects_a_bad_tolerance(tol):
    with pytest.raises((ValueError, TypeError), match="tol must be a finite number > 0"):
        steps_to(np.array([1.0, 0.5]), tol)


def test_minibatch_growth_far_below_overflow_counts_as_divergence():
    # the batch-size explorer's largest lr: the loss grows geometrically to ~1e180 in 200 steps
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        r = minibatch_run(8, steps=200, lr=10**0.5, seed=0)
    assert r.diverged and r.losses[-1] <= 1e6 * r.losses[0]
    assert len(r.batch_losses) == len(r.losses) - 1 == r.diverged_at - 1
    assert r.fluctuation == float("inf")


@pytest.mark.parametrize(
    "call",
    [
        lambda: run(SGD(), "bowl", steps=10**7),
        lambda: sweep([SGD], [0.1], "bowl", steps=10**7),
        lambda: minibatch_run(8, steps=10**7),
        lambda: replay(SGD(), np.zeros((10**5 + 1, 1))),
    ],
)
def test_absurd_step_counts_are_refused_before_any_work(call):
    with pytest.raises(ValueError, match=r"(steps must be an int in \[\d+, 100000\]|T <= 100000)"):
        call()


def test_one_simulation_core_for_run_sweep_and_replay():
    # replay of the gradients a run saw reproduces the run's points exactly
    s = get_surface("rosenbrock")
    traj = run(Adam(lr=0.05), s, steps=40)
    grads = s.gradient(traj.points[:-1])
    out = replay(Adam(lr=0.05), grads, start=traj.points[0])
    np.testing.assert_array_equal(out["points"], traj.points)
    np.testing.assert_array_equal(out["m_hat"], traj.state["m_hat"])


def test_frozen_batch_losses_are_the_sampling_spread_alone():
    from lecture_lib.minibatch import frozen_batch_losses
    from lecture_lib.theory import minibatch_std_factor

    every_sample = frozen_batch_losses(1, steps=1000, seed=0)  # one epoch: each sample once
    sigma = np.std(every_sample)
    assert frozen_batch_losses(1000, steps=3, seed=0) == pytest.approx(every_sample.mean())
    spread = np.std(frozen_batch_losses(64, steps=3000, seed=0))
    assert spread == pytest.approx(sigma * minibatch_std_factor(64, 1000), rel=0.1)
    # the same batches as a training run's first step
    run_ = minibatch_run(8, steps=1, lr=0.05, seed=3)
    assert frozen_batch_losses(8, steps=1, seed=3)[0] == pytest.approx(run_.batch_losses[0])
    with pytest.raises(ValueError, match="batch_size must be an int in"):
        frozen_batch_losses(2000)


def test_run_without_state_records_the_same_path():
    a = run(Adam(lr=0.1), "rosenbrock", steps=50)
    b = run(Adam(lr=0.1), "rosenbrock", steps=50, record_state=False)
    np.testing.assert_array_equal(a.points, b.points)
    assert b.state == {} and set(a.state) == {"step_size", "m_hat", "v_hat"}
