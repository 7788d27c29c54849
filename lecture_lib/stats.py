r"""Small-sample statistics for comparing optimizers, in plain numpy and exact integer arithmetic.

- :func:`mean_ci`: mean and 95% confidence interval from Student's t distribution, for a few
  seeds (with n = 5 seeds the interval is mean ± 2.776 s/√5, not ± 1.96 s/√5).
- :func:`paired_t_test`: two methods run with the same seeds; the test is on the per-seed
  differences, so what both runs of a seed share (the same initial weights and minibatch order)
  cancels.
- :func:`mcnemar_exact`: two classifiers on the same test images; only the images on which
  exactly one of them is right count, and under "no difference" each such image is a fair coin.
- :func:`holm`: several tests at once (Holm, 1979), so that "differs" is not claimed by chance.

The t distribution is computed from the closed forms for integer degrees of freedom
(Abramowitz & Stegun, 26.7.3-4), with no scipy needed.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from lecture_lib._checks import check_int, check_number

__all__ = [
    "Interval",
    "McNemar",
    "PairedT",
    "holm",
    "mcnemar_exact",
    "mean_ci",
    "paired_t_test",
    "t_quantile",
    "t_two_sided_p",
]


def _t_inside(t: float, df: int) -> float:
    """P(|T| <= t) for Student's T with ``df`` degrees of freedom (A&S 26.7.3-4), t >= 0."""
    theta = math.atan(t / math.sqrt(df))
    s, c = math.sin(theta), math.cos(theta)
    if df % 2 == 1:  # odd: (2/pi) (theta + sin cos (1 + 2/3 cos^2 + 2*4/(3*5) cos^4 + ...))
        term, total = 1.0, 1.0 if df > 1 else 0.0
        for k in range(1, (df - 1) // 2):
            term *= (2 * k) / (2 * k + 1) * c * c
            total += term
        return min(1.0, 2.0 / math.pi * (theta + s * c * total))
    term, total = 1.0, 1.0  # even: sin (1 + 1/2 cos^2 + 1*3/(2*4) cos^4 + ...)
    for k in range(1, df // 2):
        term *= (2 * k - 1) / (2 * k) * c * c
        total += term
    return min(1.0, s * total)


def t_two_sided_p(t: float, df: int) -> float:
    """Two-sided p-value P(|T| >= |t|) of Student's t with ``df`` (an int >= 1) degrees of
    freedom."""
    df = check_int("df", df, 1)
    if math.isnan(t):
        raise ValueError("t must be a number, got nan")
    if math.isinf(t):
        return 0.0
    return max(0.0, 1.0 - _t_inside(abs(t), df))


def t_quantile(confidence: float, df: int) -> float:
    """The t with P(|T| <= t) = ``confidence``: the half-width of an interval in standard errors.

    ``t_quantile(0.95, 4)`` = 2.776 (five seeds); it tends to 1.960 as ``df`` grows.
    """
    confidence = check_number("confidence", confidence, 0.0, 1.0, low_open=True, high_open=True)
    df = check_int("df", df, 1)
    low, high = 0.0, 1.0
    while _t_inside(high, df) < confidence:
        high *= 2.0
    for _ in range(200):  # bisection to the last bit
        mid = 0.5 * (low + high)
        if mid in (low, high):
            break
        low, high = (mid, high) if _t_inside(mid, df) < confidence else (low, mid)
    return high


def _values(name: str, values, min_n: int = 2) -> np.ndarray:
    x = np.asarray(values, dtype=float)
    if x.ndim != 1 or len(x) < min_n:
        raise ValueError(
            f"{name} must be a 1-D sequence of at least {min_n} numbers, got {x.shape}"
        )
    if not np.isfinite(x).all():
        raise ValueError(f"{name} must be finite, got {x[~np.isfinite(x)][:3].tolist()}")
    return x


@dataclass(frozen=True)
class Interval:
    """``mean`` ± ``half``: a ``confidence`` interval from ``n`` values."""

    mean: float
    half: float
    n: int
    confidence: float = 0.95

    @property
    def low(self) -> float:
        return self.mean - self.half

    @property
    def high(self) -> float:
        return self.mean + self.half

    def __str__(self) -> str:
        return f"{self.mean:.4f} ± {self.half:.4f}"


def mean_ci(values, confidence: float = 0.95) -> Interval:
    r"""Mean and t interval: :math:`\bar x \pm t_{n-1}\, s / \sqrt n` (s with n - 1)."""
    x = _values("values", values)
    n = len(x)
    half = t_quantile(confidence, n - 1) * x.std(ddof=1) / math.sqrt(n)
    return Interval(float(x.mean()), float(half), n, confidence)


@dataclass(frozen=True)
class PairedT:
    """Paired t-test of a - b: mean difference with its interval, t, degrees of freedom, p."""

    diff: Interval
    t: float
    df: int
    p: float


def paired_t_test(a, b, confidence: float = 0.95) -> PairedT:
    r"""Paired t-test on :math:`d_i = a_i - b_i`: :math:`t = \bar d / (s_d / \sqrt n)`, df = n - 1.

    ``a[i]`` and ``b[i]`` must come from the same seed. If every difference is the same, s_d = 0:
    then p = 1 for a zero difference and p = 0 otherwise.
    """
    a, b = _values("a", a), _values("b", b)
    if a.shape != b.shape:
        raise ValueError(f"a and b must pair up (same length), got {len(a)} and {len(b)}")
    d = a - b
    n, sd = len(d), d.std(ddof=1)
    mean = float(d.mean())
    if sd == 0:
        t = 0.0 if mean == 0 else math.copysign(math.inf, mean)
    else:
        t = mean / (sd / math.sqrt(n))
    return PairedT(mean_ci(d, confidence), t, n - 1, t_two_sided_p(t, n - 1))


@dataclass(frozen=True)
class McNemar:
    """McNemar's exact test: ``only_a`` images only a got right, ``only_b`` only b, and p."""

    only_a: int
    only_b: int
    p: float


def mcnemar_exact(correct_a, correct_b) -> McNemar:
    r"""Exact McNemar test of two classifiers on the same images (two-sided).

    Of the :math:`n = n_a + n_b` images where exactly one is right, under "equally good" each is
    a fair coin flip, so :math:`p = \min(1,\ 2 \sum_{k \le \min(n_a, n_b)} \binom{n}{k} / 2^n)`,
    computed with exact integers.
    """
    a, b = np.asarray(correct_a), np.asarray(correct_b)
    if a.dtype != bool or b.dtype != bool or a.ndim != 1 or a.shape != b.shape:
        raise ValueError(
            "correct_a and correct_b must be boolean arrays of one shape (one entry per image), "
            f"got {a.dtype} {a.shape} and {b.dtype} {b.shape}"
        )
    only_a, only_b = int(np.sum(a & ~b)), int(np.sum(~a & b))
    n = only_a + only_b
    tail = sum(math.comb(n, k) for k in range(min(only_a, only_b) + 1))
    return McNemar(only_a, only_b, min(1.0, 2 * tail / 2**n))


def holm(pvalues) -> np.ndarray:
    r"""Holm's step-down adjustment: reject where the adjusted p < alpha (family-wise error).

    With the m p-values sorted ascending,
    :math:`\tilde p_{(i)} = \max_{j \le i} \min(1, (m - j + 1)\, p_{(j)})`; returned in the
    original order.
    """
    p = np.asarray(pvalues, dtype=float)
    if p.ndim != 1 or not ((p >= 0) & (p <= 1)).all():
        raise ValueError(f"pvalues must be a 1-D sequence of numbers in [0, 1], got {pvalues!r}")
    m = len(p)
    order = np.argsort(p, kind="stable")
    scaled = np.minimum(1.0, (m - np.arange(m)) * p[order])
    adjusted = np.empty(m)
    adjusted[order] = np.maximum.accumulate(scaled)
    return adjusted
