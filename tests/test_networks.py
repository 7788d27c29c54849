"""TwoLayerNet and MultiLayerNet: shapes, gradient checks, initialisation, seeds, bad input."""

from __future__ import annotations

import numpy as np
import pytest

from lecture_lib.gradcheck import gradient_check
from lecture_lib.layers import Affine, Relu, Sigmoid, SoftmaxWithLoss
from lecture_lib.networks import MultiLayerNet, TwoLayerNet

pytestmark = pytest.mark.backprop

TOL = 1e-7


def _batch(d=12, c=4, n=5, seed=0):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((n, d)), rng.integers(0, c, n)


def test_two_layer_net_structure():
    net = TwoLayerNet(784, 50, 10)
    assert list(net.params) == ["W1", "b1", "W2", "b2"]
    assert [v.shape for v in net.params.values()] == [(784, 50), (50,), (50, 10), (10,)]
    assert list(net.layers) == ["Affine1", "Relu1", "Affine2"]
    assert isinstance(net.last_layer, SoftmaxWithLoss)
    assert net.layers["Affine1"].W is net.params["W1"]
    assert net.params["W1"].std() == pytest.approx(0.01, rel=0.02)
    assert not net.params["b1"].any()
    assert net.predict(np.zeros((2, 1, 28, 28))).shape == (2, 10)


@pytest.mark.parametrize("std", [0.01, 1.0])
def test_two_layer_net_gradient_check(std):
    x, t = _batch()
    net = TwoLayerNet(12, 7, 4, weight_init_std=std, seed=2)
    errors = gradient_check(net, x, t)
    assert set(errors) == set(net.params)
    assert max(errors.values()) <= TOL, errors


def test_two_layer_net_mnist_sized_gradient_check_on_a_few_entries():
    """The real 784-50-10 shape: backprop vs. central differences on a sample of entries."""
    rng = np.random.default_rng(5)
    net = TwoLayerNet(784, 50, 10, seed=3)
    x, t = rng.random((3, 784)), np.array([1, 7, 3])
    grads = net.gradient(x, t)
    for key, param in net.params.items():
        flat = param.reshape(-1)
        for i in rng.choice(flat.size, size=min(8, flat.size), replace=False):
            saved = flat[i]
            flat[i] = saved + 1e-5
            up = net.loss(x, t)
            flat[i] = saved - 1e-5
            down = net.loss(x, t)
            flat[i] = saved
            numeric = (up - down) / 2e-5
            scale = max(1e-8, np.abs(grads[key]).max())
            assert abs(grads[key].reshape(-1)[i] - numeric) / scale <= TOL


@pytest.mark.parametrize(
    ("activation", "weight_init"), [("relu", "he"), ("sigmoid", "xavier"), ("relu", 0.3)]
)
def test_multi_layer_net_gradient_check(activation, weight_init):
    x, t = _batch(seed=1)
    net = MultiLayerNet(12, [6, 5, 4], 4, activation=activation, weight_init=weight_init, seed=4)
    # With zero biases a narrow ReLU layer can receive an all-zero input, which puts the next
    # pre-activation exactly on the kink of max(0, x) where central differences see half a slope.
    # Small random biases keep every pre-activation away from 0, as after a few training steps.
    rng = np.random.default_rng(9)
    for i in range(1, 5):
        net.params[f"b{i}"] = rng.normal(0.0, 0.1, net.params[f"b{i}"].shape)
    errors = gradient_check(net, x, t)
    assert list(errors) == ["W1", "b1", "W2", "b2", "W3", "b3", "W4", "b4"]
    assert max(errors.values()) <= TOL, errors


def test_multi_layer_net_structure_and_init_scales():
    net = MultiLayerNet(784, [100] * 4, 10, activation="relu", weight_init="he", seed=0)
    assert len(net.params) == 10
    kinds = [type(layer) for layer in net.layers.values()]
    assert kinds == [Affine, Relu] * 4 + [Affine]
    assert net.params["W1"].std() == pytest.approx(np.sqrt(2 / 784), rel=0.02)
    assert net.params["W2"].std() == pytest.approx(np.sqrt(2 / 100), rel=0.03)
    xavier = MultiLayerNet(784, [100] * 4, 10, activation="sigmoid", weight_init="xavier")
    assert [type(layer) for layer in xavier.layers.values()][1] is Sigmoid
    assert xavier.params["W2"].std() == pytest.approx(np.sqrt(1 / 100), rel=0.03)
    fixed = MultiLayerNet(784, [100] * 4, 10, weight_init=0.01)
    assert fixed.params["W5"].std() == pytest.approx(0.01, rel=0.1)


def test_seed_makes_initialisation_reproducible():
    a = MultiLayerNet(10, [5], 3, seed=7)
    b = MultiLayerNet(10, [5], 3, seed=np.random.default_rng(7))
    c = MultiLayerNet(10, [5], 3, seed=8)
    np.testing.assert_array_equal(a.params["W1"], b.params["W1"])
    assert not np.array_equal(a.params["W1"], c.params["W1"])


