r"""Backprop exercises: the student writes a layer's ``backward`` (notebook 10).

Layers: the student completes a subclass of the library's layer, then checks it::

    print(LAYER_EXERCISES["Affine"].template)   # class MyAffine(Affine): def backward(...)
    check_layer("Affine", MyAffine)

The checker builds the layer on a fixed small problem (float64, seeded; the shapes are in
``LAYER_EXERCISES[name].shapes``), calls ``forward`` and then ``backward`` once, and compares each
array the backward pass produces (dx, then dW and db) with the numerical gradient of the
library's own layer (:func:`~lecture_lib.gradcheck.numerical_gradient`, compared by
:func:`~lecture_lib.gradcheck.relative_error`, tolerance ``TOLERANCE`` = 1e-7). It reports the
first problem it meets: not solved yet; an exception (type, message and the student's line); no
array returned; a wrong shape; the first wrong array with its relative error; ``dout`` changed
in place. A pass shows the largest relative error as a decade bound ("< 1e-9"), never its noisy
digits, so the message is the same on every CPU and BLAS.
The helpers here (``_call``, ``_compare``, ...) also serve :mod:`lecture_lib.exercises.network`.
"""

from __future__ import annotations

import functools
import inspect
import re
import traceback
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from lecture_lib.gradcheck import numerical_gradient, relative_error
from lecture_lib.layers import Affine, Sigmoid, SoftmaxWithLoss

__all__ = [
    "LAYER_EXERCISES",
    "TOLERANCE",
    "BackpropReport",
    "LayerExercise",
    "check_layer",
]

TOLERANCE = 1e-7
BOUNDS = (1e-9, 1e-8, TOLERANCE)  # a pass prints the first bound above the largest error
N, D, M = 3, 4, 5  # Affine x (N, D), W (D, M); SoftmaxWithLoss scores (N, M)
SEED = 0
NOT_SOLVED = (
    "not solved yet. Replace the `raise NotImplementedError` line with your code, then run this "
    "cell again."
)


@functools.cache
def _problem() -> dict[str, np.ndarray]:
    """The fixed inputs (read-only; every check works on copies)."""
    rng = np.random.default_rng(SEED)
    arrays = {
        "x": rng.choice([-1.0, 1.0], (N, D)) * rng.uniform(0.5, 2.0, (N, D)),
        "W": rng.standard_normal((D, M)),
        "b": rng.standard_normal(M),
        "dout": rng.standard_normal((N, M)),
        "sigmoid_dout": rng.standard_normal((N, D)),
        "scores": rng.standard_normal((N, M)),
        "t": rng.integers(0, M, N),
    }
    for array in arrays.values():
        array.flags.writeable = False
    return arrays


@dataclass(frozen=True)
class LayerExercise:
    """One layer's backward exercise: ``template`` is the code a notebook prints."""

    name: str
    base: type = field(repr=False)
    arrays: tuple[str, ...]  # what backward produces, in the order checked
    signature: str
    comments: tuple[str, ...] = field(repr=False)
    shapes: str = ""

    @property
    def class_name(self) -> str:
        return f"My{self.name}"

    @property
    def template(self) -> str:
        lines = [f"class {self.class_name}({self.name}):", f"    def {self.signature}:"]
        lines += [f"        # {line}" for line in self.comments]
        lines.append(f'        raise NotImplementedError("write {self.name}.backward here")')
        return "\n".join(lines)

    def setup(self) -> tuple[tuple, tuple, object]:
        """Fresh copies of (constructor arguments, forward arguments, dout)."""
        p = {key: value.copy() for key, value in _problem().items()}
        if self.name == "Affine":
            return (p["W"], p["b"]), (p["x"],), p["dout"]
        if self.name == "Sigmoid":
            return (), (p["x"],), p["sigmoid_dout"]
        return (), (p["scores"], p["t"]), 1


