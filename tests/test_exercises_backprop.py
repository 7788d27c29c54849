"""Backprop exercises: the solutions pass, the templates are 'not solved yet', and the typical
mistakes (missing transpose, wrong axis, no 1/N, x for y, dout changed in place, None, an
exception) each get their own message, with no machine-dependent digits."""

from __future__ import annotations

import importlib.util
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from lecture_lib.exercises import (
    LAYER_EXERCISES,
    NETWORK_TEMPLATE,
    BackpropReport,
    check_layer,
    check_network,
)
from lecture_lib.exercises import network as network_exercise
from lecture_lib.layers import Affine, Sigmoid, SoftmaxWithLoss, sigmoid

pytestmark = pytest.mark.exercises

ROOT = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location(
    "backprop_solutions", ROOT / "solutions" / "backprop.py"
)
solutions = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(solutions)

NAMES = list(LAYER_EXERCISES)
ERROR = re.compile(r"relative error [1-9]e-?\d+ against the numerical gradient \(tolerance 1e-7\)")


def test_the_three_layers_and_their_solutions():
    assert NAMES == ["Affine", "Sigmoid", "SoftmaxWithLoss"]
    assert set(solutions.LAYERS) == set(NAMES)


@pytest.mark.parametrize("name", NAMES)
def test_solution_passes_with_a_decade_bound(name):
    report = check_layer(name, solutions.LAYERS[name])
    assert isinstance(report, BackpropReport)
    assert report.passed and report.solved and report.array is None, report.message
    arrays = {"Affine": "dx, dW and db match", "Sigmoid": "dx matches"}.get(name, "dx matches")
    assert report.message == (
        f"{name} exercise: passed! {arrays} the numerical gradient: largest relative error "
        "< 1e-9 (tolerance 1e-7)."
    )
    assert set(report.errors) == set(LAYER_EXERCISES[name].arrays)
    assert max(report.errors.values()) < 1e-9
    assert repr(report) == str(report) == report.message


@pytest.mark.parametrize("name", NAMES)
def test_the_template_is_not_solved_yet(name):
    template = LAYER_EXERCISES[name].template
    assert template.startswith(f"class My{name}({name}):\n    def backward(self, dout")
    namespace = {"Affine": Affine, "Sigmoid": Sigmoid, "SoftmaxWithLoss": SoftmaxWithLoss}
    exec(template, namespace)  # the code a notebook prints
    report = check_layer(name, namespace[LAYER_EXERCISES[name].class_name])
    assert not report.passed and not report.solved
    assert report.message == (
        f"{name} exercise: not solved yet. Replace the `raise NotImplementedError` line with "
        "your code, then run this cell again."
    )


def test_an_instance_is_checked_through_its_class():
    assert check_layer("Sigmoid", solutions.MySigmoid()).passed


# --- typical mistakes ----------------------------------------------------------------------------


class AffineNoTranspose(Affine):
    def backward(self, dout):
        self.dW = self.x @ dout
        self.db = dout.sum(axis=0)
        return dout @ self.W.T


class AffineTransposedDW(Affine):
    def backward(self, dout):
        self.dW = dout.T @ self.x
        self.db = dout.sum(axis=0)
        return dout @ self.W.T


class AffineWrongAxis(Affine):
    def backward(self, dout):
        self.dW = self.x.T @ dout
        self.db = dout.sum(axis=1)
        return dout @ self.W.T


class AffineMeanBias(Affine):
    def backward(self, dout):
        self.dW = self.x.T @ dout
        self.db = dout.mean(axis=0)
        return dout @ self.W.T


class AffineNoDW(Affine):
    def backward(self, dout):
        self.db = dout.sum(axis=0)
        return dout @ self.W.T


class SoftmaxNotDivided(SoftmaxWithLoss):
    def backward(self, dout=1):
        dx = self.y.copy()
        dx[np.arange(len(dx)), self.t] -= 1
        return dx * dout


class SigmoidOfX(Sigmoid):
    def forward(self, x):
        self.x = x
        return super().forward(x)

    def backward(self, dout):
        return dout * self.x * (1.0 - self.x)


class SigmoidInPlace(Sigmoid):
    def backward(self, dout):
        dout *= self.out * (1.0 - self.out)
        return dout