def test_loss_accuracy_and_gradient_keys():
    x, t = _batch()
    net = TwoLayerNet(12, 7, 4, seed=0)
    # tiny weights -> nearly uniform softmax -> loss close to log(4)
    assert net.loss(x, t) == pytest.approx(np.log(4), abs=1e-3)
    assert net.loss(x, np.eye(4)[t]) == pytest.approx(net.loss(x, t), abs=1e-15)
    y = net.predict(x).argmax(axis=1)
    assert net.accuracy(x, y) == 1.0
    assert net.accuracy(x, np.eye(4)[(y + 1) % 4]) == 0.0
    loss, grads = net.loss_and_gradient(x, t)
    assert loss == pytest.approx(net.loss(x, t))
    assert {k: v.shape for k, v in grads.items()} == {k: v.shape for k, v in net.params.items()}


def test_in_place_updates_reach_the_layers():
    x, t = _batch()
    net = TwoLayerNet(12, 7, 4, seed=0)
    before = net.loss(x, t)
    for _ in range(20):
        grads = net.gradient(x, t)
        for key in net.params:
            net.params[key] -= 0.5 * grads[key]
    assert net.loss(x, t) < before - 0.1
    net.params["b2"] = np.array([0.0, 0.0, 0.0, 100.0])  # assignment copies into the array
    assert net.layers["Affine2"].b is net.params["b2"]
    assert np.all(net.predict(x).argmax(axis=1) == 3)
    with pytest.raises(ValueError, match=r"params\['b2'\] has shape \(4,\)"):
        net.params["b2"] = np.zeros(5)


def test_float32_network_keeps_float32():
    x, t = _batch()
    net = MultiLayerNet(12, [8], 4, seed=0, dtype=np.float32)
    assert net.predict(x).dtype == np.float32
    grads = net.gradient(x, t)
    assert all(g.dtype == np.float32 for g in grads.values())
    net64 = MultiLayerNet(12, [8], 4, seed=0)
    assert net.loss(x, t) == pytest.approx(net64.loss(x, t), rel=1e-5)


def test_repr():
    assert repr(TwoLayerNet(784, 50, 10)) == "TwoLayerNet(784, 50, 10, weight_init_std=0.01)"
    assert repr(MultiLayerNet(784, [100, 100], 10)) == (
        "MultiLayerNet(784, [100, 100], 10, activation='relu', weight_init='he')"
    )


@pytest.mark.parametrize(
    ("make", "error", "match"),
    [
        (lambda: TwoLayerNet(0, 5, 2), ValueError, "input_size must be an int >= 1, got 0"),
        (lambda: TwoLayerNet(4, 2.5, 2), TypeError, "hidden_size must be an int >= 1"),
        (lambda: TwoLayerNet(4, 5, 2, weight_init_std=-1), ValueError, "weight_init_std"),
        (lambda: TwoLayerNet(4, 5, 2, seed="a"), TypeError, "seed must be an int"),
        (lambda: TwoLayerNet(4, 5, 2, dtype=np.int32), ValueError, "float32 or float64"),
        (lambda: MultiLayerNet(4, 5, 2), TypeError, "hidden_sizes must be a list"),
        (lambda: MultiLayerNet(4, [5, 0], 2), ValueError, "hidden_sizes entries"),
        (lambda: MultiLayerNet(4, [5], 2, activation="tanh"), ValueError, "activation must be"),
        (lambda: MultiLayerNet(4, [5], 2, weight_init="lecun"), ValueError, "weight_init must"),
        (lambda: MultiLayerNet(4, [5], 2, weight_init=0.0), ValueError, "weight_init must"),
    ],
)
def test_bad_arguments(make, error, match):
    with pytest.raises(error, match=match):
        make()


def test_wrong_input_width_names_the_shapes():
    net = TwoLayerNet(784, 50, 10)
    with pytest.raises(ValueError, match=r"input width 100 .*\(784, 50\)"):
        net.predict(np.zeros((2, 100)))


def test_accuracy_checks_its_labels_like_the_loss():
    net = TwoLayerNet(6, 5, 3, seed=0)
    x = np.random.default_rng(0).standard_normal((4, 6))
    t = np.array([0, 1, 2, 1])
    expected = float(np.mean(net.predict(x).argmax(axis=1) == t))
    assert net.accuracy(x, t) == expected == net.accuracy(x, np.eye(3)[t])
    with pytest.raises(ValueError, match=r"accuracy: t must be class indices of shape \(4,\)"):
        net.accuracy(x, t[:, None])
    with pytest.raises(ValueError, match=r"accuracy: class indices t must satisfy 0 <= t < 3"):
        net.accuracy(x, [5, 5, 5, 5])
    with pytest.raises(ValueError, match="at least one sample"):
        net.accuracy(np.zeros((0, 6)), np.zeros(0, dtype=int))


