"""Backprop exercise of notebook 11: the student writes the backward pass of a whole network.

::

    print(NETWORK_TEMPLATE)              # def loss_and_gradient(net, x, t): ...
    check_network(loss_and_gradient)

The checker calls ``loss_and_gradient(net, x, t)`` on a fresh small ``TwoLayerNet`` (4 inputs, 5
hidden ReLU units, 3 classes, seeded; its layers are the library's) with a fixed batch of 2, and
compares the returned loss with ``net.loss`` and every gradient with ``net.numerical_gradient``
(tolerance 1e-7), reporting the first problem as :func:`~lecture_lib.exercises.check_layer` does.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping

import numpy as np

from lecture_lib.exercises.backprop import (
    SEED,
    BackpropReport,
    _as_array,
    _call,
    _compare,
    _names,
    _passed,
    _Stop,
)
from lecture_lib.networks import TwoLayerNet

__all__ = ["NETWORK_TEMPLATE", "check_network"]

NETWORK_TEMPLATE = """\
def loss_and_gradient(net, x, t):
    loss = net.loss(x, t)  # forward pass: every layer keeps what its backward needs
    # backward pass: dout = net.last_layer.backward(1), then the layers of net.layers from
    # the last to the first; afterwards net.layers["Affine1"].dW holds dL/dW1, and so on
    # return loss, {"W1": ..., "b1": ..., "W2": ..., "b2": ...}
    raise NotImplementedError("write the backward pass here")"""
NETWORK_SIZES, NETWORK_BATCH = (4, 5, 3), 2  # TwoLayerNet(4, 5, 3) on 2 samples
SHAPES = "x (2, 4), t (2,), W1 (4, 5), b1 (5,), W2 (5, 3), b2 (3,)"


def _network() -> tuple[TwoLayerNet, np.ndarray, np.ndarray]:
    """A fresh small TwoLayerNet and its fixed batch (no ReLU input within 1e-3 of its kink)."""
    net = TwoLayerNet(*NETWORK_SIZES, weight_init_std=1.0, seed=SEED)
    rng = np.random.default_rng(SEED + 1)
    x = rng.standard_normal((NETWORK_BATCH, NETWORK_SIZES[0]))
    return net, x, rng.integers(0, NETWORK_SIZES[2], NETWORK_BATCH)


@functools.cache
def _network_numerical() -> tuple[float, dict[str, np.ndarray]]:
    net, x, t = _network()
    grads = net.numerical_gradient(x, t)
    for grad in grads.values():
        grad.flags.writeable = False
    return net.loss(x, t), grads


def _network_grads(function) -> dict[str, np.ndarray]:
    """Run the student's function on a fresh network: its gradients, shape-checked."""
    net, x, t = _network()
    result = _call("loss_and_gradient(net, x, t)", function, function, net, x, t)
    if not (isinstance(result, tuple) and len(result) == 2):
        raise _Stop(f"return two things, `return loss, grads`; got {type(result).__name__}.")
    loss, grads = result
    want_loss, want = _network_numerical()
    if not isinstance(grads, Mapping):
        raise _Stop(f"grads must be a dict like net.params, got {type(grads).__name__}.")
    missing = [key for key in want if key not in grads]
    if missing:
        raise _Stop(f"grads has no key {missing[0]!r}; it needs {_names(want)}.", array=missing[0])
    try:
        loss = float(loss)
    except (TypeError, ValueError):
        raise _Stop(f"the loss returned is {type(loss).__name__}, not a number.") from None
    if not abs(loss - want_loss) <= 1e-12 * max(1.0, abs(want_loss)):
        raise _Stop(f"the loss returned is {loss:.6f}, not net.loss(x, t) = {want_loss:.6f}.")
    return {key: _as_array(f"grads[{key!r}]", grads[key], want[key]) for key in want}


def check_network(function) -> BackpropReport:
    """Gradient-check ``function(net, x, t) -> (loss, grads)`` on a small TwoLayerNet.

    Never raises for a student's mistake: every problem becomes the report's message.
    """
    head = "Network exercise: "
    if not callable(function):
        text = (
            "pass your function itself, e.g. check_network(loss_and_gradient) "
            f"— got {type(function).__name__}."
        )
        return BackpropReport("network", False, True, None, {}, head + text)
    try:
        got = _network_grads(function)
        errors = _compare(got, _network_numerical()[1], lambda key: f"grads[{key!r}]")
    except _Stop as stop:
        text = head + stop.text + (f" (Shapes here: {SHAPES}.)" if stop.solved else "")
        return BackpropReport("network", False, stop.solved, stop.array, stop.errors, text)
    return _passed("network", head, errors, f"The loss and {_names(got)}")
