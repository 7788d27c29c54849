"""Test surfaces: analytic gradients, minima, the trap1d/sinc/abs specials, noise, bad input."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from lecture_lib.surfaces import SURFACES, NoisySurface, Surface, get_surface, noisy

pytestmark = pytest.mark.surfaces

NAMES = list(SURFACES)


def central_difference(surface: Surface, p: np.ndarray, h: float = 1e-6) -> np.ndarray:
    grad = np.empty_like(p)
    for i in range(surface.dim):
        e = np.zeros(surface.dim)
        e[i] = h
        grad[..., i] = (surface.value(p + e) - surface.value(p - e)) / (2 * h)
    return grad


def random_points(surface: Surface, n: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    lo = np.array([b[0] for b in surface.bounds])
    hi = np.array([b[1] for b in surface.bounds])
    p = lo + (hi - lo) * rng.random((n, surface.dim))
    if not surface.smooth:  # keep away from the kinks, where only a subgradient exists
        p = np.where(np.abs(p) < 1e-3, 0.5, p)
    return p


def test_registry_has_the_lecture_surfaces_in_order():
    assert NAMES == [
        "bowl",
        "ellipse",
        "saddle",
        "bounded_saddle",
        "trap1d",
        "sinc",
        "rosenbrock",
        "rastrigin",
        "abs",
    ]


@pytest.mark.parametrize("name", NAMES)
def test_gradient_matches_central_differences(name):
    s = get_surface(name)
    p = random_points(s, 500)
    analytic = s.gradient(p)
    numeric = central_difference(s, p)
    scale = np.maximum(np.abs(analytic), 1.0)
    rel = np.abs(analytic - numeric) / scale
    assert analytic.shape == p.shape
    assert rel.max() < 1e-6, f"{name}: max relative error {rel.max():.2e}"


@pytest.mark.parametrize("name", NAMES)
def test_fields_and_shapes(name):
    s = get_surface(name)
    assert s.name == name
    assert s.dim in (1, 2)
    assert len(s.bounds) == s.dim
    assert all(lo < hi for lo, hi in s.bounds)
    assert s.start.shape == (s.dim,)
    assert s.minima.ndim == 2 and s.minima.shape[1] == s.dim
    assert s.latex.startswith("$") and s.latex.endswith("$")
    assert s.title and s.title.isascii()
    for (lo, hi), x in zip(s.bounds, s.start, strict=True):
        assert lo <= x <= hi
    # vectorized over any leading axes, and equal to point-by-point evaluation
    p = random_points(s, 12, seed=1).reshape(3, 4, s.dim)
    v = s.value(p)
    g = s.gradient(p)
    assert v.shape == (3, 4) and g.shape == (3, 4, s.dim)
    assert v[2, 1] == s.value(p[2, 1]) and np.array_equal(g[2, 1], s.gradient(p[2, 1]))
    assert np.array_equal(s(p), v)


@pytest.mark.parametrize("name", [n for n in NAMES if len(SURFACES[n].minima)])
def test_minima_have_zero_gradient_and_global_comes_first(name):
    s = get_surface(name)
    assert np.abs(s.gradient(s.minima)).max() < 1e-12
    values = s.value(s.minima)
    assert values[0] == pytest.approx(values.min(), abs=1e-12)


def test_known_values():
    assert get_surface("bowl").value(np.array([-7.0, 2.0])) == pytest.approx(6.45)
    assert get_surface("ellipse").value(np.array([1.0, 1.0])) == pytest.approx(2.1)
    assert get_surface("rosenbrock").value(np.array([-1.5, 2.0])) == pytest.approx(12.5)
    assert get_surface("rastrigin").value(np.array([0.0, 0.0])) == 0.0
    assert get_surface("sinc").value(np.array([0.0])) == 10.0
    assert np.array_equal(get_surface("saddle").gradient(np.array([1.0, 2.0])), [2.0, -4.0])
    assert np.array_equal(get_surface("bounded_saddle").gradient(np.zeros(2)), [0.0, 0.0])


def test_trap1d_has_local_minimum_and_flat_inflection():
    s = get_surface("trap1d")
    x = lambda v: np.array([v])  # noqa: E731
    # critical points: global min 2, local min -1, local max 1, flat inflection 0
    for c in (-1.0, 0.0, 1.0, 2.0):
        assert s.gradient(x(c))[0] == 0.0
    h = 1e-4
    second = lambda v: (s.gradient(x(v + h)) - s.gradient(x(v - h)))[0] / (2 * h)  # noqa: E731
    assert second(-1.0) == pytest.approx(6.0, rel=1e-6)
    assert second(2.0) == pytest.approx(12.0, rel=1e-6)
    assert second(1.0) == pytest.approx(-2.0, rel=1e-6)
    assert abs(second(0.0)) < 1e-7  # f''(0) = 0: inflection, not an extremum
    # the slope keeps its sign across 0 (increasing on both sides)
    assert s.gradient(x(-0.1))[0] > 0 and s.gradient(x(0.1))[0] > 0
    assert s.value(x(-1.0)) > s.value(x(2.0))  # the local minimum is not global
    assert s.value(x(-1.0)) == pytest.approx(-0.35) and s.value(x(2.0)) == pytest.approx(-0.8)


def test_sinc_gradient_at_and_near_zero():
    s = get_surface("sinc")
    assert s.gradient(np.array([0.0]))[0] == 0.0
    # the series branch (|pi x| < 0.1) and the direct formula agree across the switch
    xs = np.array([0.1 / np.pi * (1 - 1e-9), 0.1 / np.pi * (1 + 1e-9)])
    g = s.gradient(xs[:, None])[:, 0]
    assert g[0] == pytest.approx(g[1], rel=1e-7)
    # exact slope near 0: f'(x) ~ -10 pi^2 x / 3
    x = 1e-7
    assert s.gradient(np.array([x]))[0] == pytest.approx(-10 * np.pi**2 * x / 3, rel=1e-12)
    # d/dx at the start 2.0: 10 cos(2 pi) / 2 = 5
    assert s.gradient(np.array([2.0]))[0] == pytest.approx(5.0, rel=1e-14)
    assert s.start.tolist() == [2.0]


def test_abs_uses_sign_subgradient():
    s = get_surface("abs")
    assert not s.smooth
    g = s.gradient(np.array([[0.0, -2.0], [3.0, 0.0], [0.0, 0.0]]))
    assert g.tolist() == [[0.0, -1.0], [1.0, 0.0], [0.0, 0.0]]
    assert all(SURFACES[n].smooth for n in NAMES if n != "abs")


def test_latex_is_valid_mathtext():
    from matplotlib.mathtext import MathTextParser

    parser = MathTextParser("path")
    for s in SURFACES.values():
        parser.parse(s.latex)


def test_surface_is_frozen_and_read_only():
    s = get_surface("bowl")
    with pytest.raises(dataclasses.FrozenInstanceError):
        s.name = "other"
    with pytest.raises(ValueError):
        s.start[0] = 1.0
    with pytest.raises(ValueError):
        s.minima[0, 0] = 1.0
    assert repr(s) == "Surface('bowl', dim=2)"


def test_noisy_is_reproducible_after_reset():
    base = get_surface("bowl")
    s = noisy(base, sigma=0.5, seed=3)
    assert isinstance(s, NoisySurface) and s.name == "bowl" and s.base is base
    p = np.array([[1.0, 1.0], [2.0, -1.0]])
    g1 = s.gradient(p)
    g2 = s.gradient(p)
    assert not np.array_equal(g1, g2)  # fresh noise per call
    s.reset()
    assert np.array_equal(s.gradient(p), g1)
    noise = g1 - base.gradient(p)
    expected = 0.5 * np.random.default_rng(3).standard_normal((2, 2))
    np.testing.assert_allclose(noise, expected, rtol=0, atol=1e-15)
    assert np.array_equal(s.value(p), base.value(p))
    assert np.array_equal(noisy("sinc", 0.0, 1).gradient(np.array([2.0])), [5.0])
    assert "sigma=0.5" in s.title and "seed=3" in repr(s)


@pytest.mark.parametrize(
    ("kwargs", "exc", "match"),
    [
        ({"sigma": -1.0}, ValueError, "sigma must be a finite number >= 0"),
        ({"sigma": float("nan")}, ValueError, "sigma"),
        ({"sigma": "big"}, TypeError, "sigma"),
        ({"sigma": 0.1, "seed": -1}, ValueError, "seed must be a non-negative int"),
    ],
)
def test_noisy_bad_input(kwargs, exc, match):
    with pytest.raises(exc, match=match):
        noisy("bowl", **kwargs)


def test_unknown_name_lists_valid_names():
    with pytest.raises(
        ValueError, match=r"unknown surface 'bowel'; valid names: 'bowl', 'ellipse'"
    ):
        get_surface("bowel")
    with pytest.raises(TypeError, match="surface name must be a str"):
        get_surface(3)


@pytest.mark.parametrize(
    ("name", "p", "shape"),
    [
        ("bowl", np.zeros(3), r"\(3,\)"),
        ("bowl", np.zeros((4, 1)), r"\(4, 1\)"),
        ("bowl", np.float64(1.0), r"\(\)"),
        ("sinc", np.zeros(2), r"\(2,\)"),
    ],
)
def test_wrong_trailing_dimension(name, p, shape):
    s = get_surface(name)
    with pytest.raises(
        ValueError, match=rf"p must have shape \(\.\.\., {s.dim}\).*got shape {shape}"
    ):
        s.value(p)
    with pytest.raises(ValueError, match="p must have shape"):
        s.gradient(p)


def test_non_numeric_points_rejected():
    with pytest.raises(TypeError, match="p must be a real numeric array"):
        get_surface("bowl").value(np.array(["a", "b"]))
    # integers are accepted and promoted
    assert get_surface("bowl").gradient(np.array([10, 1])).tolist() == [1.0, 2.0]
