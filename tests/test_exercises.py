"""Exercise checkers: the solutions pass, stubs get 'not solved yet', mistakes are located."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest

from lecture_lib.exercises import EXERCISES, Report, check
from lecture_lib.optimizers import OPTIMIZERS

pytestmark = pytest.mark.exercises

_spec = importlib.util.spec_from_file_location(
    "optimizer_solutions", Path(__file__).resolve().parents[1] / "solutions" / "optimizers.py"
)
solutions = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(solutions)


def test_one_exercise_per_optimizer():
    assert list(EXERCISES) == list(OPTIMIZERS)
    assert set(solutions.SOLUTIONS) == set(EXERCISES)


@pytest.mark.parametrize("name", list(EXERCISES))
def test_solutions_pass(name):
    report = check(name, solutions.SOLUTIONS[name])
    assert isinstance(report, Report)
    assert report.passed and report.solved and report.step is None, report.message
    assert report.message.startswith(f"{name} exercise: passed!")
    assert repr(report) == str(report) == report.message


@pytest.mark.parametrize("name", list(EXERCISES))
def test_the_stub_from_the_template_is_not_solved_yet(name):
    namespace = {}
    exec(EXERCISES[name].template, namespace)  # the code a notebook shows
    stub = namespace[EXERCISES[name].function_name]
    report = check(name, stub)
    assert not report.passed and not report.solved
    assert "not solved yet" in report.message
    assert "Traceback" not in report.message


@pytest.mark.parametrize("name", list(EXERCISES))
def test_returning_theta_unchanged_is_not_solved_yet(name):
    def unchanged(theta, g, state, t, **hyper):
        return theta

    report = check(name, unchanged)
    assert not report.solved and "returns theta unchanged" in report.message


def _wrong_sgd(theta, g, state, t, lr):
    return theta + lr * g


def _momentum_without_alpha(theta, g, state, t, lr, alpha):
    state["v"] = state["v"] - lr * g  # v0 = 0, so step 1 is still right
    return theta + state["v"]


def _adagrad_without_accumulation(theta, g, state, t, lr, eps):
    state["h"] = g * g
    return theta - lr * g / (np.sqrt(state["h"]) + eps)


def _rmsprop_rho_swapped(theta, g, state, t, lr, rho, eps):
    state["h"] = (1 - rho) * state["h"] + rho * g * g
    return theta - lr * g / (np.sqrt(state["h"]) + eps)


def _adadelta_eps_outside_roots(theta, g, state, t, lr, rho, eps):
    state["h"] = rho * state["h"] + (1 - rho) * g * g
    d = (np.sqrt(state["u"]) + eps) / (np.sqrt(state["h"]) + eps) * g
    state["u"] = rho * state["u"] + (1 - rho) * d * d
    return theta - lr * d


def _adam_without_bias_correction(theta, g, state, t, lr, beta1, beta2, eps):
    state["m"] = beta1 * state["m"] + (1 - beta1) * g
    state["v"] = beta2 * state["v"] + (1 - beta2) * g * g
    return theta - lr * state["m"] / (np.sqrt(state["v"]) + eps)


def _adam_folded_lr_t(theta, g, state, t, lr, beta1, beta2, eps):
    """The paper's faster form: it moves eps, and the checker notices."""
    state["m"] = beta1 * state["m"] + (1 - beta1) * g
    state["v"] = beta2 * state["v"] + (1 - beta2) * g * g
    lr_t = lr * np.sqrt(1 - beta2**t) / (1 - beta1**t)
    return theta - lr_t * state["m"] / (np.sqrt(state["v"]) + eps)


def _adamax_without_eps(theta, g, state, t, lr, beta1, beta2, eps):
    state["m"] = beta1 * state["m"] + (1 - beta1) * g
    state["u"] = np.maximum(beta2 * state["u"], np.abs(g))  # 0/0 on the flat coordinate
    return theta - lr / (1 - beta1**t) * state["m"] / state["u"]


