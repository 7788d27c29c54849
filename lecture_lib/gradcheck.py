r"""Gradient check: compare backpropagation with central differences, and assert the result.

- :func:`numerical_gradient` -- central differences ``(f(x + h) - f(x - h)) / 2h``, one
  coordinate at a time; ``x`` is changed in place during the call and restored exactly.
- :func:`relative_error` -- the number that decides whether a gradient is right.
- :func:`gradient_check` -- backprop vs. numerical gradient for every parameter of a network.
- :func:`layer_gradient_check` -- the same for one layer on its own (its input and parameters).

The relative error is the *max-norm* version

.. math::
    \mathrm{err}(a, b) = \frac{\max_i |a_i - b_i|}{\max(10^{-8},\ \max_i (|a_i| + |b_i|))}

i.e. the largest absolute difference measured against the largest gradient entry. It is not the
elementwise ratio: tiny gradient entries (1e-9, common for small initial weights) would make an
elementwise ratio large even when backprop is exact, because central differences have an
absolute error of about 1e-11 here. With float64 and ``h = 1e-5`` a correct implementation gives
errors around 1e-10; the lecture's tolerance is 1e-7.
"""

from __future__ import annotations

import numpy as np

from lecture_lib._checks import check_positive

__all__ = ["gradient_check", "layer_gradient_check", "numerical_gradient", "relative_error"]

DEFAULT_H = 1e-5


def numerical_gradient(f, x, h=DEFAULT_H):
    """Central-difference gradient of the scalar function ``f`` at ``x``.

    Args:
        f: callable taking ``x`` (it may ignore the argument and read ``x`` through a closure,
            as ``lambda _: net.loss(x_batch, t_batch)`` does for a parameter array).
        x: float ndarray of any shape; perturbed in place one entry at a time and restored
            exactly (each entry is reset to its saved value, not to ``x + h - h``).
        h: step size > 0.

    Returns:
        ndarray of ``x``'s shape and dtype.
    """
    h = check_positive("h", h)
    if not isinstance(x, np.ndarray) or not np.issubdtype(x.dtype, np.floating):
        raise TypeError(
            "x must be a float ndarray (it is perturbed in place), got "
            f"{type(x).__name__}{'' if not isinstance(x, np.ndarray) else ' of ' + str(x.dtype)}"
        )
    grad = np.zeros_like(x)
    flat_x = x.reshape(-1) if x.flags.c_contiguous else None
    if flat_x is None:
        raise ValueError("x must be C-contiguous so that it can be perturbed in place")
    flat_grad = grad.reshape(-1)
    for i in range(flat_x.size):
        saved = flat_x[i]
        flat_x[i] = saved + h
        f_plus = float(f(x))
        flat_x[i] = saved - h
        f_minus = float(f(x))
        flat_x[i] = saved
        flat_grad[i] = (f_plus - f_minus) / (2 * h)
    return grad


def relative_error(a, b):
    """``max|a - b| / max(1e-8, max(|a| + |b|))`` -- see the module docstring for why."""
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    if a.shape != b.shape:
        raise ValueError(f"a and b must have the same shape, got {a.shape} and {b.shape}")
    if a.size == 0:
        return 0.0
    if not (np.all(np.isfinite(a)) and np.all(np.isfinite(b))):
        return float("inf")
    scale = max(1e-8, float(np.max(np.abs(a) + np.abs(b))))
    return float(np.max(np.abs(a - b)) / scale)


def gradient_check(net, x, t, h=DEFAULT_H):
    """Relative error between ``net.gradient`` (backprop) and ``net.numerical_gradient``.

    Args:
        net: a network with float64 ``params`` and the methods ``gradient(x, t)`` and
            ``numerical_gradient(x, t, h=...)`` (e.g. TwoLayerNet, MultiLayerNet).
        x, t: a small batch (a few samples suffice; the numerical gradient costs two forward
            passes per parameter entry).
        h: central-difference step. A ReLU pre-activation closer to 0 than ``h`` (e.g. exactly
            0 when zero biases meet an all-zero input) sits on the kink of max(0, x), where the
            numerical gradient sees half a slope; such a case is not a backprop bug.

    Returns:
        ``{parameter name: relative error}``, e.g. ``{"W1": 3e-10, "b1": 2e-10, ...}``.
    """
    for key, value in net.params.items():
        if value.dtype != np.float64:
            raise ValueError(
                f"gradient_check needs float64 parameters (float32 rounding alone exceeds the "
                f"tolerance), got {value.dtype} for {key!r}"
            )
    backprop = net.gradient(x, t)
    backprop = {key: np.array(value, copy=True) for key, value in backprop.items()}
    numerical = net.numerical_gradient(x, t, h=h)
    return {key: relative_error(backprop[key], numerical[key]) for key in net.params}


def layer_gradient_check(layer, x, t=None, h=DEFAULT_H, seed=0):
    """Gradient check of one layer: its input ``"x"`` and, for Affine, ``"W"`` and ``"b"``.

    For an ordinary layer the scalar checked is ``sum(forward(x) * dout)`` with a fixed random
    ``dout`` (so every output entry matters); for ``SoftmaxWithLoss`` (``t`` given) it is the
    loss itself with ``backward(1)``.

    Returns:
        ``{"x": error, ...}`` -- one relative error per checked array.
    """
    x = np.array(x, dtype=np.float64)
    if t is None:
        out = layer.forward(x)
        dout = np.random.default_rng(seed).standard_normal(out.shape)

        def f(_):
            return float(np.sum(layer.forward(x) * dout))

        dx = layer.backward(dout)
    else:

        def f(_):
            return layer.forward(x, t)

        f(x)
        dx = layer.backward(1)
    analytic = {"x": np.array(dx, copy=True)}
    for name in ("W", "b"):
        if hasattr(layer, name):
            analytic[name] = np.array(getattr(layer, "d" + name), copy=True)
    errors = {"x": relative_error(analytic["x"], numerical_gradient(f, x, h))}
    for name in ("W", "b"):
        if name in analytic:
            errors[name] = relative_error(
                analytic[name], numerical_gradient(f, getattr(layer, name), h)
            )
    return errors