def test_params_update_copies_into_the_shared_arrays():
    net = TwoLayerNet(6, 5, 3, seed=0)
    net.params.update({"W1": np.zeros((6, 5))})
    assert net.layers["Affine1"].W is net.params["W1"] and not net.layers["Affine1"].W.any()
    with pytest.raises(ValueError, match=r"params\['W1'\] has shape \(6, 5\)"):
        net.params.update(W1=np.zeros((2, 2)))


def test_float32_network_keeps_float32_with_one_hot_labels():
    net = TwoLayerNet(6, 5, 3, seed=0, dtype=np.float32)
    x = np.random.default_rng(0).standard_normal((4, 6)).astype(np.float32)
    grads = net.gradient(x, np.eye(3)[[0, 1, 2, 1]])  # float64 one-hot labels
    assert all(g.dtype == np.float32 for g in grads.values())


@pytest.mark.parametrize(
    "make",
    [
        lambda lam: TwoLayerNet(12, 7, 4, weight_init_std=0.5, seed=2, weight_decay=lam),
        lambda lam: MultiLayerNet(12, [6, 5], 4, weight_init=0.5, seed=4, weight_decay=lam),
    ],
)
def test_weight_decay_adds_the_books_l2_term_to_loss_and_gradient(make):
    x, t = _batch(seed=3)
    lam = 0.3
    plain, decayed = make(0.0), make(lam)
    weights = [k for k in plain.params if k.startswith("W")]
    expected = 0.5 * lam * sum(np.sum(plain.params[k] ** 2) for k in weights)
    assert decayed.penalty() == pytest.approx(expected, rel=1e-14) and expected > 0.1
    assert decayed.loss(x, t) == pytest.approx(plain.loss(x, t) + expected, rel=1e-14)
    g0, g1 = plain.gradient(x, t), decayed.gradient(x, t)
    for key in plain.params:
        extra = lam * plain.params[key] if key.startswith("W") else 0.0  # biases are not decayed
        np.testing.assert_allclose(g1[key], g0[key] + extra, rtol=1e-13, atol=1e-15)
    assert max(gradient_check(decayed, x, t).values()) <= TOL


def test_weight_decay_zero_is_bit_for_bit_no_decay():
    x, t = _batch()
    a = MultiLayerNet(12, [8, 8], 4, seed=1)
    b = MultiLayerNet(12, [8, 8], 4, seed=1, weight_decay=0.0)
    assert a.loss(x, t) == b.loss(x, t) and a.penalty() == b.penalty() == 0.0
    ga, gb = a.gradient(x, t), b.gradient(x, t)
    assert all(np.array_equal(ga[k], gb[k]) for k in ga)


def test_weight_decay_does_not_touch_the_layers_gradient_and_keeps_float32():
    x, t = _batch()
    net = MultiLayerNet(12, [8], 4, seed=0, dtype=np.float32, weight_decay=0.1)
    grads = net.gradient(x, t)
    affine = net.layers["Affine1"]
    assert grads["W1"] is not affine.dW
    np.testing.assert_allclose(grads["W1"] - affine.dW, 0.1 * affine.W, rtol=1e-5, atol=1e-7)
    assert all(g.dtype == np.float32 for g in grads.values())


def test_weight_decay_shrinks_the_weights_under_sgd():
    x, t = _batch()
    norms = []
    for lam in (0.0, 1.0):
        net = TwoLayerNet(12, 7, 4, weight_init_std=1.0, seed=0, weight_decay=lam)
        for _ in range(50):
            grads = net.gradient(x, t)
            for key in net.params:
                net.params[key] -= 0.1 * grads[key]
        norms.append(np.sum(net.params["W1"] ** 2))
    assert norms[1] < 0.5 * norms[0]


@pytest.mark.parametrize(
    ("value", "error"),
    [
        (-0.1, ValueError),
        (float("nan"), ValueError),
        (float("inf"), ValueError),
        ("0.1", TypeError),
        (True, TypeError),
    ],
)
def test_bad_weight_decay_names_the_parameter(value, error):
    with pytest.raises(error, match=r"^weight_decay must be a finite number in \[0, inf\)"):
        MultiLayerNet(4, [3], 2, weight_decay=value)
    with pytest.raises(error, match=r"^weight_decay must be"):
        TwoLayerNet(4, 3, 2, weight_decay=value)


def test_repr_shows_weight_decay_only_when_set():
    assert repr(TwoLayerNet(784, 50, 10, weight_decay=0.01)) == (
        "TwoLayerNet(784, 50, 10, weight_init_std=0.01, weight_decay=0.01)"
    )
    assert "weight_decay" not in repr(MultiLayerNet(784, [100], 10, weight_decay=0.0))