def _cocob_wrong_sign_of_s(theta, g, state, t, alpha, eps):
    state["L"] = np.maximum(state["L"], np.abs(g))
    state["G"] = state["G"] + np.abs(g)
    state["R"] = np.maximum(state["R"] - g * (theta - state["w1"]), 0.0)
    state["S"] = state["S"] - g
    L, G, R, S = state["L"], state["G"], state["R"], state["S"]
    return state["w1"] - S * (L + R) / (L * np.maximum(G + L, alpha * L))


def _adam_wrong_at_step_3(theta, g, state, t, lr, beta1, beta2, eps):
    new = solutions.adam_update(theta, g, state, t, lr, beta1, beta2, eps)
    return new + (1e-6 if t == 3 else 0.0)


WRONG = [
    ("SGD", _wrong_sgd, 1),
    ("Momentum", _momentum_without_alpha, 2),
    ("Adagrad", _adagrad_without_accumulation, 2),
    ("RMSProp", _rmsprop_rho_swapped, 1),
    ("Adadelta", _adadelta_eps_outside_roots, 1),
    ("Adam", _adam_without_bias_correction, 1),
    ("Adam", _adam_folded_lr_t, 1),
    ("Adam", _adam_wrong_at_step_3, 3),
    ("AdaMax", _adamax_without_eps, 1),
    ("COCOB", _cocob_wrong_sign_of_s, 1),
]


@pytest.mark.parametrize(("name", "update", "step"), WRONG, ids=[w[1].__name__ for w in WRONG])
def test_mistakes_report_the_first_differing_step(name, update, step):
    report = check(name, update)
    assert not report.passed and report.solved
    assert report.step == step
    assert f"step {step} differs" in report.message
    assert "expected theta:" in report.message and "your theta:" in report.message
    assert report.expected.shape == report.got.shape == (3,)
    assert not np.allclose(report.expected, report.got, rtol=1e-9, atol=1e-12, equal_nan=True)


def test_nan_is_reported_as_a_difference():
    report = check("AdaMax", _adamax_without_eps)
    assert "nan" in report.message


@pytest.mark.parametrize(
    ("update", "words"),
    [
        (lambda theta, g, state, t, lr: 1 / 0, "raised ZeroDivisionError at step 1"),
        (lambda theta, g, state, t, lr: None, "returned None at step 1"),
        (lambda theta, g, state, t, lr: "theta", "not an array of numbers"),
        (lambda theta, g, state, t, lr: theta[:2] - lr * g[:2], "returned shape (2,)"),
        (lambda theta, g, state: theta, "must accept the arguments sgd_update(theta, g, state"),
        ("sgd_update", "pass your function itself"),
    ],
)
def test_friendly_messages_instead_of_tracebacks(update, words):
    report = check("SGD", update)
    assert not report.passed
    assert words in report.message


def test_in_place_update_returning_none_is_accepted():
    def in_place(theta, g, state, t, lr):
        theta -= lr * g

    assert check("SGD", in_place).passed


def test_student_function_cannot_change_the_reference():
    def vandal(theta, g, state, t, lr):
        new = theta - lr * g
        theta *= 0.0  # the checker passes copies: the reference run is unaffected
        g *= 0.0
        return new

    assert check("SGD", vandal).passed


def test_unknown_exercise_is_a_clear_error():
    with pytest.raises(ValueError, match="name must be one of"):
        check("Nesterov", solutions.sgd_update)


def test_template_groups_state_with_the_same_start():
    lines = EXERCISES["COCOB"].template.splitlines()
    assert lines[0] == "def cocob_update(theta, g, state, t, alpha, eps):"
    assert "    # state['G'], state['R'], state['S'] start as zeros like theta" in lines
    assert "    # state['L'] starts as eps" in lines
    assert len(lines) == 5
