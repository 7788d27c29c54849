r"""Learning-rate schedules: ``schedule(t)`` is the learning rate of update t (t = 1, 2, ...).

Every optimizer with an ``lr`` accepts a schedule in its place::

    Adam(lr=InverseTimeDecay(0.1, k=0.01))
    Momentum(lr=Warmup(CosineDecay(0.1, steps=1200), steps=30))   # warm up, then cosine decay

``lr`` of a schedule may be a float or an array (one value per run of a batched update); the value
returned has the same kind.
"""

from __future__ import annotations

import math
import numbers

import numpy as np

from lecture_lib._checks import check_int, check_number

__all__ = [
    "Constant",
    "CosineDecay",
    "ExponentialDecay",
    "InverseTimeDecay",
    "Schedule",
    "StepDecay",
    "Warmup",
]


def _show(value) -> str:
    return f"array{value.shape}" if isinstance(value, np.ndarray) else repr(value)


class Schedule:
    """Base class: ``schedule(t)`` is the learning rate of update ``t`` (1-based).

    Subclasses set ``params`` (constructor argument names, for ``repr``) and define ``at(t)``.
    """

    params: tuple[str, ...] = ("lr",)

    def __init__(self, lr):
        self.lr = check_number("lr", lr, 0.0, np.inf, low_open=True, high_open=True)

    def at(self, t: int):
        """The learning rate of update ``t`` (``t`` already checked)."""
        raise NotImplementedError

    def __call__(self, t: int):
        return self.at(check_int("t (the 1-based update index)", t, 1))

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
        self.factor = check_number("factor", factor, 0.0, 1.0, low_open=True, high_open=False)
        self.every = check_int("every", every, 1)

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
        self.gamma = check_number("gamma", gamma, 0.0, 1.0, low_open=True, high_open=False)

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
        self.k = check_number("k", k, 0.0, np.inf, low_open=False, high_open=True)

    def at(self, t: int):
        return self.lr / (1.0 + self.k * t)


class CosineDecay(Schedule):
    r"""Cosine decay (Loshchilov & Hutter, 2017, SGDR without restarts).

    .. math::
        \eta_t = \eta_{\min} + \tfrac12 (\eta - \eta_{\min})
        \left(1 + \cos\frac{\pi \min(t - 1, T)}{T}\right)

    Update 1 uses ``lr``; the rate follows half a cosine down to ``min_lr``, which update T + 1
    reaches and every later update keeps. For a run of T updates, the last one uses a rate just
    above ``min_lr`` (about ``lr * (pi / 2T)**2`` when ``min_lr = 0``).

    Args:
        lr: initial learning rate eta > 0.
        steps: decay length T (number of updates), an integer >= 1.
        min_lr: final learning rate, 0 <= min_lr <= lr (every element of an array ``lr``).
    """

    params = ("lr", "steps", "min_lr")

    def __init__(self, lr, steps: int, min_lr: float = 0.0):
        super().__init__(lr)
        self.steps = check_int("steps", steps, 1)
        top = float(np.min(self.lr))
        self.min_lr = check_number("min_lr", min_lr, 0.0, top, low_open=False, high_open=False)

    def at(self, t: int):
        progress = min(t - 1, self.steps) / self.steps
        return self.min_lr + 0.5 * (self.lr - self.min_lr) * (1.0 + math.cos(math.pi * progress))


class Warmup(Schedule):
    r"""Linear warm-up in front of another schedule: :math:`\eta_t = \min(1,\ t/n)\ \eta^{base}_t`.

    The first ``steps`` = n updates scale the base schedule by t/n (update 1 uses 1/n of it,
    update n all of it); from update n on it is the base schedule itself. The base keeps its own
    clock: ``Warmup(CosineDecay(lr, steps=T), steps=n)`` still reaches ``min_lr`` at T + 1.

    Args:
        schedule: the base, a :class:`Schedule` or a learning rate (float or array: constant).
        steps: warm-up length n (number of updates), an integer >= 1.
    """

    params = ("schedule", "steps")

    def __init__(self, schedule, steps: int):
        if not isinstance(schedule, Schedule):
            if isinstance(schedule, bool) or not isinstance(schedule, (numbers.Real, np.ndarray)):
                raise TypeError(
                    f"schedule must be a Schedule or a learning rate > 0, got {schedule!r}"
                )
            schedule = Constant(schedule)
        self.schedule = schedule
        self.lr = schedule.lr  # the peak rate, for code that reads ``opt.lr.lr``
        self.steps = check_int("steps", steps, 1)

    def at(self, t: int):
        return min(1.0, t / self.steps) * self.schedule.at(t)
