"""Argument checks shared by every module: each error names the parameter and its valid range."""

from __future__ import annotations

import numbers
from collections.abc import Mapping

import numpy as np


def check_int(name: str, value, low: int, high: int | None = None) -> int:
    """``value`` as an int if it is an integer in [low, high] (bools are not integers here)."""
    text = f">= {low}" if high is None else f"in [{low}, {high}]"
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an int {text}, got {value!r}")
    if value < low or (high is not None and value > high):
        raise ValueError(f"{name} must be an int {text}, got {value!r}")
    return int(value)


def check_positive(name: str, value, *, allow_none: bool = False, allow_zero: bool = False):
    """``value`` as a float if it is finite and > 0 (>= 0 with ``allow_zero``); None if allowed."""
    if value is None and allow_none:
        return None
    rng = ">= 0" if allow_zero else "> 0"
    none = " or None" if allow_none else ""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a finite number {rng}{none}, got {value!r}")
    value = float(value)
    if not np.isfinite(value) or value < 0 or (value == 0 and not allow_zero):
        raise ValueError(f"{name} must be a finite number {rng}{none}, got {value!r}")
    return value


def check_number(name: str, value, low: float, high: float, *, low_open: bool, high_open: bool):
    """``value`` (a float, or a float64 array checked elementwise) if it lies in the interval."""
    text = f"{'(' if low_open else '['}{low:g}, {high:g}{')' if high_open else ']'}"
    if isinstance(value, bool) or not isinstance(value, (numbers.Real, np.ndarray)):
        raise TypeError(f"{name} must be a finite number in {text}, got {value!r}")
    if isinstance(value, np.ndarray) and value.ndim > 0:
        if not (np.issubdtype(value.dtype, np.floating) or np.issubdtype(value.dtype, np.integer)):
            raise TypeError(f"{name} must be a real array, got dtype {value.dtype}")
        arr = value.astype(np.float64)
    else:
        arr = np.asarray(float(value))
    ok = np.isfinite(arr)
    ok &= (arr > low) if low_open else (arr >= low)
    ok &= (arr < high) if high_open else (arr <= high)
    if not ok.all():
        bad = arr[~ok].flat[0] if arr.ndim else float(arr)
        where = " in every element" if arr.ndim else ""
        raise ValueError(f"{name} must be a finite number in {text}{where}, got {bad!r}")
    return arr if arr.ndim else float(arr)


# name -> (low, high, low_open, high_open); (class name, name) overrides the plain name for that
# class and its subclasses
RANGES: dict = {
    "lr": (0.0, np.inf, True, True),
    "eps": (0.0, np.inf, True, True),
    "alpha": (0.0, 1.0, False, True),
    "rho": (0.0, 1.0, False, True),
    "beta1": (0.0, 1.0, False, True),
    "beta2": (0.0, 1.0, False, True),
    "weight_decay": (0.0, np.inf, False, True),
    ("COCOB", "alpha"): (0.0, np.inf, True, True),
}


def check_hyperparameter(owner, name: str, value):
    """An optimizer's hyperparameter (float or array) checked against its valid range."""
    special = [(c.__name__, name) for c in type(owner).__mro__ if (c.__name__, name) in RANGES]
    low, high, low_open, high_open = RANGES[special[0] if special else name]
    return check_number(name, value, low, high, low_open=low_open, high_open=high_open)


def check_update(params, grads, owners) -> dict:
    """Check ``optimizer.update(params, grads)``; return the gradients in each parameter's dtype.

    ``owners`` (None before the first update) maps each key to a weak reference to the array the
    optimizer's state belongs to.
    """
    for what, d in (("params", params), ("grads", grads)):
        if not isinstance(d, Mapping):
            raise TypeError(f"{what} must be a dict of numpy arrays, got {type(d).__name__}")
    if not params:
        raise ValueError("params must hold at least one array, got an empty dict")
    if set(params) != set(grads):
        missing, extra = sorted(set(params) - set(grads)), sorted(set(grads) - set(params))
        raise ValueError(
            "params and grads must have the same keys; "
            f"missing in grads: {missing}, not in params: {extra}"
        )
    if owners is not None and set(params) != set(owners):
        raise ValueError(
            f"params keys {sorted(params)} differ from the first update's {sorted(owners)}; "
            "call reset() to start over"
        )
    return {key: _checked_pair(key, theta, grads[key], owners) for key, theta in params.items()}


def _checked_pair(key, theta, g, owners) -> np.ndarray:
    for what, a in (("params", theta), ("grads", g)):
        if not isinstance(a, np.ndarray):
            raise TypeError(f"{what}[{key!r}] must be a numpy array, got {type(a).__name__}")
    if theta.dtype not in (np.float32, np.float64):
        raise TypeError(
            f"params[{key!r}] has dtype {theta.dtype}; params must be float32 or float64 arrays "
            "(an integer array would be truncated, and in float16 eps = 1e-8 and small g**2 "
            "underflow to 0)"
        )
    if not theta.flags.writeable:
        raise ValueError(f"params[{key!r}] is read-only; it must be a writeable array")
    if g.shape != theta.shape:
        raise ValueError(
            f"grads[{key!r}] has shape {g.shape}, but params[{key!r}] has shape {theta.shape}"
        )
    if owners is not None and owners[key]() is not theta:
        raise ValueError(
            f"params[{key!r}] is not the array this optimizer updated before, and its state "
            "(momentum, averages, ...) belongs to that one: call reset() first to use it for "
            "other parameters, or make a new optimizer"
        )
    if g.dtype == theta.dtype:
        if np.may_share_memory(g, theta):
            raise ValueError(f"grads[{key!r}] shares memory with params[{key!r}]; pass a copy")
        return g
    if not (np.issubdtype(g.dtype, np.floating) or np.issubdtype(g.dtype, np.integer)):
        raise TypeError(
            f"grads[{key!r}] has dtype {g.dtype}; it must be a real (float or integer) array "
            f"like params[{key!r}] ({theta.dtype})"
        )
    return g.astype(theta.dtype)  # a copy: the caller's grads stay untouched