LAYER_EXERCISES: dict[str, LayerExercise] = {
    e.name: e
    for e in (
        LayerExercise(
            "Affine", Affine, ("dx", "dW", "db"), "backward(self, dout)",
            ("forward kept self.x (N, D); self.W is (D, M), self.b (M,); dout is (N, M)",
             "set self.dW (D, M) and self.db (M,), then return dx (N, D)"),
            f"x ({N}, {D}), W ({D}, {M}), b ({M},), dout ({N}, {M})",
        ),
        LayerExercise(
            "Sigmoid", Sigmoid, ("dx",), "backward(self, dout)",
            ("forward kept self.out = y = sigmoid(x); dout has the shape of y",
             "return dx (the shape of x); leave dout unchanged"),
            f"x ({N}, {D}), dout ({N}, {D})",
        ),
        LayerExercise(
            "SoftmaxWithLoss", SoftmaxWithLoss, ("dx",), "backward(self, dout=1)",
            ("forward kept self.y (N, C), the softmax of the scores, and self.t (N,),",
             "the class indices; the loss is the mean over the N samples (dout is 1 here)",
             "return dx (N, C), the gradient of the loss with respect to the scores"),
            f"scores ({N}, {M}), t ({N},) class indices, dout 1",
        ),
    )
}  # fmt: skip


@dataclass(frozen=True)
class BackpropReport:
    """The verdict of :func:`check_layer` / :func:`check_network`; ``repr`` is the message.

    ``array``: the first wrong array ("dx", "dW", "db" or a parameter name), None otherwise;
    ``errors``: the relative errors measured (empty when the check stopped before comparing).
    """

    exercise: str
    passed: bool
    solved: bool
    array: str | None
    errors: dict[str, float]
    message: str

    def __repr__(self) -> str:
        return self.message

    __str__ = __repr__


class _Stop(Exception):
    """A student's problem, already in words."""

    def __init__(self, text: str, *, solved: bool = True, array: str | None = None, errors=None):
        super().__init__(text)
        self.text, self.solved, self.array, self.errors = text, solved, array, errors or {}


def _student_line(error: Exception, owner) -> str:
    """The line of the student's own code (``owner``: their class or function) that raised."""
    functions = vars(owner).values() if isinstance(owner, type) else [owner]
    files = {f.__code__.co_filename for f in functions if inspect.isfunction(f)}
    frames = [f for f in traceback.extract_tb(error.__traceback__) if f.filename in files]
    return f", in the line `{frames[-1].line.strip()}`" if frames and frames[-1].line else ""


def _call(what: str, owner, function, *args):
    """``function(*args)``; any exception becomes a _Stop that names ``what`` was called."""
    try:
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return function(*args)
    except NotImplementedError:
        raise _Stop(NOT_SOLVED, solved=False) from None
    except Exception as error:  # a student's bug: report it, never a traceback
        text = re.sub(r" at 0x[0-9a-fA-F]+", "", str(error))[:300].strip().rstrip(".")
        text = f"{type(error).__name__}: {text}" if text else type(error).__name__
        raise _Stop(f"{what} raised {text}{_student_line(error, owner)}.") from None


def _as_array(key: str, value, want: np.ndarray) -> np.ndarray:
    if value is None:
        raise _Stop(f"{key} is None: set it (self.{key} = ...) or return it.", array=key)
    try:
        array = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise _Stop(
            f"{key} is {type(value).__name__}, not an array of numbers.", array=key
        ) from None
    if array.shape != want.shape:
        raise _Stop(f"{key} has shape {array.shape}, but it must be {want.shape}.", array=key)
    return array


def _compare(
    got: dict[str, np.ndarray], want: dict[str, np.ndarray], label: Callable[[str], str]
) -> dict[str, float]:
    """Relative errors per array; a _Stop for the first one above TOLERANCE, named by ``label``."""
    errors = {key: relative_error(got[key], want[key]) for key in want}
    for i, key in enumerate(want):
        if errors[key] <= TOLERANCE:
            continue
        text = (
            f"{label(key)} is wrong: relative error {_sci(errors[key])} against the numerical "
            f"gradient (tolerance {_sci(TOLERANCE)})."
        )
        if i:
            text += f" ({', '.join(label(k) for k in list(want)[:i])} matched.)"
        scale = float(np.vdot(got[key], want[key]) / max(np.vdot(want[key], want[key]), 1e-300))
        if abs(scale - 1) > 0.01 and relative_error(got[key], scale * want[key]) < 1e-6:
            text += f" Yours is {scale:.3g} times the right one."
        raise _Stop(text, array=key, errors=errors)
    return errors


def _sci(x: float) -> str:
    """One significant digit, no exponent padding: 7e-1, 1e-9 (inf stays inf)."""
    if not np.isfinite(x):
        return str(x)
    mantissa, exponent = f"{x:.0e}".split("e")
    return f"{mantissa}e{int(exponent)}"


