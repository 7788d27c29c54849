r"""Update-rule exercises: the student writes an optimizer's update rule, ``check`` compares it
with the reference optimizer of :mod:`lecture_lib.optimizers`, step by step.

The student's function has this signature (numpy arrays in, the new ``theta`` out)::

    def adam_update(theta, g, state, t, lr, beta1, beta2, eps):
        state["m"] = beta1 * state["m"] + (1 - beta1) * g
        ...
        return theta - ...

- ``theta``, ``g``: the parameters before this update and their gradient, float64 arrays (3,);
  ``theta`` is a copy, so changing it does no harm (returning ``None`` after changing ``theta`` in
  place is accepted too).
- ``state``: a dict that lives across the steps; it arrives filled with the starting values of the
  rule's state (``EXERCISES[name].state`` lists them, e.g. ``m`` and ``v`` as zeros).
- ``t``: the 1-based index of this update; then the hyperparameters by name.

Usage in a notebook (the report is the cell's output)::

    from lecture_lib.exercises import check
    check("Adam", adam_update)

The fixed problem: the bowl x^2/20 + y^2 plus a flat third coordinate (gradient always 0, where a
missing eps shows up as nan), from theta = (-7, 2, 1), for ``steps`` updates. At every step the
student's function gets the reference's theta and gradient, so the report names the first step whose
result differs, with expected and obtained values.
"""

from __future__ import annotations

import inspect
import warnings
from dataclasses import dataclass, field

import numpy as np

from lecture_lib.optimizers import OPTIMIZERS

__all__ = ["EXERCISES", "Exercise", "Report", "check", "gradient"]

THETA0 = np.array([-7.0, 2.0, 1.0])
CURVATURE = np.array([0.1, 2.0, 0.0])  # f = x^2/20 + y^2 (+ 0 * z)
RTOL, ATOL = 1e-9, 1e-12


def gradient(theta: np.ndarray) -> np.ndarray:
    """Gradient of the exercises' problem x^2/20 + y^2 (third coordinate flat)."""
    return CURVATURE * theta


@dataclass(frozen=True)
class Exercise:
    """One exercise: the optimizer to re-implement, its settings and the starting state."""

    name: str
    hyper: dict
    state: dict[str, str] = field(default_factory=dict)  # state name -> starting value, in words

    @property
    def function_name(self) -> str:
        return f"{self.name.lower()}_update"

    @property
    def signature(self) -> str:
        return f"{self.function_name}(theta, g, state, t, {', '.join(self.hyper)})"

    @property
    def template(self) -> str:
        """The unsolved stub a notebook shows."""
        lines = [f"def {self.signature}:"]
        by_start: dict[str, list[str]] = {}
        for name, start in self.state.items():
            by_start.setdefault(start, []).append(f"state[{name!r}]")
        for start, names in by_start.items():
            verb = "starts" if len(names) == 1 else "start"
            lines.append(f"    # {', '.join(names)} {verb} as {start}")
        lines.append(f'    raise NotImplementedError("write the {self.name} update here")')
        return "\n".join(lines)

    def reference(self):
        return OPTIMIZERS[self.name](**self.hyper)


_ZEROS = "zeros like theta"
EXERCISES: dict[str, Exercise] = {
    e.name: e
    for e in (
        Exercise("SGD", {"lr": 0.1}),
        Exercise("Momentum", {"lr": 0.1, "alpha": 0.9}, {"v": _ZEROS}),
        Exercise("Adagrad", {"lr": 0.5, "eps": 1e-8}, {"h": _ZEROS}),
        Exercise("RMSProp", {"lr": 0.1, "rho": 0.9, "eps": 1e-8}, {"h": _ZEROS}),
        Exercise("Adadelta", {"lr": 1.0, "rho": 0.9, "eps": 1e-6}, {"h": _ZEROS, "u": _ZEROS}),
        Exercise(
            "Adam",
            {"lr": 0.1, "beta1": 0.9, "beta2": 0.999, "eps": 1e-8},
            {"m": _ZEROS, "v": _ZEROS},
        ),
        Exercise(
            "AdaMax",
            {"lr": 0.1, "beta1": 0.9, "beta2": 0.999, "eps": 1e-8},
            {"m": _ZEROS, "u": _ZEROS},
        ),
        Exercise(
            "COCOB",
            {"alpha": 100.0, "eps": 1e-8},
            {"w1": "a copy of theta", "L": "eps", "G": _ZEROS, "R": _ZEROS, "S": _ZEROS},
        ),
    )
}


def _start_state(exercise: Exercise) -> dict[str, np.ndarray]:
    """The reference optimizer's own starting state for the exercise's theta."""
    reference = exercise.reference()
    arrays = reference.init_state(THETA0.copy(), **exercise.hyper)
    return dict(zip(reference.state_names, arrays, strict=True))


