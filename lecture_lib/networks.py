"""Networks built from :mod:`lecture_lib.layers`: ``TwoLayerNet`` and ``MultiLayerNet``.

Both keep the book's interface ("Deep Learning from Scratch", chapters 5 and 6):

- ``params``: dict ``{"W1": (D, H), "b1": (H,), ..., "WL": (H, C), "bL": (C,)}``
- ``layers``: dict of the layers in forward order (``Affine1``, ``Relu1``, ..., ``AffineL``),
  and ``last_layer``: a :class:`~lecture_lib.layers.SoftmaxWithLoss`
- ``predict(x)`` scores (N, C); ``loss(x, t)``; ``accuracy(x, t)``
- ``gradient(x, t)`` by backpropagation; ``numerical_gradient(x, t)`` by central differences
- ``weight_decay`` = lambda >= 0: L2 weight decay the book's way (chapter 6), a penalty on the
  weights (not the biases) in the loss and its gradient in ``dW``::

      loss = cross_entropy + lambda / 2 * sum(W**2 for every W)
      dW   = dW_backprop + lambda * W

``params`` and the dicts returned by ``gradient`` have the same keys, so any optimizer of
:mod:`lecture_lib.optimizers` updates the network directly: ``opt.update(net.params, grads)``.
The layers hold references to the parameter arrays, so updates must be in place -- which the
optimizers do, and which ``net.params[key] = value`` also does (it copies into the array).
"""

from __future__ import annotations

from collections import OrderedDict
from numbers import Real

import numpy as np

from lecture_lib._checks import check_int, check_number
from lecture_lib.gradcheck import DEFAULT_H
from lecture_lib.gradcheck import numerical_gradient as _numerical_gradient
from lecture_lib.layers import Affine, Relu, Sigmoid, SoftmaxWithLoss

__all__ = ["MultiLayerNet", "Network", "TwoLayerNet"]

ACTIVATIONS = {"relu": Relu, "sigmoid": Sigmoid}


class ParamDict(dict):
    """A dict of parameter arrays whose item assignment writes *into* the existing array.

    The layers share these arrays; replacing an entry would silently disconnect it from its
    layer, so ``params["W1"] = new`` copies ``new`` into ``params["W1"]`` (same shape required).
    """

    def __setitem__(self, key, value):
        if key not in self:
            super().__setitem__(key, value)
            return
        value = np.asarray(value)
        if value.shape != self[key].shape:
            raise ValueError(
                f"params[{key!r}] has shape {self[key].shape}; cannot assign shape {value.shape}"
            )
        self[key][...] = value

    def update(self, *args, **kwargs):
        """Like ``dict.update``, but each assignment goes through ``__setitem__`` (copy-in)."""
        for key, value in dict(*args, **kwargs).items():
            self[key] = value

    def setdefault(self, key, default=None):
        if key not in self:
            self[key] = default
        return self[key]


def _rng(seed):
    if isinstance(seed, np.random.Generator):
        return seed
    if seed is None or (isinstance(seed, (int, np.integer)) and not isinstance(seed, bool)):
        return np.random.default_rng(seed)
    raise TypeError(f"seed must be an int, a numpy Generator or None, got {type(seed).__name__}")


def _check_dtype(dtype):
    dtype = np.dtype(dtype)
    if dtype not in (np.float32, np.float64):
        raise ValueError(f"dtype must be float32 or float64, got {dtype}")
    return dtype


