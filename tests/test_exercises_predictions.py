"""Predict-then-check exercises: solutions are correct, experiments confirm the formulas, and
every kind of wrong or malformed prediction gets its own message."""

from __future__ import annotations

import importlib.util
import math
import re
from pathlib import Path

import numpy as np
import pytest

from lecture_lib.exercises import PREDICTIONS, PredictionReport, check_prediction
from lecture_lib.exercises import experiments as ex
from lecture_lib.exercises.predictions import CLOSE, TOLERANCE

pytestmark = pytest.mark.exercises

_spec = importlib.util.spec_from_file_location(
    "prediction_solutions", Path(__file__).resolve().parents[1] / "solutions" / "predictions.py"
)
solutions = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(solutions)

NAMES = list(PREDICTIONS)


def test_one_solution_per_prediction_and_the_required_notebooks():
    assert set(solutions.SOLUTIONS) == set(PREDICTIONS)
    assert {p.notebook for p in PREDICTIONS.values()} >= {"01", "02", "03", "05", "07"}


@pytest.mark.parametrize("name", NAMES)
def test_question_is_one_english_line(name):
    question = PREDICTIONS[name].question
    assert "\n" not in question and question.endswith("?")
    assert not any("\uac00" <= ch <= "\ud7a3" for ch in question)  # no Hangul: notebooks add it


@pytest.mark.parametrize("name", NAMES)
def test_solution_is_correct(name):
    report = check_prediction(name, solutions.SOLUTIONS[name])
    assert isinstance(report, PredictionReport)
    assert report.passed and report.verdict == "correct", report.message
    assert report.relative_error <= TOLERANCE
    title = PREDICTIONS[name].title
    assert report.message.startswith(f"{title} (notebook {PREDICTIONS[name].notebook}): correct!")
    assert "\n  formula:  " in report.message and "\n  measured: " in report.message
    assert "hint" not in report.message
    assert repr(report) == str(report) == report.message


@pytest.mark.parametrize("name", NAMES)
def test_hand_computed_solution_equals_the_library_theory(name):
    report = check_prediction(name, solutions.SOLUTIONS[name])
    assert math.isclose(solutions.SOLUTIONS[name], report.theory, rel_tol=1e-6)


@pytest.mark.parametrize("name", NAMES)
def test_the_experiment_confirms_the_formula_within_one_percent(name):
    p = PREDICTIONS[name]
    theory, measured = p.theory().value, p.measure().value
    assert abs(measured - theory) <= 0.01 * theory, (theory, measured)


def test_measurements_sit_on_the_expected_side_of_the_limit():
    # finite runs: SGD converges a little below 2/f'' within 1000 steps, diverges a little above
    assert ex.sinc_measure().value < ex.sinc_theory().value
    assert ex.bowl_measure().value > ex.bowl_theory().value == pytest.approx(1.0)


def test_measurement_is_recomputed_identically():
    assert ex.momentum_measure.__wrapped__() == ex.momentum_measure()


@pytest.mark.parametrize("name", NAMES)
def test_twice_the_answer_is_off_with_a_hint(name):
    report = check_prediction(name, 2 * solutions.SOLUTIONS[name])
    assert report.verdict == "off" and not report.passed
    assert re.search(
        r"(above|times) the measured value \(correct means within 5%\)", report.message
    )
    assert "\n  hint: " in report.message


def test_far_off_predictions_are_given_as_a_ratio():
    message = check_prediction("bowl_lr_diverge", 20).message
    assert "off: your 20 is 19.9 times the measured value" in message


@pytest.mark.parametrize("name", ["bowl_lr_diverge", "adam_first_step", "rmsprop_first_step"])
def test_a_factor_two_without_a_known_mistake_is_named(name):
    report = check_prediction(name, 2 * solutions.SOLUTIONS[name])
    assert "hint: your number is twice the measured one" in report.message


def test_half_the_answer_is_named():
    report = check_prediction("adam_first_step", 0.05)
    assert "hint: your number is half the measured one" in report.message
    assert "50% below" in report.message


