r"""Learning-rate schedules: ``schedule(t)`` is the learning rate of update t (t = 1, 2, ...).

Every optimizer with an ``lr`` accepts a schedule in its place::

    Adam(lr=InverseTimeDecay(0.1, k=0.01))

``lr`` of a schedule may be a float or an array (one value per run of a batched update); the value
returned has the same kind.
"""

from __future__ import annotations

import numbers

import numpy as np

__all__ = ["Constant", "ExponentialDecay", "InverseTimeDecay", "Schedule", "StepDecay"]


def _number(name: str, value, low: float, high: float, *, low_open: bool, high_open: bool):
    """Return ``value`` (float, or float64 array checked elementwise) if it lies in the range."""
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


def _show(value) -> str:
    return f"array{value.shape}" if isinstance(value, np.ndarray) else repr(value)


class Schedule:
    """Base class: ``schedule(t)`` is the learning rate of update ``t`` (1-based).

    Subclasses set ``params`` (constructor argument names, for ``repr``) and define ``at(t)``.
    """

    params: tuple[str, ...] = ("lr",)

    def __init__(self, lr):
        self.lr = _number("lr", lr, 0.0, np.inf, low_open=True, high_open=True)

    def at(self, t: int):
        """The learning rate of update ``t`` (``t`` already checked)."""
        raise NotImplementedError

    def __call__(self, t: int):
        if isinstance(t, bool) or not isinstance(t, numbers.Integral) or t < 1:
            raise ValueError(f"t must be the 1-based update index, an integer >= 1, got {t!r}")
        return self.at(int(t))

    def __repr__(self) -> str:
        args = ", ".join(f"{p}={_show(getattr(self, p))}" for p in self.params)
        return f"{type(self).__name__}({args})"


class Constant(Schedule):
    r"""Constant learning rate: :math:`\eta_t = \eta`; bit for bit the same as a float lr."""

    def at(self, t: int):
        return self.lr


class StepDecay(Schedule):
    r"""Step decay: :math:`\eta_t = \eta \cdot f^{\lfloor (t-1)/n \rfloor}`.

    The first ``every`` updates use ``lr``, the next ``every`` use ``lr * factor``, and so on.

    Args:
        lr: initial learning rate eta > 0.
        factor: multiplier f per stage, 0 < f <= 1.
        every: stage length n (number of updates), an integer >= 1.
    """

    params = ("lr", "factor", "every")

    def __init__(self, lr, factor: float = 0.5, every: int = 100):
        super().__init__(lr)
        self.factor = _number("factor", factor, 0.0, 1.0, low_open=True, high_open=False)
        if isinstance(every, bool) or not isinstance(every, numbers.Integral) or every < 1:
            raise ValueError(f"every must be an integer >= 1 (updates per stage), got {every!r}")
        self.every = int(every)

    def at(self, t: int):
        return self.lr * self.factor ** ((t - 1) // self.every)


class ExponentialDecay(Schedule):
    r"""Exponential decay: :math:`\eta_t = \eta \cdot \gamma^{t-1}` (the first update uses ``lr``).

    Args:
        lr: initial learning rate eta > 0.
        gamma: decay per update, 0 < gamma <= 1 (e.g. 0.99).
    """

    params = ("lr", "gamma")

    def __init__(self, lr, gamma: float = 0.99):
        super().__init__(lr)
        self.gamma = _number("gamma", gamma, 0.0, 1.0, low_open=True, high_open=False)

    def at(self, t: int):
        return self.lr * self.gamma ** (t - 1)


class InverseTimeDecay(Schedule):
    r"""Inverse-time decay: :math:`\eta_t = \eta / (1 + k\,t)`.

    Args:
        lr: learning rate scale eta > 0.
        k: decay rate, k >= 0 (k = 0 is a constant learning rate).
    """

    params = ("lr", "k")

    def __init__(self, lr, k: float = 0.01):
        super().__init__(lr)
        self.k = _number("k", k, 0.0, np.inf, low_open=False, high_open=True)

    def at(self, t: int):
        return self.lr / (1.0 + self.k * t)
