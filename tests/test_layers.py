"""Layers: forward/backward values, stability at extreme inputs, bad input, properties."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from lecture_lib.gradcheck import layer_gradient_check
from lecture_lib.layers import Affine, Relu, Sigmoid, SoftmaxWithLoss, log_softmax, sigmoid, softmax

pytestmark = pytest.mark.backprop

TOL = 1e-7
finite = st.floats(-1e4, 1e4, allow_nan=False, allow_infinity=False)
matrices = arrays(np.float64, st.tuples(st.integers(1, 5), st.integers(1, 6)), elements=finite)


# --- values --------------------------------------------------------------------------------------


def test_relu_forward_backward_values():
    layer = Relu()
    x = np.array([[-1.0, 0.0, 2.0], [3.0, -0.5, 0.1]])
    np.testing.assert_array_equal(layer.forward(x), [[0, 0, 2], [3, 0, 0.1]])
    dout = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    np.testing.assert_array_equal(layer.backward(dout), [[0, 0, 3], [4, 0, 6]])


def test_sigmoid_values_and_derivative():
    layer = Sigmoid()
    y = layer.forward(np.array([0.0, np.log(3.0)]))
    np.testing.assert_allclose(y, [0.5, 0.75])
    np.testing.assert_allclose(layer.backward(np.ones(2)), [0.25, 0.1875])


def test_affine_values_and_gradients():
    W = np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
    b = np.array([0.5, -0.5])
    layer = Affine(W, b)
    x = np.array([[1.0, 0.0, -1.0]])
    np.testing.assert_array_equal(layer.forward(x), [[-3.5, -4.5]])
    dx = layer.backward(np.array([[1.0, 2.0]]))
    np.testing.assert_array_equal(dx, [[5.0, 11.0, 17.0]])
    np.testing.assert_array_equal(layer.dW, [[1, 2], [0, 0], [-1, -2]])
    np.testing.assert_array_equal(layer.db, [1.0, 2.0])


def test_affine_can_skip_the_input_gradient():
    rng = np.random.default_rng(0)
    layer = Affine(rng.standard_normal((3, 2)), np.zeros(2))
    layer.forward(rng.standard_normal((4, 3)))
    dout = rng.standard_normal((4, 2))
    assert layer.backward(dout, need_dx=False) is None
    dW = layer.dW.copy()
    layer.backward(dout)
    np.testing.assert_array_equal(layer.dW, dW)


def test_affine_flattens_images_and_restores_their_shape():
    rng = np.random.default_rng(0)
    layer = Affine(rng.standard_normal((12, 4)), np.zeros(4))
    x = rng.standard_normal((5, 1, 3, 4))
    out = layer.forward(x)
    np.testing.assert_allclose(out, x.reshape(5, 12) @ layer.W)
    assert layer.backward(np.ones((5, 4))).shape == (5, 1, 3, 4)


def test_softmax_with_loss_value_and_gradient_by_hand():
    layer = SoftmaxWithLoss()
    x = np.array([[0.0, 0.0], [np.log(3.0), 0.0]])
    loss = layer.forward(x, np.array([0, 1]))
    assert loss == pytest.approx(-(np.log(0.5) + np.log(0.25)) / 2)
    np.testing.assert_allclose(layer.backward(), [[-0.25, 0.25], [0.375, -0.375]])
    np.testing.assert_allclose(layer.backward(2.0), [[-0.5, 0.5], [0.75, -0.75]])


def test_one_hot_and_index_labels_agree():
    rng = np.random.default_rng(1)
    x = rng.standard_normal((6, 4))
    t = np.array([0, 3, 2, 1, 1, 0])
    a, b = SoftmaxWithLoss(), SoftmaxWithLoss()
    assert a.forward(x, t) == pytest.approx(b.forward(x, np.eye(4)[t]), abs=1e-15)
    np.testing.assert_allclose(a.backward(), b.backward(), atol=1e-15)


# --- every layer passes a gradient check ---------------------------------------------------------


@pytest.mark.parametrize("name", ["Relu", "Sigmoid", "Affine", "SoftmaxWithLoss", "SoftmaxOneHot"])
def test_layer_gradient_check(name):
    rng = np.random.default_rng(2)
    x = rng.standard_normal((4, 6))
    t = None
    if name == "Relu":
        layer = Relu()
        x[np.abs(x) < 1e-3] = 0.5  # keep away from the kink
    elif name == "Sigmoid":
        layer = Sigmoid()
    elif name == "Affine":
        layer = Affine(rng.standard_normal((6, 3)), rng.standard_normal(3))
    else:
        layer = SoftmaxWithLoss()
        t = np.array([0, 5, 2, 2])
        if name == "SoftmaxOneHot":
            t = np.eye(6)[t]
    errors = layer_gradient_check(layer, x, t)
    expected = {"x", "W", "b"} if name == "Affine" else {"x"}
    assert set(errors) == expected
    assert max(errors.values()) <= TOL, errors


# --- layers never write into dout ----------------------------------------------------------------


@pytest.mark.parametrize("make", [Relu, Sigmoid, lambda: Affine(np.ones((3, 2)), np.zeros(2))])
def test_backward_does_not_modify_dout(make):
    layer = make()
    out = layer.forward(np.array([[-1.0, 0.5, 2.0], [1.0, -2.0, 0.0]]))
    dout = np.arange(out.size, dtype=float).reshape(out.shape) - 2
    saved = dout.copy()
    layer.backward(dout)
    np.testing.assert_array_equal(dout, saved)


# --- stability -----------------------------------------------------------------------------------


def test_extreme_inputs_raise_no_warning_and_stay_finite():
    x = np.array([[-1e4, 0.0, 1e4], [1e4, 1e4, -1e4]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        s = sigmoid(x)
        y = softmax(x)
        layer = SoftmaxWithLoss()
        loss = layer.forward(x, np.array([0, 2]))
        dx = layer.backward()
        layer2 = Sigmoid()
        layer2.forward(x)
        layer2.backward(np.ones_like(x))
    np.testing.assert_array_equal(s, [[0, 0.5, 1], [1, 1, 0]])
    np.testing.assert_allclose(y, [[0, 0, 1], [0.5, 0.5, 0]])
    # the true labels have log-probabilities -2e4 and -2e4 - log 2: a finite loss, no log(0)
    assert loss == pytest.approx(2e4 + np.log(2) / 2, rel=1e-12)
    assert np.all(np.isfinite(dx))


def test_log_softmax_never_takes_log_of_zero():
    x = np.array([[0.0, -1e6]])
    np.testing.assert_allclose(log_softmax(x), [[0.0, -1e6]])


# --- hypothesis properties -----------------------------------------------------------------------


@settings(max_examples=200, deadline=None)
@given(matrices)
def test_softmax_rows_sum_to_one(x):
    y = softmax(x)
    assert np.all(y >= 0)
    np.testing.assert_allclose(y.sum(axis=1), 1.0, rtol=0, atol=1e-12)


@settings(max_examples=200, deadline=None)
@given(matrices, st.floats(-1e3, 1e3, allow_nan=False))
def test_softmax_is_shift_invariant(x, c):
    np.testing.assert_allclose(softmax(x + c), softmax(x), rtol=0, atol=1e-9)


@settings(max_examples=200, deadline=None)
@given(arrays(np.float64, st.integers(1, 20), elements=finite))
def test_sigmoid_range_and_symmetry(x):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        s = sigmoid(x)
        s_neg = sigmoid(-x)
    assert np.all((s >= 0) & (s <= 1))
    moderate = np.abs(x) < 30  # beyond ~37 the value rounds to exactly 0 or 1 in float64
    assert np.all((s[moderate] > 0) & (s[moderate] < 1))
    np.testing.assert_allclose(s_neg, 1 - s, rtol=0, atol=1e-15)


# --- bad input -----------------------------------------------------------------------------------


def test_affine_width_mismatch_names_the_shapes():
    layer = Affine(np.zeros((4, 2)), np.zeros(2))
    with pytest.raises(ValueError, match=r"input width 3 .*\(5, 3\).*\(4, 2\)"):
        layer.forward(np.zeros((5, 3)))
    with pytest.raises(ValueError, match="batch axis"):
        layer.forward(np.zeros(4))


def test_affine_bad_parameters():
    with pytest.raises(ValueError, match="W must be 2-D"):
        Affine(np.zeros(3), np.zeros(3))
    with pytest.raises(ValueError, match=r"b must have shape \(2,\)"):
        Affine(np.zeros((3, 2)), np.zeros(3))


@pytest.mark.parametrize(
    ("t", "error", "match"),
    [
        (np.array([0, 3]), ValueError, r"0 <= t < 3"),
        (np.array([-1, 0]), ValueError, r"0 <= t < 3"),
        (np.array([0, 1, 2]), ValueError, r"shape \(2,\) or one-hot of shape \(2, 3\)"),
        (np.array([[0, 1]]), ValueError, r"shape \(2,\)"),
        (np.array([0.5, 1.0]), TypeError, "must be integers"),
        (np.array([[0.5, 0.6, 0.0], [1, 0, 0]]), ValueError, "summing to 1"),
    ],
)
def test_softmax_with_loss_rejects_bad_labels(t, error, match):
    with pytest.raises(error, match=match):
        SoftmaxWithLoss().forward(np.zeros((2, 3)), t)


def test_softmax_with_loss_rejects_bad_scores():
    with pytest.raises(ValueError, match=r"shape \(N, C\)"):
        SoftmaxWithLoss().forward(np.zeros(3), np.array([0]))


@pytest.mark.parametrize(
    "layer",
    [Relu(), Sigmoid(), Affine(np.zeros((2, 2)), np.zeros(2)), SoftmaxWithLoss()],
    ids=["Relu", "Sigmoid", "Affine", "SoftmaxWithLoss"],
)
def test_backward_before_forward(layer):
    with pytest.raises(RuntimeError, match="before forward"):
        layer.backward(np.ones((1, 2)))


def test_backward_with_wrong_dout_shape():
    layer = Relu()
    layer.forward(np.zeros((2, 3)))
    with pytest.raises(ValueError, match=r"shape of the forward output \(2, 3\), got \(3, 2\)"):
        layer.backward(np.zeros((3, 2)))


def test_softmax_of_extreme_finite_scores_is_exact_and_silent():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        y = softmax(np.array([[1e308, -1e308]]))
        loss = SoftmaxWithLoss().forward(np.array([[1e308, -1e308]]), np.array([0]))
    np.testing.assert_array_equal(y, [[1.0, 0.0]])
    assert loss == 0.0
