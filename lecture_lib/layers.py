"""Layers for backpropagation from scratch: ``Relu``, ``Sigmoid``, ``Affine``, ``SoftmaxWithLoss``.

Every layer has ``forward`` and ``backward`` as in "Deep Learning from Scratch" (chapter 5).
A layer keeps only what its backward pass needs, and ``backward`` never writes into the ``dout``
it was given. Shapes use ``N`` for the batch size, ``D`` for the input width, ``M`` for the
output width and ``C`` for the number of classes.

The activations are numerically stable: :func:`sigmoid` never evaluates ``exp`` of a positive
number, and :func:`softmax` subtracts the row maximum, so inputs of ±1e4 raise no overflow
warning. The loss is computed from the log-softmax, so it never takes ``log(0)``.
"""

from __future__ import annotations

import numpy as np

__all__ = ["Affine", "Relu", "Sigmoid", "SoftmaxWithLoss", "log_softmax", "sigmoid", "softmax"]


def sigmoid(x):
    r"""Logistic function :math:`\sigma(x) = 1 / (1 + e^{-x})`, elementwise, without overflow.

    Uses :math:`e^{-|x|}` only: for x >= 0 it returns ``1 / (1 + e)``, for x < 0 ``e / (1 + e)``.
    The result lies in [0, 1]; it is strictly inside (0, 1) unless |x| is so large (about 37 for
    the upper end in float64) that the value rounds to 0 or 1.
    """
    x = np.asarray(x)
    if not np.issubdtype(x.dtype, np.floating):
        x = x.astype(np.float64)
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def log_softmax(x):
    r"""Logarithm of :func:`softmax` over the last axis, ``x - max - log(sum(exp(x - max)))``.

    Finite for any finite input: the largest entry of each row contributes ``exp(0) = 1`` to the
    sum, so the logarithm is never taken of 0.
    """
    x = np.asarray(x, dtype=np.result_type(x, np.float32))
    with np.errstate(over="ignore"):  # x - max may overflow to -inf: exp(-inf) = 0 is right
        shifted = x - x.max(axis=-1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))