def _fmt(a: np.ndarray) -> str:
    return np.array2string(np.asarray(a), precision=10, floatmode="fixed", sign=" ")


@dataclass(frozen=True)
class Report:
    """The checker's verdict. ``repr``/``str`` is the friendly message shown in the notebook."""

    exercise: str
    passed: bool
    solved: bool  # False: the stub is still there (raises NotImplementedError / returns theta)
    step: int | None  # first differing (or failing) step, 1-based; None if passed / not solved
    expected: np.ndarray | None
    got: np.ndarray | None
    message: str

    def __repr__(self) -> str:
        return self.message

    __str__ = __repr__


class _Failure(Exception):
    """The student's function failed at one step; ``text`` says how (without the head)."""

    def __init__(self, text: str, *, solved: bool = True, got: np.ndarray | None = None):
        super().__init__(text)
        self.text, self.solved, self.got = text, solved, got


_NOT_SOLVED = (
    "not solved yet. Replace the `raise NotImplementedError` line with the update rule, then run "
    "this cell again."
)


def _signature_problem(exercise: Exercise, update) -> str:
    """What is wrong with ``update`` before calling it ("" if nothing)."""
    if not callable(update):
        return (
            f"pass your function itself, e.g. check({exercise.name!r}, "
            f"{exercise.function_name}) — got {type(update).__name__}."
        )
    try:
        inspect.signature(update).bind(THETA0, THETA0, {}, 1, **exercise.hyper)
    except TypeError:
        return f"your function must accept the arguments {exercise.signature}."
    except ValueError:  # builtins without a signature: just try calling
        pass
    return ""


def _student_step(exercise: Exercise, update, before, g, state, t: int) -> np.ndarray:
    """The student's new theta for step ``t`` (given copies), or a _Failure."""
    theta_in = before.copy()
    try:
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            got = update(theta_in, g.copy(), state, t, **exercise.hyper)
    except NotImplementedError:
        raise _Failure(_NOT_SOLVED, solved=False) from None
    except Exception as error:  # a student's bug: report it, never a traceback
        raise _Failure(
            f"your function raised {type(error).__name__} at step {t}: {error}"
        ) from None
    if got is None:
        if np.array_equal(theta_in, before):
            raise _Failure(
                f"your function returned None at step {t}. End it with `return <new theta>`."
            )
        got = theta_in  # changed in place: accepted
    try:
        got = np.asarray(got, dtype=float)
    except (TypeError, ValueError):
        raise _Failure(
            f"step {t} returned {type(got).__name__}, not an array of numbers."
        ) from None
    if got.shape != before.shape:
        raise _Failure(
            f"step {t} returned shape {got.shape}; the new theta has shape {before.shape}.",
            got=got,
        )
    if t == 1 and np.array_equal(got, before):
        raise _Failure(
            "not solved yet: your function returns theta unchanged. Write the update rule, then "
            "run this cell again.",
            solved=False,
        )
    return got


def _difference(t: int, expected: np.ndarray, got: np.ndarray) -> str:
    """The message for a step whose result differs, or "" if it matches the reference."""
    close = np.isclose(got, expected, rtol=RTOL, atol=ATOL)
    if close.all():
        return ""
    i = int(np.flatnonzero(~close)[0])
    return (
        f"step {t} differs{' (steps before it matched)' if t > 1 else ''}.\n"
        f"  expected theta: {_fmt(expected)}\n"
        f"  your theta:     {_fmt(got)}\n"
        f"  first differing coordinate: {i} "
        f"(expected {expected[i]:.10f}, got {got[i]:.10f})"
    )


def check(name: str, update, steps: int = 6) -> Report:
    """Run ``update`` against the reference optimizer ``name`` for ``steps`` updates.

    Never raises for a student's mistake: every problem becomes the report's message.
    """
    if name not in EXERCISES:
        raise ValueError(f"name must be one of {list(EXERCISES)}, got {name!r}")
    exercise = EXERCISES[name]
    head = f"{name} exercise: "
    problem = _signature_problem(exercise, update)
    if problem:
        return Report(name, False, True, None, None, None, head + problem)
    reference, params = exercise.reference(), {"theta": THETA0.copy()}
    state = _start_state(exercise)
    for t in range(1, steps + 1):
        before, g = params["theta"].copy(), gradient(params["theta"])
        reference.update(params, {"theta": g})
        expected = params["theta"].copy()
        try:
            got = _student_step(exercise, update, before, g, state, t)
        except _Failure as failure:
            if not failure.solved:
                return Report(name, False, False, None, None, None, head + failure.text)
            return Report(name, False, True, t, expected, failure.got, head + failure.text)
        difference = _difference(t, expected, got)
        if difference:
            return Report(name, False, True, t, expected, got, head + difference)
    text = (
        f"{head}passed! All {steps} steps match the reference {reference!r} "
        f"(final theta {_fmt(expected)})."
    )
    return Report(name, True, True, None, None, None, text)