def _passed(exercise: str, head: str, errors: dict[str, float], what: str) -> BackpropReport:
    """The pass report: the largest error as a decade bound, not digits that vary by BLAS."""
    worst = max(errors.values())
    bound = next(b for b in BOUNDS if worst <= b)
    verb = "matches" if len(errors) == 1 else "match"
    text = (
        f"{head}passed! {what} {verb} the numerical gradient: largest relative error "
        f"< {_sci(bound)} (tolerance {_sci(TOLERANCE)})."
    )
    return BackpropReport(exercise, True, True, None, errors, text)


def _names(keys) -> str:
    keys = list(keys)
    return keys[0] if len(keys) == 1 else f"{', '.join(keys[:-1])} and {keys[-1]}"


@functools.cache
def _layer_numerical(name: str) -> dict[str, np.ndarray]:
    """Central differences of the library's own layer on the fixed problem (read-only)."""
    exercise = LAYER_EXERCISES[name]
    args, inputs, dout = exercise.setup()
    layer = exercise.base(*args)
    if name == "SoftmaxWithLoss":

        def f(_):
            return layer.forward(*inputs)
    else:

        def f(_):
            return float(np.sum(layer.forward(*inputs) * dout))

    wrt = {"dx": inputs[0], "dW": getattr(layer, "W", None), "db": getattr(layer, "b", None)}
    grads = {key: numerical_gradient(f, wrt[key]) for key in exercise.arrays}
    for grad in grads.values():
        grad.flags.writeable = False
    return grads


def _layer_arrays(exercise: LayerExercise, cls: type) -> tuple[dict[str, np.ndarray], bool]:
    """Run the student's layer once: its arrays (checked shapes) and whether dout changed."""
    args, inputs, dout = exercise.setup()
    saved = np.array(dout, copy=True)
    if not (callable(getattr(cls, "forward", None)) and callable(getattr(cls, "backward", None))):
        raise _Stop(f"{cls.__name__} needs forward and backward: start from the template.")
    init = "(W, b)" if exercise.name == "Affine" else "()"
    layer = _call(f"{cls.__name__}{init}", cls, cls, *args)
    _call(f"{cls.__name__}.forward", cls, layer.forward, *inputs)
    dx = _call(f"{cls.__name__}.backward", cls, layer.backward, dout)
    if dx is None:
        raise _Stop("backward returned None: end it with `return dx`.", array="dx")
    want = _layer_numerical(exercise.name)
    values = {"dx": dx, "dW": getattr(layer, "dW", None), "db": getattr(layer, "db", None)}
    got = {key: _as_array(key, values[key], want[key]) for key in want}
    return got, not np.array_equal(np.asarray(dout), saved)


def check_layer(name: str, layer_class) -> BackpropReport:
    """Gradient-check the student's layer class ``layer_class`` for ``LAYER_EXERCISES[name]``.

    Never raises for a student's mistake: every problem becomes the report's message.
    """
    if name not in LAYER_EXERCISES:
        raise ValueError(f"name must be one of {list(LAYER_EXERCISES)}, got {name!r}")
    exercise = LAYER_EXERCISES[name]
    head = f"{name} exercise: "
    if isinstance(layer_class, exercise.base):  # an instance: check its class
        layer_class = type(layer_class)
    if not isinstance(layer_class, type):
        text = (
            f"pass your class itself, e.g. check_layer({name!r}, {exercise.class_name}) "
            f"— got {type(layer_class).__name__}."
        )
        return BackpropReport(name, False, True, None, {}, head + text)
    try:
        got, dout_changed = _layer_arrays(exercise, layer_class)
        errors = _compare(got, _layer_numerical(name), str)
    except _Stop as stop:
        text = head + stop.text + (f" (Shapes here: {exercise.shapes}.)" if stop.solved else "")
        return BackpropReport(name, False, stop.solved, stop.array, stop.errors, text)
    if dout_changed:
        text = (
            "backward changed dout in place (e.g. `dout *= ...`); the layer before this one may "
            "still need it. Compute a new array instead. (The gradients themselves matched.)"
        )
        return BackpropReport(name, False, True, "dout", errors, head + text)
    return _passed(name, head, errors, _names(exercise.arrays))