class Network:
    """Affine/activation layers followed by SoftmaxWithLoss. Subclasses build the layers.

    Attributes:
        params: ParamDict of the weights ``W1, b1, ..., WL, bL``.
        layers: OrderedDict name -> layer, in forward order.
        last_layer: SoftmaxWithLoss.
        dtype: float64 (default) or float32; inputs are converted to it in ``predict``.
        weight_decay: L2 coefficient lambda >= 0 (0: no penalty).
    """

    params: ParamDict
    layers: OrderedDict
    last_layer: SoftmaxWithLoss
    dtype: np.dtype
    weight_decay: float = 0.0

    def _set_weight_decay(self, weight_decay):
        self.weight_decay = check_number(
            "weight_decay", weight_decay, 0.0, np.inf, low_open=False, high_open=True
        )

    def _build(self, sizes, activation, stds, rng):
        self.params = ParamDict()
        self.layers = OrderedDict()
        n = len(sizes) - 1
        for i in range(1, n + 1):
            w = rng.standard_normal((sizes[i - 1], sizes[i])) * stds[i - 1]
            self.params[f"W{i}"] = w.astype(self.dtype)
            self.params[f"b{i}"] = np.zeros(sizes[i], dtype=self.dtype)
            self.layers[f"Affine{i}"] = Affine(self.params[f"W{i}"], self.params[f"b{i}"])
            if i < n:
                self.layers[f"{activation.capitalize()}{i}"] = ACTIVATIONS[activation]()
        self.last_layer = SoftmaxWithLoss()

    def predict(self, x):
        """Scores before the softmax. x: (N, D) or (N, 1, 28, 28) -> (N, C)."""
        x = np.asarray(x, dtype=self.dtype)
        for layer in self.layers.values():
            x = layer.forward(x)
        return x

    def loss(self, x, t):
        """Mean cross-entropy loss on (x, t) plus the L2 penalty (lambda/2) sum W^2 if
        ``weight_decay`` > 0; t class indices (N,) or one-hot (N, C)."""
        return self.last_layer.forward(self.predict(x), t) + self.penalty()

    def penalty(self) -> float:
        """The L2 term of the loss, (lambda / 2) * sum of W^2 over all weights (biases excluded)."""
        if self.weight_decay == 0:
            return 0.0
        weights = (self.params[f"W{i}"] for i in range(1, self.n_affine + 1))
        return float(0.5 * self.weight_decay * sum(np.sum(W**2) for W in weights))

    def accuracy(self, x, t):
        """Fraction of samples whose highest score is the true class.

        x: (N, D) or (N, ...); t: (N,) class indices or (N, C) one-hot, as for the loss.
        """
        scores = self.predict(x)
        n = scores.shape[0]
        t = SoftmaxWithLoss._check_labels(scores, np.asarray(t), who="accuracy")
        if n == 0:
            raise ValueError("accuracy needs at least one sample, got x with 0 rows")
        labels = t if t.ndim == 1 else np.argmax(t, axis=1)
        return float(np.mean(np.argmax(scores, axis=1) == labels))

    def loss_and_gradient(self, x, t):
        """One forward and one backward pass: ``(loss, {name: gradient})``."""
        loss = self.loss(x, t)
        dout = self.last_layer.backward(1)
        layers = list(self.layers.values())
        for layer in reversed(layers[1:]):
            dout = layer.backward(dout)
        layers[0].backward(dout, need_dx=False)  # the input is data: no gradient needed
        grads = {}
        for i in range(1, self.n_affine + 1):
            affine = self.layers[f"Affine{i}"]
            dW = affine.dW
            if self.weight_decay:
                dW = dW + self.weight_decay * affine.W  # the gradient of the L2 penalty
            grads[f"W{i}"] = dW
            grads[f"b{i}"] = affine.db
        return loss, grads

    def gradient(self, x, t):
        """Gradients of ``loss(x, t)`` by backpropagation: dict with the keys of ``params``."""
        return self.loss_and_gradient(x, t)[1]

    def numerical_gradient(self, x, t, h=DEFAULT_H):
        """Gradients of ``loss(x, t)`` by central differences (slow: 2 passes per entry)."""

        def f(_):
            return self.loss(x, t)

        return {key: _numerical_gradient(f, value, h) for key, value in self.params.items()}

    @property
    def n_affine(self):
        return len(self.params) // 2

    def __repr__(self):
        decay = f", weight_decay={self.weight_decay:g}" if self.weight_decay else ""
        return f"{type(self).__name__}({self._describe()}{decay})"


