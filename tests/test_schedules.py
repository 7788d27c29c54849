"""Learning-rate schedules: values per 1-based update index, validation, repr."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from lecture_lib.schedules import (
    Constant,
    ExponentialDecay,
    InverseTimeDecay,
    Schedule,
    StepDecay,
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
