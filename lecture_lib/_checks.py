"""Argument checks shared by every module: each error names the parameter and its valid range."""

from __future__ import annotations

import numbers

import numpy as np


def check_int(name: str, value, low: int) -> int:
    """``value`` as an int if it is an integer >= ``low`` (bools are not integers here)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an int >= {low}, got {value!r}")
    if value < low:
        raise ValueError(f"{name} must be an int >= {low}, got {value!r}")
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