class TwoLayerNet(Network):
    """Affine - ReLU - Affine - SoftmaxWithLoss (the book's chapter-5 network).

    Args:
        input_size: D (784 for flattened MNIST).
        hidden_size: H.
        output_size: C (10 classes).
        weight_init_std: standard deviation of the Gaussian initial weights (> 0); biases are 0.
        seed: int, numpy Generator or None -- for the initial weights (reproducible by default).
        dtype: float64 (default; needed for the gradient check) or float32.
        weight_decay: L2 coefficient lambda >= 0 (default 0, none); see the module docstring.

    params: ``W1`` (D, H), ``b1`` (H,), ``W2`` (H, C), ``b2`` (C,).
    """

    def __init__(
        self,
        input_size,
        hidden_size,
        output_size,
        weight_init_std=0.01,
        *,
        seed=0,
        dtype=np.float64,
        weight_decay=0.0,
    ):
        sizes = [
            check_int("input_size", input_size, 1),
            check_int("hidden_size", hidden_size, 1),
            check_int("output_size", output_size, 1),
        ]
        if not (isinstance(weight_init_std, Real) and 0 < weight_init_std < np.inf):
            raise ValueError(
                f"weight_init_std must be a finite number > 0, got {weight_init_std!r}"
            )
        self.sizes = sizes
        self.weight_init_std = float(weight_init_std)
        self.dtype = _check_dtype(dtype)
        self._set_weight_decay(weight_decay)
        self._build(sizes, "relu", [self.weight_init_std] * 2, _rng(seed))

    def _describe(self):
        d, h, c = self.sizes
        return f"{d}, {h}, {c}, weight_init_std={self.weight_init_std:g}"


class MultiLayerNet(Network):
    """Fully connected network ``(Affine - activation) x len(hidden_sizes) - Affine - Softmax``.

    Args:
        input_size: D.
        hidden_sizes: list of hidden widths, e.g. ``[100] * 4`` for the book's optimizer
            comparison on MNIST (784-100-100-100-100-10).
        output_size: C.
        activation: ``"relu"`` or ``"sigmoid"``.
        weight_init: ``"he"`` (std sqrt(2 / n_in), for ReLU), ``"xavier"`` (std sqrt(1 / n_in),
            for sigmoid), or a float > 0 used as the std of every layer; n_in is the layer's
            input width.
        seed: int, numpy Generator or None -- for the initial weights.
        dtype: float64 (default) or float32.
        weight_decay: L2 coefficient lambda >= 0 (default 0, none); see the module docstring.
    """

    def __init__(
        self,
        input_size,
        hidden_sizes,
        output_size,
        activation="relu",
        weight_init="he",
        *,
        seed=0,
        dtype=np.float64,
        weight_decay=0.0,
    ):
        if isinstance(hidden_sizes, (int, np.integer)) or not hasattr(hidden_sizes, "__iter__"):
            raise TypeError(
                f"hidden_sizes must be a list of integers >= 1, got {type(hidden_sizes).__name__}"
            )
        hidden = [check_int("hidden_sizes entries", h, 1) for h in hidden_sizes]
        sizes = [check_int("input_size", input_size, 1), *hidden]
        sizes.append(check_int("output_size", output_size, 1))
        if activation not in ACTIVATIONS:
            raise ValueError(f"activation must be one of {sorted(ACTIVATIONS)}, got {activation!r}")
        if isinstance(weight_init, str):
            key = weight_init.lower()
            if key not in ("he", "xavier"):
                raise ValueError(
                    f"weight_init must be 'he', 'xavier' or a number > 0, got {weight_init!r}"
                )
            scale = 2.0 if key == "he" else 1.0
            stds = [np.sqrt(scale / n_in) for n_in in sizes[:-1]]
        elif isinstance(weight_init, Real) and 0 < weight_init < np.inf:
            stds = [float(weight_init)] * (len(sizes) - 1)
        else:
            raise ValueError(
                f"weight_init must be 'he', 'xavier' or a finite number > 0, got {weight_init!r}"
            )
        self.sizes = sizes
        self.activation = activation
        self.weight_init = weight_init
        self.dtype = _check_dtype(dtype)
        self._set_weight_decay(weight_decay)
        self._build(sizes, activation, stds, _rng(seed))

    def _describe(self):
        hidden = self.sizes[1:-1]
        return (
            f"{self.sizes[0]}, {hidden}, {self.sizes[-1]}, activation={self.activation!r}, "
            f"weight_init={self.weight_init!r}"
        )