class SigmoidNone(Sigmoid):
    def backward(self, dout):
        dout * self.out * (1.0 - self.out)


class SigmoidRaises(Sigmoid):
    def backward(self, dout):
        return dout * self.cache["y"]


class SigmoidWrongSign(Sigmoid):
    def backward(self, dout):
        return -dout * self.out * (1.0 - self.out)


MISTAKES = [
    ("Affine", AffineNoTranspose, None, "AffineNoTranspose.backward raised ValueError: "),
    ("Affine", AffineTransposedDW, "dW", "dW has shape (5, 4), but it must be (4, 5)."),
    ("Affine", AffineWrongAxis, "db", "db has shape (3,), but it must be (5,)."),
    ("Affine", AffineMeanBias, "db", "db is wrong: "),
    ("Affine", AffineNoDW, "dW", "dW is None: set it (self.dW = ...) or return it."),
    ("SoftmaxWithLoss", SoftmaxNotDivided, "dx", "dx is wrong: "),
    ("Sigmoid", SigmoidOfX, "dx", "dx is wrong: "),
    ("Sigmoid", SigmoidInPlace, "dout", "backward changed dout in place"),
    ("Sigmoid", SigmoidNone, "dx", "backward returned None: end it with `return dx`."),
    ("Sigmoid", SigmoidRaises, None, "SigmoidRaises.backward raised AttributeError: "),
    ("Sigmoid", SigmoidWrongSign, "dx", "dx is wrong: "),
]


@pytest.mark.parametrize(
    ("name", "cls", "array", "words"), MISTAKES, ids=[m[1].__name__ for m in MISTAKES]
)
def test_mistakes_get_their_message(name, cls, array, words):
    report = check_layer(name, cls)
    assert not report.passed and report.solved
    assert report.array == array
    assert report.message.startswith(f"{name} exercise: {words}")
    assert "Traceback" not in report.message and "0x" not in report.message
    if words.endswith("is wrong: "):
        assert ERROR.search(report.message), report.message


def test_exceptions_name_the_students_line_and_the_shapes():
    message = check_layer("Affine", AffineNoTranspose).message
    assert "in the line `self.dW = self.x @ dout`" in message
    assert message.endswith("(Shapes here: x (3, 4), W (4, 5), b (5,), dout (3, 5).)")
    assert (
        'in the line `return dout * self.cache["y"]`'
        in check_layer("Sigmoid", SigmoidRaises).message
    )


def test_a_scaled_answer_is_named():
    softmax = check_layer("SoftmaxWithLoss", SoftmaxNotDivided).message
    assert "Yours is 3 times the right one." in softmax and "t (3,) class indices" in softmax
    assert "Yours is -1 times the right one." in check_layer("Sigmoid", SigmoidWrongSign).message
    bias = check_layer("Affine", AffineMeanBias)
    assert "(dx, dW matched.) Yours is 0.333 times the right one." in bias.message
    assert bias.errors["dx"] < 1e-9 and bias.errors["db"] > 0.1


def test_x_instead_of_y_is_not_a_multiple():
    message = check_layer("Sigmoid", SigmoidOfX).message
    assert "times the right one" not in message


def test_in_place_change_of_dout_is_reported_after_the_gradients_matched():
    report = check_layer("Sigmoid", SigmoidInPlace)
    assert "(The gradients themselves matched.)" in report.message
    assert report.errors["dx"] < 1e-9


@pytest.mark.parametrize(
    ("layer_class", "words"),
    [
        ("MyAffine", "pass your class itself, e.g. check_layer('Affine', MyAffine) — got str."),
        (None, "got NoneType."),
        (type("Bare", (), {}), "Bare needs forward and backward: start from the template."),
    ],
)
def test_not_a_layer_class(layer_class, words):
    report = check_layer("Affine", layer_class)
    assert not report.passed and words in report.message


def test_a_wrong_constructor_is_reported():
    class NeedsSize(Affine):
        def __init__(self, W, b, size):
            super().__init__(W, b)

    assert "NeedsSize(W, b) raised TypeError" in check_layer("Affine", NeedsSize).message


def test_unknown_layer_is_a_clear_error():
    with pytest.raises(ValueError, match="name must be one of"):
        check_layer("Relu", Affine)


