"""Learning-rate schedules: values per 1-based update index, validation, repr."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from lecture_lib.schedules import (
    Constant,
    CosineDecay,
    ExponentialDecay,
    InverseTimeDecay,
    Schedule,
    StepDecay,
    Warmup,
)

pytestmark = pytest.mark.schedules


def test_constant():
    s = Constant(0.1)
    assert [s(t) for t in (1, 2, 1000)] == [0.1, 0.1, 0.1]


def test_step_decay_starts_at_lr_and_halves_every_stage():
    s = StepDecay(0.8, factor=0.5, every=3)
    assert [s(t) for t in range(1, 10)] == [0.8, 0.8, 0.8, 0.4, 0.4, 0.4, 0.2, 0.2, 0.2]


def test_exponential_decay():
    s = ExponentialDecay(0.5, gamma=0.9)
    assert s(1) == 0.5
    assert s(3) == pytest.approx(0.5 * 0.81, rel=1e-15)
    assert s(101) == pytest.approx(0.5 * 0.9**100, rel=1e-13)


def test_inverse_time_decay():
    s = InverseTimeDecay(0.3, k=0.5)
    assert s(1) == pytest.approx(0.3 / 1.5, rel=1e-15)
    assert s(4) == pytest.approx(0.3 / 3.0, rel=1e-15)
    assert InverseTimeDecay(0.3, k=0.0)(1000) == 0.3


def test_array_lr_gives_an_array_per_run():
    s = InverseTimeDecay(np.array([[0.1], [1.0]]), k=1.0)
    np.testing.assert_allclose(s(1), [[0.05], [0.5]], rtol=1e-15)
    assert s(1).shape == (2, 1)


def test_every_schedule_is_a_schedule_and_decreases():
    for s in (
        Constant(1.0),
        StepDecay(1.0, 0.5, 2),
        ExponentialDecay(1.0, 0.9),
        InverseTimeDecay(1.0),
        CosineDecay(1.0, 10),
    ):
        assert isinstance(s, Schedule)
        values = [s(t) for t in range(1, 20)]
        assert all(b <= a for a, b in itertools.pairwise(values))


@pytest.mark.parametrize(
    ("make", "name"),
    [
        (lambda: Constant(0.0), "lr"),
        (lambda: Constant(-1.0), "lr"),
        (lambda: Constant(float("nan")), "lr"),
        (lambda: Constant(float("inf")), "lr"),
        (lambda: Constant("0.1"), "lr"),
        (lambda: Constant(np.array([0.1, 0.0])), "lr"),
        (lambda: StepDecay(0.1, factor=0.0), "factor"),
        (lambda: StepDecay(0.1, factor=1.5), "factor"),
        (lambda: StepDecay(0.1, every=0), "every"),
        (lambda: StepDecay(0.1, every=2.5), "every"),
        (lambda: ExponentialDecay(0.1, gamma=0.0), "gamma"),
        (lambda: ExponentialDecay(0.1, gamma=1.01), "gamma"),
        (lambda: InverseTimeDecay(0.1, k=-0.1), "k"),
        (lambda: InverseTimeDecay(0.1, k=float("nan")), "k"),
    ],
)
def test_bad_arguments_name_the_parameter(make, name):
    with pytest.raises((ValueError, TypeError), match=rf"^{name} must be"):
        make()


@pytest.mark.parametrize("t", [0, -1, 1.5, True, "1"])
def test_t_is_a_one_based_integer(t):
    with pytest.raises((ValueError, TypeError), match=r"t \(the 1-based update index\) must be"):
        Constant(0.1)(t)


def test_repr_is_compact():
    assert repr(Constant(0.1)) == "Constant(lr=0.1)"
    assert repr(StepDecay(0.1, 0.5, 10)) == "StepDecay(lr=0.1, factor=0.5, every=10)"
    assert repr(ExponentialDecay(0.1, 0.99)) == "ExponentialDecay(lr=0.1, gamma=0.99)"
    assert repr(InverseTimeDecay(0.1, 0.01)) == "InverseTimeDecay(lr=0.1, k=0.01)"
    assert repr(Constant(np.ones((3, 1)))) == "Constant(lr=array(3, 1))"


def test_cosine_decay_exact_at_the_boundaries():
    s = CosineDecay(0.5, steps=4)
    assert s(1) == 0.5  # cos(0) = 1: the full rate
    assert s(5) == 0.0  # cos(pi) = -1: update T + 1 reaches min_lr
    assert s(6) == s(1000) == 0.0  # and stays there
    assert s(3) == pytest.approx(0.25, rel=1e-15)  # half way: cos(pi/2) = 0
    assert s(2) == pytest.approx(0.25 * (1 + np.cos(np.pi / 4)), rel=1e-15)
    floor = CosineDecay(0.5, steps=4, min_lr=0.125)
    assert floor(1) == 0.5
    assert floor(5) == floor(99) == 0.125
    assert floor(3) == pytest.approx(0.3125, rel=1e-15)


def test_cosine_decay_last_update_of_a_run_is_just_above_min_lr():
    T = 1200
    s = CosineDecay(0.1, steps=T)
    assert 0 < s(T) == pytest.approx(0.1 * (np.pi / (2 * T)) ** 2, rel=1e-5)


def test_cosine_decay_is_symmetric_about_the_middle():
    s = CosineDecay(1.0, steps=10, min_lr=0.2)
    for t in range(1, 11):
        assert s(t) + s(12 - t) == pytest.approx(1.2, rel=1e-14)


def test_warmup_ramps_linearly_then_is_the_base():
    s = Warmup(0.1, steps=4)
    assert [s(t) for t in (1, 2, 3, 4, 5, 100)] == [0.1 / 4, 0.1 / 2, 0.1 * 3 / 4, 0.1, 0.1, 0.1]
    base = CosineDecay(0.8, steps=8)
    w = Warmup(base, steps=2)
    assert w(1) == base(1) / 2
    assert [w(t) for t in range(2, 12)] == [base(t) for t in range(2, 12)]
    assert w(9) == 0.0  # the base keeps its own clock: min_lr at T + 1
    assert w.lr == 0.8


def test_warmup_of_a_step_decay_and_of_an_array():
    w = Warmup(StepDecay(1.0, factor=0.5, every=2), steps=4)
    assert [w(t) for t in range(1, 7)] == [0.25, 0.5, 0.375, 0.5, 0.25, 0.25]
    arr = Warmup(CosineDecay(np.array([[0.1], [1.0]]), steps=10), steps=5)
    np.testing.assert_allclose(arr(1), [[0.02], [0.2]], rtol=1e-15)
    assert arr(1).shape == (2, 1)


def test_warmup_of_a_constant_equals_a_plain_lr_after_the_ramp():
    assert all(Warmup(Constant(0.3), 1)(t) == 0.3 for t in (1, 2, 50))
    assert Warmup(0.3, 1)(1) == 0.3


def test_cosine_decay_never_increases_and_warmup_never_decreases_during_the_ramp():
    cos = [CosineDecay(1.0, steps=50, min_lr=0.1)(t) for t in range(1, 60)]
    assert all(b <= a for a, b in itertools.pairwise(cos))
    ramp = [Warmup(CosineDecay(1.0, steps=50), steps=10)(t) for t in range(1, 11)]
    assert all(b > a for a, b in itertools.pairwise(ramp))


@pytest.mark.parametrize(
    ("make", "name"),
    [
        (lambda: CosineDecay(0.1, steps=0), "steps"),
        (lambda: CosineDecay(0.1, steps=10.0), "steps"),
        (lambda: CosineDecay(0.1, steps=10, min_lr=-0.01), "min_lr"),
        (lambda: CosineDecay(0.1, steps=10, min_lr=0.2), "min_lr"),
        (lambda: CosineDecay(np.array([0.1, 0.01]), steps=10, min_lr=0.05), "min_lr"),
        (lambda: CosineDecay(0.0, steps=10), "lr"),
        (lambda: Warmup(0.1, steps=0), "steps"),
        (lambda: Warmup(CosineDecay(0.1, 10), steps=True), "steps"),
        (lambda: Warmup("0.1", steps=3), "schedule"),
        (lambda: Warmup(None, steps=3), "schedule"),
        (lambda: Warmup(-0.1, steps=3), "lr"),
    ],
)
def test_bad_cosine_and_warmup_arguments_name_the_parameter(make, name):
    with pytest.raises((ValueError, TypeError), match=rf"^{name} must be"):
        make()


def test_cosine_and_warmup_repr():
    assert repr(CosineDecay(0.1, 100)) == "CosineDecay(lr=0.1, steps=100, min_lr=0.0)"
    assert repr(Warmup(CosineDecay(0.1, 100), 5)) == (
        "Warmup(schedule=CosineDecay(lr=0.1, steps=100, min_lr=0.0), steps=5)"
    )
    assert repr(Warmup(0.1, 5)) == "Warmup(schedule=Constant(lr=0.1), steps=5)"
