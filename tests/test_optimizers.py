"""The eight optimizers: golden values from the formulas, convergence, exact equivalences,
properties, and clear errors for bad input."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from lecture_lib.optimizers import (
    COCOB,
    OPTIMIZERS,
    SGD,
    Adadelta,
    Adagrad,
    Adam,
    AdaMax,
    AdamW,
    Momentum,
    Optimizer,
    RMSProp,
)
from lecture_lib.schedules import Constant, ExponentialDecay, InverseTimeDecay
from lecture_lib.surfaces import get_surface

pytestmark = pytest.mark.optimizers


# ---- the rules, written out per coordinate with plain Python floats --------------------------
def hand_sgd(theta, grads, lr=0.01):
    out = []
    for g in grads:
        theta = [x - lr * gi for x, gi in zip(theta, g, strict=True)]
        out.append(theta)
    return out


def hand_momentum(theta, grads, lr=0.01, alpha=0.9):
    v, out = [0.0] * len(theta), []
    for g in grads:
        v = [alpha * vi - lr * gi for vi, gi in zip(v, g, strict=True)]
        theta = [x + vi for x, vi in zip(theta, v, strict=True)]
        out.append(theta)
    return out


def hand_adagrad(theta, grads, lr=0.01, eps=1e-8):
    h, out = [0.0] * len(theta), []
    for g in grads:
        h = [hi + gi * gi for hi, gi in zip(h, g, strict=True)]
        theta = [x - lr * gi / (math.sqrt(hi) + eps) for x, gi, hi in zip(theta, g, h, strict=True)]
        out.append(theta)
    return out


def hand_rmsprop(theta, grads, lr=0.01, rho=0.9, eps=1e-8):
    h, out = [0.0] * len(theta), []
    for g in grads:
        h = [rho * hi + (1 - rho) * gi * gi for hi, gi in zip(h, g, strict=True)]
        theta = [x - lr * gi / (math.sqrt(hi) + eps) for x, gi, hi in zip(theta, g, h, strict=True)]
        out.append(theta)
    return out


def hand_adadelta(theta, grads, lr=1.0, rho=0.9, eps=1e-6):
    h, u, out = [0.0] * len(theta), [0.0] * len(theta), []
    for g in grads:
        h = [rho * hi + (1 - rho) * gi * gi for hi, gi in zip(h, g, strict=True)]
        d = [
            math.sqrt(ui + eps) / math.sqrt(hi + eps) * gi
            for ui, hi, gi in zip(u, h, g, strict=True)
        ]
        u = [rho * ui + (1 - rho) * di * di for ui, di in zip(u, d, strict=True)]
        theta = [x - lr * di for x, di in zip(theta, d, strict=True)]
        out.append(theta)
    return out


def hand_adam(theta, grads, lr=0.001, beta1=0.9, beta2=0.999, eps=1e-8):
    m, v, out = [0.0] * len(theta), [0.0] * len(theta), []
    for t, g in enumerate(grads, start=1):
        m = [beta1 * mi + (1 - beta1) * gi for mi, gi in zip(m, g, strict=True)]
        v = [beta2 * vi + (1 - beta2) * gi * gi for vi, gi in zip(v, g, strict=True)]
        m_hat = [mi / (1 - beta1**t) for mi in m]
        v_hat = [vi / (1 - beta2**t) for vi in v]
        theta = [
            x - lr * a / (math.sqrt(b) + eps) for x, a, b in zip(theta, m_hat, v_hat, strict=True)
        ]
        out.append(theta)
    return out


def hand_adamax(theta, grads, lr=0.002, beta1=0.9, beta2=0.999, eps=1e-8):
    m, u, out = [0.0] * len(theta), [0.0] * len(theta), []
    for t, g in enumerate(grads, start=1):
        m = [beta1 * mi + (1 - beta1) * gi for mi, gi in zip(m, g, strict=True)]
        u = [max(beta2 * ui, abs(gi) + eps) for ui, gi in zip(u, g, strict=True)]
        theta = [x - lr / (1 - beta1**t) * mi / ui for x, mi, ui in zip(theta, m, u, strict=True)]
        out.append(theta)
    return out


def hand_cocob(theta, grads, alpha=100.0, eps=1e-8):
    n = len(theta)
    w1, L, G, R, S, out = list(theta), [eps] * n, [0.0] * n, [0.0] * n, [0.0] * n, []
    for g in grads:
        new = []
        for i in range(n):
            L[i] = max(L[i], abs(g[i]))
            G[i] += abs(g[i])
            R[i] = max(R[i] - g[i] * (theta[i] - w1[i]), 0.0)
            S[i] += g[i]
            new.append(w1[i] - S[i] * (L[i] + R[i]) / (L[i] * max(G[i] + L[i], alpha * L[i])))
        theta = new
        out.append(theta)
    return out


HAND = {
    "SGD": hand_sgd,
    "Momentum": hand_momentum,
    "Adagrad": hand_adagrad,
    "RMSProp": hand_rmsprop,
    "Adadelta": hand_adadelta,
    "Adam": hand_adam,
    "AdaMax": hand_adamax,
    "COCOB": hand_cocob,
}
# non-default settings, so that every hyperparameter enters the golden values
SETTINGS = {
    "SGD": {"lr": 0.3},
    "Momentum": {"lr": 0.2, "alpha": 0.7},
    "Adagrad": {"lr": 0.5, "eps": 1e-3},
    "RMSProp": {"lr": 0.1, "rho": 0.8, "eps": 1e-3},
    "Adadelta": {"lr": 0.9, "rho": 0.7, "eps": 1e-2},
    "Adam": {"lr": 0.05, "beta1": 0.8, "beta2": 0.9, "eps": 1e-3},
    "AdaMax": {"lr": 0.05, "beta1": 0.8, "beta2": 0.9, "eps": 1e-3},
    "COCOB": {"alpha": 3.0, "eps": 1e-2},
}
THETA0 = [0.5, -1.25, 3.0, 0.0]
GRADS = [  # one list per update; includes a zero and sign changes
    [0.3, -2.0, 0.0, 1e-3],
    [-0.7, 1.5, 0.25, 4.0],
    [0.1, 0.2, -3.0, -0.5],
    [2.5, -0.05, 0.4, 0.0],
    [-1.0, 0.8, 0.6, 2.0],
]


def run_numpy(opt, grads, theta0=THETA0, dtype=np.float64):
    params = {"w": np.array(theta0, dtype)}
    out = []
    for g in grads:
        opt.update(params, {"w": np.array(g, dtype)})
        out.append(params["w"].copy())
    return out


@pytest.mark.parametrize("steps", [1, len(GRADS)], ids=["one_step", "several_steps"])
@pytest.mark.parametrize("settings_", ["defaults", "custom"])
@pytest.mark.parametrize("name", list(OPTIMIZERS))
def test_golden_values(name, settings_, steps):
    hyper = SETTINGS[name] if settings_ == "custom" else {}
    got = run_numpy(OPTIMIZERS[name](**hyper), GRADS[:steps])
    want = HAND[name](THETA0, GRADS[:steps], **hyper)
    for t, (a, b) in enumerate(zip(got, want, strict=True), start=1):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=0, err_msg=f"{name} at step {t}")
    assert not np.allclose(got[-1], THETA0)  # the test can fail: something moved


# ---- convergence ----------------------------------------------------------------------------
def bowl_gradient(p):
    """x^2/20 + y^2."""
    return np.stack([p[..., 0] / 10.0, 2.0 * p[..., 1]], axis=-1)


def rosenbrock_gradient(p, a=1.0, b=100.0):
    x, y = p[..., 0], p[..., 1]
    return np.stack([-2.0 * (a - x) - 4.0 * b * x * (y - x * x), 2.0 * b * (y - x * x)], axis=-1)


def descend(opt, gradient, start, steps):
    params = {"p": np.array(start, dtype=float)}
    for _ in range(steps):
        opt.update(params, {"p": gradient(params["p"])})
    return params["p"]


LOCAL = {"bowl": bowl_gradient, "rosenbrock": rosenbrock_gradient}
CONVERGE = {  # name -> (bowl class, settings, steps), (Rosenbrock class, settings, steps)
    "SGD": ((SGD, {"lr": 0.5}, 300), (SGD, {"lr": 1e-3}, 20000)),
    "Momentum": ((Momentum, {"lr": 0.1, "alpha": 0.9}, 300), (Momentum, {"lr": 1e-3}, 5000)),
    "Adagrad": ((Adagrad, {"lr": 1.0}, 500), (Adagrad, {"lr": 1.0}, 10000)),
    "RMSProp": (
        (RMSProp, {"lr": ExponentialDecay(0.1, 0.99)}, 1000),
        (RMSProp, {"lr": ExponentialDecay(0.01, 0.999)}, 10000),
    ),
    "Adadelta": ((Adadelta, {}, 3000), (Adadelta, {"lr": 0.02, "rho": 0.9, "eps": 1e-8}, 50000)),
    "Adam": ((Adam, {"lr": 0.1}, 1000), (Adam, {"lr": 0.02}, 5000)),
    "AdaMax": ((AdaMax, {"lr": 0.1}, 1000), (AdaMax, {"lr": 0.02}, 5000)),
    "COCOB": ((COCOB, {}, 2000), (COCOB, {}, 25000)),
}


@pytest.mark.parametrize("surface", ["bowl", "rosenbrock"])
@pytest.mark.parametrize("name", list(OPTIMIZERS))
def test_converges(name, surface):
    cls, hyper, steps = CONVERGE[name][surface == "rosenbrock"]
    s = get_surface(surface)
    np.testing.assert_allclose(s.gradient(s.start), LOCAL[surface](s.start))  # same problem
    final = descend(cls(**hyper), s.gradient, s.start, steps)
    tol = 1e-2 if surface == "rosenbrock" else 1e-3
    assert np.abs(final - s.minima[0]).max() < tol, final


# ---- exact equivalences -------------------------------------------------------------------
def test_momentum_with_alpha_zero_is_sgd_bit_for_bit():
    a = run_numpy(Momentum(lr=0.3, alpha=0.0), GRADS)
    b = run_numpy(SGD(lr=0.3), GRADS)
    for x, y in zip(a, b, strict=True):
        assert np.array_equal(x, y)


def test_rmsprop_with_rho_zero_is_normalized_sgd():
    lr, eps = 0.1, 1e-3
    got = run_numpy(RMSProp(lr=lr, rho=0.0, eps=eps), GRADS)
    theta = list(THETA0)
    for t, g in enumerate(GRADS):
        theta = [x - lr * gi / (abs(gi) + eps) for x, gi in zip(theta, g, strict=True)]
        np.testing.assert_allclose(got[t], theta, rtol=1e-15, atol=0)


@pytest.mark.parametrize("name", [n for n in OPTIMIZERS if n != "COCOB"])
def test_constant_schedule_is_a_float_lr_bit_for_bit(name):
    hyper = dict(SETTINGS[name])
    a = run_numpy(OPTIMIZERS[name](**hyper), GRADS)
    hyper["lr"] = Constant(hyper["lr"])
    b = run_numpy(OPTIMIZERS[name](**hyper), GRADS)
    for x, y in zip(a, b, strict=True):
        assert np.array_equal(x, y)


def test_schedule_changes_the_learning_rate_per_update():
    lr = InverseTimeDecay(0.5, k=1.0)
    got = run_numpy(SGD(lr=lr), GRADS[:3])
    theta = list(THETA0)
    for t, g in enumerate(GRADS[:3], start=1):
        theta = [x - 0.5 / (1 + t) * gi for x, gi in zip(theta, g, strict=True)]
        np.testing.assert_allclose(got[t - 1], theta, rtol=1e-15, atol=0)


def test_adam_with_beta1_zero_is_bias_corrected_rmsprop():
    lr, beta2, eps = 0.05, 0.9, 1e-3
    adam, rms = Adam(lr=lr, beta1=0.0, beta2=beta2, eps=eps), RMSProp(lr=lr, rho=beta2, eps=eps)
    p_adam = {"w": np.array(THETA0)}
    p_rms = {"w": np.array(THETA0)}
    for t, g in enumerate(GRADS, start=1):
        before = p_adam["w"].copy()
        adam.update(p_adam, {"w": np.array(g)})
        rms.update(p_rms, {"w": np.array(g)})
        assert np.array_equal(adam.v["w"], rms.h["w"])  # the same moving average of g^2
        h_hat = rms.h["w"] / (1 - beta2**t)
        want = before - lr * np.array(g) / (np.sqrt(h_hat) + eps)
        np.testing.assert_allclose(p_adam["w"], want, rtol=1e-15, atol=0)


BATCH_HYPER = {  # array hyperparameters of shape (B, 1), B = 3
    "SGD": {"lr": [0.1, 0.2, 0.3]},
    "Momentum": {"lr": [0.1, 0.2, 0.3], "alpha": [0.0, 0.5, 0.9]},
    "Adagrad": {"lr": [0.1, 0.5, 1.0], "eps": [1e-8, 1e-3, 1e-1]},
    "RMSProp": {"lr": [0.1, 0.2, 0.3], "rho": [0.0, 0.5, 0.9]},
    "Adadelta": {"lr": [1.0, 0.5, 0.1], "rho": [0.5, 0.9, 0.95], "eps": [1e-6, 1e-3, 1e-2]},
    "Adam": {"lr": [0.1, 0.01, 0.001], "beta1": [0.0, 0.5, 0.9], "beta2": [0.9, 0.99, 0.999]},
    "AdaMax": {"lr": [0.1, 0.01, 0.002], "beta1": [0.0, 0.5, 0.9], "beta2": [0.9, 0.99, 0.999]},
    "COCOB": {"alpha": [1.0, 10.0, 100.0], "eps": [1e-8, 1e-4, 1e-2]},
}


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("name", list(OPTIMIZERS))
def test_batched_run_equals_runs_one_by_one(name, dtype):
    hyper = BATCH_HYPER[name]
    starts = np.array([[-7.0, 2.0], [1.0, -3.0], [0.5, 0.25]], dtype)
    batched = OPTIMIZERS[name](**{k: np.array(v)[:, None] for k, v in hyper.items()})
    params = {"p": starts.copy()}
    for _ in range(20):
        batched.update(params, {"p": bowl_gradient(params["p"])})
    assert params["p"].dtype == dtype
    for b in range(3):
        single = OPTIMIZERS[name](**{k: v[b] for k, v in hyper.items()})
        one = {"p": starts[b].copy()}
        for _ in range(20):
            single.update(one, {"p": bowl_gradient(one["p"])})
        rtol = 1e-15 if dtype == np.float64 else 1e-5  # float32: 1 - rho rounds differently
        np.testing.assert_allclose(params["p"][b], one["p"], rtol=rtol, atol=1e-300)


# ---- properties ---------------------------------------------------------------------------
finite = st.floats(-1e6, 1e6, allow_nan=False, allow_infinity=False, width=32)
shapes = hnp.array_shapes(min_dims=0, max_dims=3, min_side=1, max_side=4)


@settings(max_examples=40, deadline=None)
@given(
    name=st.sampled_from(list(OPTIMIZERS)),
    dtype=st.sampled_from([np.float32, np.float64]),
    shape=shapes,
    data=st.data(),
)
def test_finite_in_finite_out_shapes_dtypes_and_grads_untouched(name, dtype, shape, data):
    theta = data.draw(hnp.arrays(dtype, shape, elements=finite))
    grads = [data.draw(hnp.arrays(dtype, shape, elements=finite)) for _ in range(3)]
    opt = OPTIMIZERS[name]()
    params = {"theta": theta}
    for g in grads:
        g_copy = g.copy()
        opt.update(params, {"theta": g})
        assert params["theta"] is theta  # updated in place
        assert np.array_equal(g, g_copy)  # grads untouched
        assert theta.shape == shape and theta.dtype == dtype
        assert np.isfinite(theta).all()
    for name_ in opt.state_names:
        assert getattr(opt, name_)["theta"].dtype == dtype
        assert getattr(opt, name_)["theta"].shape == shape
    for value in opt.diagnostics("theta").values():
        assert value.shape == shape and value.dtype == dtype
        assert np.isfinite(value).all()


@pytest.mark.parametrize("name", list(OPTIMIZERS))
def test_float32_array_hyperparameters_do_not_upcast(name):
    hyper = {k: np.array(v)[:, None] for k, v in BATCH_HYPER[name].items()}  # float64 arrays
    opt = OPTIMIZERS[name](**hyper)
    params = {"p": np.ones((3, 2), np.float32)}
    opt.update(params, {"p": np.full((3, 2), 0.5, np.float32)})
    assert params["p"].dtype == np.float32
    assert all(getattr(opt, s)["p"].dtype == np.float32 for s in opt.state_names)


@pytest.mark.parametrize("name", list(OPTIMIZERS))
def test_huge_but_finite_gradients_give_no_nan(name):
    opt = OPTIMIZERS[name]()
    params = {"p": np.array([1.0, -2.0, 0.0])}
    for g in ([1e200, -1e200, 0.0], [-1e200, 1e-300, 0.0], [1e150, 3.0, 0.0]):
        opt.update(params, {"p": np.array(g)})
        assert not np.isnan(params["p"]).any()


def test_zero_gradients_at_the_start_give_no_nan():
    for cls in OPTIMIZERS.values():
        opt = cls()
        params = {"p": np.zeros(3)}
        for _ in range(3):
            opt.update(params, {"p": np.zeros(3)})
        assert np.array_equal(params["p"], np.zeros(3)), cls.__name__


# ---- bad input ----------------------------------------------------------------------------
BAD_HYPER = [
    (SGD, {"lr": 0.0}, "lr"),
    (SGD, {"lr": -1.0}, "lr"),
    (SGD, {"lr": float("nan")}, "lr"),
    (SGD, {"lr": float("inf")}, "lr"),
    (SGD, {"lr": np.array([0.1, -0.1])}, "lr"),
    (SGD, {"lr": "0.1"}, "lr"),
    (SGD, {"lr": True}, "lr"),
    (Momentum, {"alpha": 1.0}, "alpha"),
    (Momentum, {"alpha": -0.1}, "alpha"),
    (Momentum, {"alpha": np.array([0.5, 1.5])}, "alpha"),
    (RMSProp, {"rho": 1.0}, "rho"),
    (RMSProp, {"rho": -0.5}, "rho"),
    (Adadelta, {"rho": 1.2}, "rho"),
    (Adam, {"beta1": 1.0}, "beta1"),
    (Adam, {"beta2": 1.0}, "beta2"),
    (Adam, {"beta2": -1e-9}, "beta2"),
    (AdaMax, {"beta1": float("nan")}, "beta1"),
    (Adagrad, {"eps": 0.0}, "eps"),
    (Adam, {"eps": -1e-8}, "eps"),
    (Adadelta, {"eps": np.array([1e-6, 0.0])}, "eps"),
    (COCOB, {"alpha": 0.0}, "alpha"),
    (COCOB, {"alpha": -100.0}, "alpha"),
    (COCOB, {"eps": 0.0}, "eps"),
]


@pytest.mark.parametrize(("cls", "hyper", "name"), BAD_HYPER)
def test_bad_hyperparameters_are_rejected_at_construction(cls, hyper, name):
    with pytest.raises((ValueError, TypeError), match=rf"^{name} must be") as info:
        cls(**hyper)
    assert any(word in str(info.value) for word in ("[0, 1)", "(0, inf)")), info.value


def _bad_update(kind):
    good = np.ones(3)
    return {
        "keys": ({"w": good}, {"b": good}, "same keys"),
        "shape": ({"w": good}, {"w": np.ones(4)}, "grads['w'] has shape"),
        "int_params": ({"w": np.ones(3, int)}, {"w": good}, "params['w'] has dtype int"),
        "list_params": ({"w": [1.0, 2.0]}, {"w": good}, "params['w'] must be a numpy array"),
        "list_grads": ({"w": good}, {"w": [1.0, 2.0, 3.0]}, "grads['w'] must be a numpy array"),
        "complex_grads": ({"w": good}, {"w": np.ones(3, complex)}, "grads['w'] has dtype"),
        "not_a_dict": ([good], [good], "params must be a dict"),
        "read_only": ({"w": np.broadcast_to(1.0, (3,))}, {"w": good}, "params['w'] is read-only"),
        "aliased": ({"w": good}, {"w": good}, "shares memory"),
        "lr_shape": ({"w": np.ones((2, 3))}, {"w": np.ones((2, 3))}, "lr has shape"),
    }[kind]


@pytest.mark.parametrize(
    "kind",
    [
        "keys",
        "shape",
        "int_params",
        "list_params",
        "list_grads",
        "complex_grads",
        "not_a_dict",
        "read_only",
        "aliased",
        "lr_shape",
    ],
)
@pytest.mark.parametrize("name", ["SGD", "Adam", "COCOB"])
def test_bad_arrays_are_rejected_at_update(name, kind):
    params, grads, message = _bad_update(kind)
    if kind == "lr_shape":  # a (4, 1) hyperparameter cannot broadcast against (2, 3)
        first = OPTIMIZERS[name].hyperparameters[0]  # lr, or COCOB's alpha
        opt = OPTIMIZERS[name](**{first: np.full((4, 1), 0.1)})
        message = message.replace("lr", first)
    else:
        opt = OPTIMIZERS[name]()
    before = {k: np.array(v, copy=True) for k, v in params.items()} if kind != "not_a_dict" else {}
    with pytest.raises((ValueError, TypeError)) as info:
        opt.update(params, grads)
    assert message in str(info.value)
    for k, v in before.items():
        assert np.array_equal(np.asarray(params[k]), v)  # nothing half-updated


def test_changed_shape_after_first_update_is_rejected():
    opt = Adam()
    opt.update({"w": np.ones(3)}, {"w": np.ones(3)})
    with pytest.raises(ValueError, match=r"params\['w'\].*reset\(\)"):
        opt.update({"w": np.ones(4)}, {"w": np.ones(4)})


def test_float64_grads_for_float32_params_keep_float32():
    opt = Adam()
    params = {"w": np.ones(3, np.float32)}
    g = np.full(3, 0.5)
    opt.update(params, {"w": g})
    assert params["w"].dtype == np.float32 and opt.m["w"].dtype == np.float32
    assert np.array_equal(g, np.full(3, 0.5))


# ---- state, reset, diagnostics, repr, registry ----------------------------------------------
EXPECTED_STATE = {
    "SGD": (),
    "Momentum": ("v",),
    "Adagrad": ("h",),
    "RMSProp": ("h",),
    "Adadelta": ("h", "u"),
    "Adam": ("m", "v"),
    "AdaMax": ("m", "u"),
    "COCOB": ("w1", "L", "G", "R", "S"),
}


def test_registry_is_in_lecture_order():
    assert list(OPTIMIZERS) == list(EXPECTED_STATE)
    assert all(issubclass(cls, Optimizer) for cls in OPTIMIZERS.values())


@pytest.mark.parametrize("name", list(OPTIMIZERS))
def test_state_names_hyperparameters_and_reset(name):
    opt = OPTIMIZERS[name](**SETTINGS[name])
    assert opt.state_names == EXPECTED_STATE[name]
    assert opt.hyperparameters == tuple(SETTINGS[name])
    for h, value in SETTINGS[name].items():
        assert getattr(opt, h) == value
    first = run_numpy(opt, GRADS[:2])
    assert opt.t == 2
    for s in opt.state_names:
        assert set(getattr(opt, s)) == {"w"}
    opt.reset()
    assert opt.t == 0
    assert all(getattr(opt, s) == {} for s in opt.state_names)
    again = run_numpy(opt, GRADS[:2])
    assert all(np.array_equal(a, b) for a, b in zip(first, again, strict=True))


DIAG_KEYS = {
    "Momentum": {"v"},
    "Adam": {"step_size", "m_hat", "v_hat"},
    "COCOB": {"step_size", "wealth", "bet_fraction"},
}


@pytest.mark.parametrize("name", list(OPTIMIZERS))
def test_diagnostics(name):
    opt = OPTIMIZERS[name](**SETTINGS[name])
    with pytest.raises(ValueError, match="after the first update"):
        opt.diagnostics("w")
    run_numpy(opt, GRADS[:2])
    diag = opt.diagnostics("w")
    assert set(diag) == DIAG_KEYS.get(name, {"step_size"})
    assert all(v.shape == (len(THETA0),) for v in diag.values())
    with pytest.raises(KeyError, match="key must be one of"):
        opt.diagnostics("nope")


@pytest.mark.parametrize("name", [n for n in OPTIMIZERS if n != "COCOB"])
def test_step_size_reproduces_the_latest_step(name):
    """theta_new - theta_old == -step_size * (g, m_hat or m): the diagnostic is the real factor."""
    opt = OPTIMIZERS[name](**SETTINGS[name])
    params = {"w": np.array(THETA0)}
    for g in GRADS[:3]:
        before = params["w"].copy()
        opt.update(params, {"w": np.array(g)})
    step, diag = params["w"] - before, opt.diagnostics("w")
    if name == "Momentum":
        np.testing.assert_allclose(step, opt.v["w"], rtol=1e-13)
        np.testing.assert_array_equal(diag["v"], opt.v["w"])
        assert diag["v"] is not opt.v["w"]
        return
    factor = {"Adam": diag.get("m_hat"), "AdaMax": getattr(opt, "m", {}).get("w")}.get(name, g)
    np.testing.assert_allclose(step, -diag["step_size"] * np.array(factor), rtol=1e-12, atol=1e-15)


def test_cocob_diagnostics_reproduce_theta():
    opt = COCOB(**SETTINGS["COCOB"])
    out = run_numpy(opt, GRADS)
    d = opt.diagnostics("w")
    theta = opt.w1["w"] + d["bet_fraction"] * d["wealth"] / opt.L["w"]
    np.testing.assert_allclose(out[-1], theta, rtol=1e-12, atol=1e-15)
    assert np.all(np.abs(d["bet_fraction"]) <= 1.0)


def test_repr_is_compact():
    assert repr(Adam()) == "Adam(lr=0.001, beta1=0.9, beta2=0.999, eps=1e-08)"
    assert repr(COCOB()) == "COCOB(alpha=100.0, eps=1e-08)"
    assert repr(SGD(lr=np.full((4, 1), 0.1))) == "SGD(lr=array(4, 1))"
    assert repr(Momentum(lr=InverseTimeDecay(0.1, k=0.5))) == (
        "Momentum(lr=InverseTimeDecay(lr=0.1, k=0.5), alpha=0.9)"
    )


def test_a_bad_second_array_leaves_everything_untouched():
    opt = SGD(lr=np.full((2, 1), 0.1))
    params = {"a": np.ones((2, 3)), "b": np.ones((4, 3))}  # lr (2, 1) fits "a", not "b"
    with pytest.raises(ValueError, match="lr has shape"):
        opt.update(params, {"a": np.ones((2, 3)), "b": np.ones((4, 3))})
    assert np.array_equal(params["a"], np.ones((2, 3))) and opt.t == 0


# ---- misuse that used to pass silently ---------------------------------------------------------
@pytest.mark.parametrize("name", list(OPTIMIZERS))
def test_float16_is_refused_with_a_reason(name):
    opt = OPTIMIZERS[name]()
    params = {"w": np.ones(3, np.float16)}
    with pytest.raises(TypeError, match=r"float16.*float32 or float64|float32 or float64.*float16"):
        opt.update(params, {"w": np.ones(3, np.float16)})
    assert opt.t == 0


def test_an_empty_update_is_refused_and_does_not_advance_t():
    opt = Adam()
    with pytest.raises(ValueError, match="params must hold at least one array"):
        opt.update({}, {})
    assert opt.t == 0
    opt.update({"w": np.ones(2)}, {"w": np.ones(2)})  # the first real update is update 1
    assert opt.t == 1


@pytest.mark.parametrize("name", list(OPTIMIZERS))
def test_reusing_an_optimizer_for_other_arrays_needs_reset(name):
    opt = OPTIMIZERS[name]()
    first = {"w": np.ones(3)}
    opt.update(first, {"w": np.full(3, 0.5)})
    second = {"w": np.ones(3)}  # a second model with the same shapes
    with pytest.raises(ValueError, match=r"params\['w'\] is not the array .*reset\(\)"):
        opt.update(second, {"w": np.full(3, 0.5)})
    assert np.array_equal(second["w"], np.ones(3)) and opt.t == 1
    opt.reset()
    opt.update(second, {"w": np.full(3, 0.5)})
    fresh = OPTIMIZERS[name]()
    third = {"w": np.ones(3)}
    fresh.update(third, {"w": np.full(3, 0.5)})
    assert np.array_equal(second["w"], third["w"])  # after reset it starts from scratch


def test_adamw_decouples_the_decay_from_the_adaptive_step():
    lr, wd = 0.05, 0.1
    got = run_numpy(AdamW(lr=lr, beta1=0.8, beta2=0.9, eps=1e-3, weight_decay=wd), GRADS)
    adam_steps = hand_adam(THETA0, GRADS, lr=lr, beta1=0.8, beta2=0.9, eps=1e-3)
    theta, previous = list(THETA0), list(THETA0)
    for t, want_adam in enumerate(adam_steps):
        # Adam's own step from the previous Adam iterate, applied to AdamW's iterate, minus decay
        adam_step = [a - b for a, b in zip(want_adam, previous, strict=True)]
        theta = [x + s - lr * wd * x for x, s in zip(theta, adam_step, strict=True)]
        previous = want_adam
        np.testing.assert_allclose(got[t], theta, rtol=1e-12, atol=1e-15)


def test_adamw_without_decay_is_adam_bit_for_bit():
    a = run_numpy(AdamW(lr=0.05, weight_decay=0.0), GRADS)
    b = run_numpy(Adam(lr=0.05), GRADS)
    assert all(np.array_equal(x, y) for x, y in zip(a, b, strict=True))


def test_adamw_rejects_a_negative_decay():
    with pytest.raises(ValueError, match=r"^weight_decay must be a finite number in \[0, inf\)"):
        AdamW(weight_decay=-0.1)


def test_a_subclass_keeps_its_parents_hyperparameter_ranges():
    class MyCOCOB(COCOB):
        pass

    assert MyCOCOB(alpha=100.0).alpha == 100.0  # COCOB's alpha is (0, inf), not Momentum's [0, 1)
    with pytest.raises(ValueError, match=r"alpha must be a finite number in \(0, inf\)"):
        MyCOCOB(alpha=0.0)