def softmax(x):
    r"""Softmax over the last axis, :math:`y_k = e^{x_k - m} / \sum_j e^{x_j - m}`, m = row max.

    x: (..., C) -> (..., C); each row is non-negative and sums to 1.
    """
    x = np.asarray(x, dtype=np.result_type(x, np.float32))
    with np.errstate(over="ignore"):  # x - max may overflow to -inf: exp(-inf) = 0 is right
        e = np.exp(x - x.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def _check_dout(layer, dout, shape):
    if shape is None:
        raise RuntimeError(f"{layer}.backward was called before forward")
    dout = np.asarray(dout)
    if dout.shape != shape:
        raise ValueError(
            f"{layer}.backward: dout must have the shape of the forward output {shape}, "
            f"got {dout.shape}"
        )
    return dout


class Relu:
    r"""Rectified linear unit, :math:`y = \max(0, x)`.

    forward: x (any shape) -> y (same shape). backward: dout (same shape) -> dx, where
    ``dx = dout`` where x > 0 and 0 elsewhere (the subgradient 0 is used at x = 0).
    Keeps ``mask`` (x <= 0) for the backward pass.
    """

    def __init__(self):
        self.mask = None

    def forward(self, x):
        x = np.asarray(x)
        self.mask = x <= 0
        return np.where(self.mask, 0, x)

    def backward(self, dout):
        dout = _check_dout("Relu", dout, None if self.mask is None else self.mask.shape)
        return np.where(self.mask, 0, dout)


class Sigmoid:
    r"""Sigmoid activation, :math:`y = 1 / (1 + e^{-x})`, with :math:`dy/dx = y (1 - y)`.

    forward: x (any shape) -> y (same shape). backward: dout (same shape) -> dx.
    Keeps the output ``out`` for the backward pass.
    """

    def __init__(self):
        self.out = None

    def forward(self, x):
        self.out = sigmoid(x)
        return self.out

    def backward(self, dout):
        dout = _check_dout("Sigmoid", dout, None if self.out is None else self.out.shape)
        return dout * self.out * (1.0 - self.out)


class Affine:
    r"""Fully connected layer, :math:`y = x W + b`.

    Args:
        W: weights, (D, M).
        b: bias, (M,).

    The layer holds *references* to ``W`` and ``b``: an optimizer that updates the network's
    parameter arrays in place changes this layer too.

    forward: x (N, D) or (N, d1, d2, ...) with d1·d2·... = D (images are flattened) -> (N, M).
    backward: dout (N, M) -> dx with the shape of the forward input; also sets
    ``dW`` (D, M) = xᵀ·dout and ``db`` (M,) = Σ_n dout.
    """

    def __init__(self, W, b):
        W = np.asarray(W)
        b = np.asarray(b)
        if W.ndim != 2:
            raise ValueError(f"Affine: W must be 2-D (D, M), got shape {W.shape}")
        if b.shape != (W.shape[1],):
            raise ValueError(
                f"Affine: b must have shape ({W.shape[1]},) to match W {W.shape}, got {b.shape}"
            )
        self.W = W
        self.b = b
        self.x = None
        self.original_x_shape = None
        self.dW = None
        self.db = None

    def forward(self, x):
        x = np.asarray(x)
        if x.ndim < 2:
            raise ValueError(
                f"Affine: x must have a batch axis, shape (N, {self.W.shape[0]}) or (N, ...), "
                f"got {x.shape}"
            )
        width = int(np.prod(x.shape[1:]))
        if width != self.W.shape[0]:
            raise ValueError(
                f"Affine: input width {width} (x of shape {x.shape}) does not match "
                f"W of shape {self.W.shape}: need {self.W.shape[0]} features per sample"
            )
        self.original_x_shape = x.shape
        self.x = x.reshape(x.shape[0], width)
        out = self.x @ self.W
        out += self.b
        return out

    def backward(self, dout, need_dx=True):
        """dout (N, M) -> dx; ``need_dx=False`` skips dx (returns None) for a first layer,
        whose input is data that needs no gradient -- one matrix product fewer."""
        shape = None if self.x is None else (self.x.shape[0], self.W.shape[1])
        dout = _check_dout("Affine", dout, shape)
        self.dW = self.x.T @ dout
        self.db = dout.sum(axis=0)
        if not need_dx:
            return None
        return (dout @ self.W.T).reshape(self.original_x_shape)


class SoftmaxWithLoss:
    r"""Softmax followed by the mean cross-entropy loss.

    .. math::
        y = \mathrm{softmax}(x), \qquad
        L = -\frac{1}{N} \sum_n \log y_{n, t_n}, \qquad
        \frac{\partial L}{\partial x} = \frac{y - t_{\mathrm{one\,hot}}}{N}

    forward(x, t): x scores (N, C); t class indices (N,) with 0 <= t < C, or one-hot (N, C)
    (any rows of non-negative numbers summing to 1 are accepted as target distributions).
    Returns the scalar loss L. backward(dout=1): -> dx (N, C), scaled by ``dout``.
    Keeps ``y`` (the softmax, (N, C)) and the labels for the backward pass.
    """

    def __init__(self):
        self.loss = None
        self.y = None
        self.t = None

    @staticmethod
    def _check_labels(x, t, who="SoftmaxWithLoss"):
        n, c = x.shape
        t = np.asarray(t)
        if t.shape == (n, c):
            if not np.issubdtype(t.dtype, np.number) or np.issubdtype(t.dtype, np.complexfloating):
                raise TypeError(f"{who}: one-hot t must be numeric, got dtype {t.dtype}")
            if not (np.all(t >= 0) and np.allclose(t.sum(axis=1), 1.0, atol=1e-6)):
                raise ValueError(
                    f"{who}: one-hot t of shape (N, C) must have rows of non-negative "
                    "numbers summing to 1"
                )
            return t
        if t.shape != (n,):
            raise ValueError(
                f"{who}: t must be class indices of shape ({n},) or one-hot of shape "
                f"({n}, {c}) for x of shape {x.shape}, got {t.shape}"
            )
        if not np.issubdtype(t.dtype, np.integer):
            if np.issubdtype(t.dtype, np.floating) and np.all(t == np.round(t)):
                t = t.astype(np.int64)
            else:
                raise TypeError(f"{who}: class indices t must be integers, got dtype {t.dtype}")
        if n and (t.min() < 0 or t.max() >= c):
            raise ValueError(
                f"{who}: class indices t must satisfy 0 <= t < {c} (x has {c} "
                f"columns), got values from {t.min()} to {t.max()}"
            )
        return t

    def forward(self, x, t):
        x = np.asarray(x)
        if x.ndim != 2 or x.shape[0] == 0:
            raise ValueError(f"SoftmaxWithLoss: x must be scores of shape (N, C), got {x.shape}")
        t = self._check_labels(x, t)
        logp = log_softmax(x)
        n = x.shape[0]
        if t.ndim == 1:
            self.loss = float(-logp[np.arange(n), t].mean())
        else:
            self.loss = float(-(t * logp).sum() / n)
        self.y = np.exp(logp)
        self.t = t
        return self.loss

    def backward(self, dout=1):
        if self.y is None:
            raise RuntimeError("SoftmaxWithLoss.backward was called before forward")
        n = self.y.shape[0]
        if self.t.ndim == 1:
            dx = self.y.copy()
            dx[np.arange(n), self.t] -= 1
        else:
            dx = self.y - self.t.astype(self.y.dtype, copy=False)  # float32 nets stay float32
        dx *= dout / n
        return dx
