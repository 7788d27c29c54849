r"""Predict-then-check exercises: the student writes a number, the checker runs the experiment.

::

    from lecture_lib.exercises import PREDICTIONS, check_prediction
    print(PREDICTIONS["adam_first_step"].question)
    prediction = None  # the student replaces None with a number
    check_prediction("adam_first_step", prediction)

The report (its ``repr`` is the message) shows the formula's value, the measured value and the
prediction's relative error against the measurement, with a verdict: ``"correct"`` within
``TOLERANCE`` (5 %), ``"close"`` within ``CLOSE`` (25 %), else ``"off"``; a number that matches
a known mistake (1/f'' instead of 2/f'', a rate instead of its square, ...) gets a hint.
The measurement decides, not the formula: the formula is what the student should use, the
measurement is what the library's optimizer does. Every measurement is deterministic (fixed
starts and grids) and takes well under a second; it runs once per session (cached).
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from lecture_lib.exercises import experiments as ex
from lecture_lib.exercises.experiments import Value

__all__ = ["CLOSE", "PREDICTIONS", "TOLERANCE", "Prediction", "PredictionReport", "Value"]

TOLERANCE, CLOSE = 0.05, 0.25  # relative error against the measurement: correct, close


@dataclass(frozen=True)
class Prediction:
    """One predict-then-check exercise (see the module docstring).

    ``quantity`` names the kind of number in messages ("a learning rate, a number > 0"); a
    prediction must lie in (0, ``high``), or [0, ``high``) with ``allow_zero``. ``theory`` and
    ``measure`` return a :class:`Value`; ``mistakes`` returns (value, why) pairs of known wrong
    answers.
    """

    name: str
    notebook: str
    title: str
    question: str
    quantity: str
    theory: Callable[[], Value] = field(repr=False)
    measure: Callable[[], Value] = field(repr=False)
    mistakes: Callable[[], tuple] = field(repr=False)
    high: float = math.inf
    allow_zero: bool = False


_LR = "a learning rate, a number > 0"
PREDICTIONS: dict[str, Prediction] = {
    p.name: p
    for p in (
        Prediction(
            "bowl_lr_diverge", "01", "SGD's largest learning rate on the bowl",
            "On the bowl f(x, y) = x²/20 + y², from which learning rate on does SGD diverge?",
            _LR, ex.bowl_theory, ex.bowl_measure, ex.bowl_mistakes,
        ),
        Prediction(
            "sinc_lr_critical", "02", "Critical learning rate on 10·sinc",
            "SGD starts at x0 = 2 on f(x) = 10·sinc(x): up to which learning rate does it "
            "still converge to the minimum x* ≈ 1.430?",
            _LR, ex.sinc_theory, ex.sinc_measure, ex.sinc_mistakes,
        ),
        Prediction(
            "momentum_alpha_best", "03", "Momentum's best α on the bowl",
            "From the condition number κ of the bowl x²/20 + y², which α makes Momentum "
            "converge fastest (at its best learning rate)?",
            "a momentum α, a number in [0, 1)", ex.momentum_theory, ex.momentum_measure,
            ex.momentum_mistakes, high=1.0, allow_zero=True,
        ),
        Prediction(
            "rmsprop_first_step", "05", "RMSProp's first step over Adagrad's",
            f"RMSProp (ρ = {ex.RHO:g}) and Adagrad get the same first gradient and learning rate: "
            "how many times larger is RMSProp's first step?",
            "a ratio of step sizes, a number > 0", ex.rmsprop_theory, ex.rmsprop_measure,
            ex.rmsprop_mistakes,
        ),
        Prediction(
            "adam_first_step", "07", "Adam's first step",
            f"Adam (lr = {ex.ADAM_LR:g}, default β1, β2) makes its first update: how large is the "
            "step |Δθ| of a coordinate with gradient g (think of g = 0.001 and g = 1000)?",
            "a step size, a number > 0", ex.adam_theory, ex.adam_measure, ex.adam_mistakes,
        ),
    )
}  # fmt: skip


@dataclass(frozen=True)
class PredictionReport:
    """The verdict of :func:`check_prediction`; ``repr``/``str`` is the message.

    ``verdict``: ``"correct"``, ``"close"``, ``"off"``, ``"not answered"`` (None was passed) or
    ``"invalid"`` (not a number, or out of range). ``theory``, ``measured`` and
    ``relative_error`` (against ``measured``) are None unless the prediction was a valid number.
    """

    name: str
    prediction: float | None
    verdict: str
    theory: float | None
    measured: float | None
    relative_error: float | None
    message: str

    @property
    def passed(self) -> bool:
        return self.verdict == "correct"

    def __repr__(self) -> str:
        return self.message

    __str__ = __repr__


def _as_number(value, p: Prediction) -> tuple[float | None, str]:
    """The prediction as a float, or None and what is wrong with it (in words)."""
    if value is None:
        return None, (
            "not answered yet. Replace `None` with your number (a plain number or an expression "
            "such as `1 / 7`), then run this cell again."
        )
    if isinstance(value, str):
        text = repr(value if len(value) <= 40 else value[:40] + "...")
        try:
            float(value)
        except ValueError:
            return None, f"your prediction is the text {text}: write {p.quantity}, without quotes."
        return None, f"your prediction is the text {text}: write it without the quotes."
    if isinstance(value, (list, tuple, np.ndarray)):
        array = np.asarray(value, dtype=object)
        if array.size != 1:
            return None, f"write one number ({p.quantity}), not {array.size} values."
        value = array.reshape(-1)[0]
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        return None, f"your prediction is {type(value).__name__}, not a number: write {p.quantity}."
    number = float(value)
    if not math.isfinite(number):
        return None, f"your prediction is {number}: write a finite number, {p.quantity}."
    if number < 0 or (number == 0 and not p.allow_zero) or number >= p.high:
        return None, f"your prediction {number:g} is out of range: write {p.quantity}."
    return number, ""


def _percent(error: float) -> str:
    if error < 1e-3:
        return "less than 0.1%"
    return f"{100 * error:.1f}%" if error < 0.1 else f"{100 * error:.0f}%"


def _hint(p: Prediction, number: float, measured: float) -> str:
    distance, why = min((abs(number - value) / abs(value), why) for value, why in p.mistakes())
    if distance <= TOLERANCE:
        return why
    ratio = number / measured
    for factor, words in ((2.0, "twice"), (0.5, "half")):
        if abs(ratio - factor) <= TOLERANCE * factor:
            return f"your number is {words} the measured one: check the factor 2 in your formula"
    return "compare your formula with the one above"


def check_prediction(name: str, value) -> PredictionReport:
    """Compare the prediction ``value`` (a number) with the experiment ``PREDICTIONS[name]``.

    Never raises for a student's mistake (None, a string, NaN, a negative number, a list...):
    the report's message says what is expected instead.
    """
    if name not in PREDICTIONS:
        raise ValueError(f"name must be one of {list(PREDICTIONS)}, got {name!r}")
    p = PREDICTIONS[name]
    head = f"{p.title} (notebook {p.notebook}): "
    number, problem = _as_number(value, p)
    if number is None:
        verdict = "not answered" if value is None else "invalid"
        return PredictionReport(name, None, verdict, None, None, None, head + problem)
    theory, measured = p.theory(), p.measure()
    error = abs(number - measured.value) / abs(measured.value)
    side = "above" if number > measured.value else "below"
    if error <= TOLERANCE:
        verdict, text = "correct", f"correct! Your {number:.4g} is {_percent(error)} from the "
        text += f"measured value (tolerance {TOLERANCE:.0%})."
    else:
        verdict = "close" if error <= CLOSE else "off"
        ratio = number / measured.value
        how_far = f"{ratio:.3g} times" if ratio >= 2 else f"{_percent(error)} {side}"
        text = (
            f"{verdict}: your {number:.4g} is {how_far} the measured value "
            f"(correct means within {TOLERANCE:.0%})."
        )
    lines = [head + text, f"  formula:  {theory.how}", f"  measured: {measured.how}"]
    if verdict != "correct":
        lines.append(f"  hint: {_hint(p, number, measured.value)}")
    message = "\n".join(lines)
    return PredictionReport(name, number, verdict, theory.value, measured.value, error, message)
