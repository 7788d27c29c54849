"""Gradient check utilities: central differences, exact restoration of x, the relative error."""

from __future__ import annotations

import numpy as np
import pytest

from lecture_lib.gradcheck import gradient_check, numerical_gradient, relative_error
from lecture_lib.networks import TwoLayerNet

pytestmark = pytest.mark.backprop


def test_numerical_gradient_of_a_quadratic():
    x = np.array([[1.0, -2.0], [0.5, 3.0]])
    grad = numerical_gradient(lambda z: float(np.sum(z**2) + z[0, 1] * z[1, 0]), x)
    np.testing.assert_allclose(grad, [[2.0, -4.0 + 0.5], [1.0 - 2.0, 6.0]], rtol=0, atol=1e-9)


def test_numerical_gradient_restores_x_bit_for_bit():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((3, 4)) * 1e3 + 0.1  # values where x + h - h != x in floating point
    saved = x.copy()
    seen = []
    numerical_gradient(lambda z: seen.append(z.copy()) or float(np.sum(np.sin(z))), x)
    np.testing.assert_array_equal(x, saved)
    assert len(seen) == 2 * x.size
    # exactly one entry differs from the original in each call
    assert all(np.count_nonzero(s != saved) == 1 for s in seen)


def test_numerical_gradient_rejects_non_float_and_bad_h():
    with pytest.raises(TypeError, match="float ndarray"):
        numerical_gradient(np.sum, np.array([1, 2]))
    with pytest.raises(TypeError, match="float ndarray"):
        numerical_gradient(np.sum, [1.0, 2.0])
    with pytest.raises(ValueError, match="h must be a finite number > 0"):
        numerical_gradient(np.sum, np.ones(2), h=0.0)
    with pytest.raises(ValueError, match="C-contiguous"):
        numerical_gradient(np.sum, np.ones((3, 2)).T)


def test_relative_error_is_the_max_norm_version():
    a = np.array([1.0, 1e-9])
    b = np.array([1.0 + 2e-8, 2e-9])
    # max|a - b| = 2e-8, max(|a| + |b|) = 2 + 2e-8
    assert relative_error(a, b) == pytest.approx(2e-8 / (2 + 2e-8))
    assert relative_error(np.zeros(3), np.zeros(3)) == 0.0
    assert relative_error(np.zeros(2), np.array([0.0, 1e-9])) == pytest.approx(0.1)  # 1e-8 floor
    assert relative_error(np.array([np.nan]), np.array([1.0])) == np.inf
    with pytest.raises(ValueError, match="same shape"):
        relative_error(np.zeros(2), np.zeros(3))


def test_gradient_check_detects_a_wrong_backward():
    rng = np.random.default_rng(3)
    net = TwoLayerNet(6, 5, 3, weight_init_std=0.5, seed=1)
    x, t = rng.standard_normal((4, 6)), np.array([0, 1, 2, 1])
    errors = gradient_check(net, x, t)
    assert set(errors) == {"W1", "b1", "W2", "b2"}
    assert max(errors.values()) <= 1e-7

    original = net.loss_and_gradient

    def broken(x, t):
        loss, grads = original(x, t)
        grads["b1"] = grads["b1"] * 1.01  # a 1 % bug in one parameter
        return loss, grads

    net.loss_and_gradient = broken
    errors = gradient_check(net, x, t)
    assert errors["b1"] > 1e-3
    assert errors["W1"] <= 1e-7


def test_gradient_check_requires_float64():
    net = TwoLayerNet(4, 3, 2, dtype=np.float32)
    with pytest.raises(ValueError, match="float64"):
        gradient_check(net, np.ones((1, 4)), np.array([0]))