def test_the_fixed_problem_is_never_changed_by_a_student():
    class Vandal(Affine):
        def backward(self, dout):
            dx = solutions.MyAffine.backward(self, dout)
            self.x[...] = 0.0
            self.W[...] = 0.0
            return dx

    assert check_layer("Affine", Vandal).passed
    assert check_layer("Affine", solutions.MyAffine).passed


def test_the_fixed_problem_is_float64_and_off_the_sigmoid_plateau():
    args, inputs, dout = LAYER_EXERCISES["Affine"].setup()
    assert all(a.dtype == np.float64 for a in (*args, *inputs, dout))
    y = sigmoid(inputs[0])
    assert (y * (1 - y)).min() > 0.05  # every entry of the Sigmoid check carries weight


# --- the whole network ---------------------------------------------------------------------------


def test_network_solution_passes():
    report = check_network(solutions.loss_and_gradient)
    assert report.passed, report.message
    assert report.message == (
        "Network exercise: passed! The loss and W1, b1, W2 and b2 match the numerical "
        "gradient: largest relative error < 1e-9 (tolerance 1e-7)."
    )


def test_network_template_is_not_solved_yet():
    namespace = {}
    exec(NETWORK_TEMPLATE, namespace)
    report = check_network(namespace["loss_and_gradient"])
    assert not report.solved and "not solved yet" in report.message


def _forward_order(net, x, t):
    loss = net.loss(x, t)
    dout = net.last_layer.backward(1)
    for layer in net.layers.values():  # not reversed
        dout = layer.backward(dout)
    return loss, {}


def _doubled_w2(net, x, t):
    loss, grads = solutions.loss_and_gradient(net, x, t)
    return loss, {**grads, "W2": 2 * grads["W2"]}


@pytest.mark.parametrize(
    ("function", "words"),
    [
        (_forward_order, "loss_and_gradient(net, x, t) raised ValueError: Affine.backward: dout"),
        (_doubled_w2, "grads['W2'] is wrong: "),
        (lambda net, x, t: net.gradient(x, t), "return two things, `return loss, grads`; got dict"),
        (lambda net, x, t: (0.0, net.gradient(x, t)), "the loss returned is 0.000000, not net"),
        (
            lambda net, x, t: (net.loss(x, t), {}),
            "grads has no key 'W1'; it needs W1, b1, W2 and b2",
        ),
        (
            lambda net, x, t: (net.loss(x, t), {k: v.T for k, v in net.gradient(x, t).items()}),
            "grads['W1'] has shape (5, 4), but it must be (4, 5).",
        ),
        ("loss_and_gradient", "pass your function itself"),
    ],
)
def test_network_mistakes(function, words):
    report = check_network(function)
    assert not report.passed and words in report.message, report.message
    assert "Traceback" not in report.message and "0x" not in report.message


def test_network_wrong_gradient_names_the_matching_ones_and_the_factor():
    message = check_network(_doubled_w2).message
    assert "(grads['W1'], grads['b1'] matched.) Yours is 2 times the right one." in message
    assert ERROR.search(message)


def test_network_problem_is_off_the_relu_kink_and_its_shapes_are_as_printed():
    net, x, t = network_exercise._network()
    pre_activation = x @ net.params["W1"] + net.params["b1"]
    assert np.abs(pre_activation).min() > 1e-3  # h = 1e-5 never crosses the kink
    shapes = ", ".join(f"{k} {v.shape}" for k, v in net.params.items())
    assert network_exercise.SHAPES == f"x {x.shape}, t {t.shape}, {shapes}"


def test_messages_do_not_depend_on_the_blas_thread_count():
    code = (
        "import sys; sys.path.insert(0, 'solutions'); import backprop as s; "
        "from lecture_lib.exercises import check_layer, check_network; "
        "print('|'.join([check_layer(n, c).message for n, c in s.LAYERS.items()] "
        "+ [check_layer('Affine', s.MyAffine.__base__).message, "
        "check_network(s.loss_and_gradient).message]))"
    )
    env = {**os.environ, "OPENBLAS_NUM_THREADS": "2", "OMP_NUM_THREADS": "2"}
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    ).stdout.strip()
    here = [check_layer(n, c).message for n, c in solutions.LAYERS.items()]
    here += [
        check_layer("Affine", Affine).message,
        check_network(solutions.loss_and_gradient).message,
    ]
    assert out.split("|") == here