@pytest.mark.parametrize("name", NAMES)
def test_fifteen_percent_off_is_close(name):
    report = check_prediction(name, 1.15 * solutions.SOLUTIONS[name])
    assert report.verdict == "close" and not report.passed
    assert TOLERANCE < report.relative_error <= CLOSE
    assert "% above the measured value" in report.message


KNOWN_MISTAKES = [
    ("sinc_lr_critical", 1 / 21.44, "that is 1 / f''(x*)"),
    ("sinc_lr_critical", 21.44, "that is f''(x*) itself"),
    ("bowl_lr_diverge", 20.0, "that is 2 / λmin"),
    ("bowl_lr_diverge", 0.5, "that is 1 / λmax"),
    ("momentum_alpha_best", (20**0.5 - 1) / (20**0.5 + 1), "is its square"),
    ("momentum_alpha_best", 19 / 21, "SGD's rate"),
    ("momentum_alpha_best", 0.9, "usual default"),
    ("rmsprop_first_step", 10.0, "the square root is missing"),
    ("rmsprop_first_step", 0.1**0.5, "upside down"),
    ("rmsprop_first_step", 1.0, "equal only with equal h"),
    ("adam_first_step", 0.316, "without the bias correction"),
    ("adam_first_step", 0.01, "m without its bias correction"),
]


@pytest.mark.parametrize(("name", "value", "words"), KNOWN_MISTAKES)
def test_known_mistakes_get_their_hint(name, value, words):
    report = check_prediction(name, value)
    assert report.verdict in {"off", "close"}
    assert words in report.message.split("\n  hint: ")[1]


@pytest.mark.parametrize(
    ("value", "verdict", "words"),
    [
        (None, "not answered", "not answered yet. Replace `None` with your number"),
        ("0.1", "invalid", "the text '0.1': write it without the quotes"),
        (
            "2 / 20",
            "invalid",
            "the text '2 / 20': write a step size, a number > 0, without quotes.",
        ),
        (float("nan"), "invalid", "your prediction is nan: write a finite number"),
        (float("inf"), "invalid", "your prediction is inf: write a finite number"),
        (-0.1, "invalid", "your prediction -0.1 is out of range: write a step size"),
        (0, "invalid", "your prediction 0 is out of range"),
        (True, "invalid", "your prediction is bool, not a number"),
        ([0.1, 0.2], "invalid", "write one number (a step size, a number > 0), not 2 values"),
        (1 + 2j, "invalid", "your prediction is complex, not a number"),
        ({"step": 0.1}, "invalid", "your prediction is dict, not a number"),
    ],
)
def test_malformed_predictions_get_a_friendly_message(value, verdict, words):
    report = check_prediction("adam_first_step", value)
    assert report.verdict == verdict and not report.passed
    assert report.message.startswith("Adam's first step (notebook 07): ")
    assert words in report.message
    assert report.prediction is None and report.measured is None and report.relative_error is None


def test_alpha_range_allows_zero_and_refuses_one():
    assert check_prediction("momentum_alpha_best", 0).verdict == "off"
    report = check_prediction("momentum_alpha_best", 1.0)
    assert report.verdict == "invalid" and "a momentum α, a number in [0, 1)" in report.message


@pytest.mark.parametrize("value", [np.float64(0.1), np.array(0.1), np.array([0.1]), [0.1], 1 / 10])
def test_numpy_numbers_and_one_element_lists_are_accepted(value):
    assert check_prediction("adam_first_step", value).passed


def test_unknown_prediction_is_a_clear_error():
    with pytest.raises(ValueError, match="name must be one of"):
        check_prediction("nesterov_speedup", 1.0)


@pytest.mark.parametrize("name", NAMES)
def test_messages_hold_no_addresses_or_long_digit_runs(name):
    for value in (solutions.SOLUTIONS[name], 3.3 * solutions.SOLUTIONS[name], object()):
        message = check_prediction(name, value).message
        assert "0x" not in message and "Traceback" not in message
        assert not any(len(run) > 6 for run in message.replace(".", " ").split() if run.isdigit())
