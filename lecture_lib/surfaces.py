r"""Test surfaces: small loss functions with analytic gradients, for watching optimizers move.

Every surface is a :class:`Surface` whose ``value`` and ``gradient`` work on points of shape
``(..., dim)`` (any leading axes, e.g. a batch of runs or a plotting grid)::

    >>> s = get_surface("bowl")
    >>> s.value(np.array([[-7.0, 2.0], [0.0, 0.0]]))
    array([6.45, 0.  ])
    >>> s.gradient(np.array([-7.0, 2.0]))
    array([-0.7,  4. ])

The registry :data:`SURFACES` holds, in lecture order:

=================  ==============================================================================
``bowl``           anisotropic bowl :math:`x^2/20 + y^2` (SGD zig-zags), start (-7, 2)
``ellipse``        :math:`0.1x^2 + 2y^2`, a steeper anisotropic bowl, start (-7, 2)
``saddle``         :math:`x^2 - y^2`, unbounded below; start (-1.5, 0) lies on the ridge y = 0,
                   along which plain SGD runs straight into the saddle point and stops
``bounded_saddle`` :math:`x^2 + y^4/4 - y^2/2`: saddle at the origin, minima at (0, +-1);
                   start (-1.5, 0.01) lies just off the ridge
``trap1d``         1-D :math:`x^6/6 - 2x^5/5 - x^4/4 + 2x^3/3` with
                   :math:`f'(x) = x^2 (x^2 - 1)(x - 2)`: global minimum at 2, a non-global local
                   minimum at -1, a local maximum at 1 and a flat inflection point at 0
                   (f' = f'' = 0). SGD(lr=0.3) from -0.5 stops in the local minimum; from 0.5
                   (the default start) it crawls into the flat inflection point (x = 0.006 after
                   300 steps, diagnosed "flat" by ``runners.run``).
``sinc``           1-D :math:`10\,\mathrm{sinc}(x) = 10\sin(\pi x)/(\pi x)` (numpy's normalized
                   sinc), start 2.0: the lecture's too-high-learning-rate example. SGD(lr=0.1)
                   keeps bouncing around the minimum at 1.43; lr >= 100 throws the iterate out
                   of the plot at once (the gradient is bounded, so it never reaches inf)
``rosenbrock``     :math:`(1 - x)^2 + 100(y - x^2)^2`, start (-1.5, 2)
``rastrigin``      :math:`20 + \sum_i (x_i^2 - 10\cos 2\pi x_i)`: a local minimum near every
                   integer point, global minimum at the origin
``abs``            :math:`|x| + |y|`: non-smooth; ``gradient`` returns the subgradient
                   ``sign`` (0 at a kink), see :func:`_abs_gradient`
=================  ==============================================================================

:func:`noisy` wraps a surface so that its gradient carries seeded Gaussian noise (a stand-in for
minibatch noise).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

__all__ = ["SURFACES", "NoisySurface", "Surface", "get_surface", "noisy"]

Array = np.ndarray


@dataclass(frozen=True, eq=False, repr=False)
class Surface:
    """A loss surface with an analytic gradient.

    Attributes:
        name: registry key, e.g. ``"bowl"``.
        title: English plain-text title for plots.
        latex: the formula as matplotlib mathtext, with ``$...$``.
        dim: number of coordinates, 1 or 2.
        bounds: ``((lo, hi), ...)``, one pair per axis: the plot window.
        start: default start point, shape ``(dim,)`` (read-only).
        minima: known minima, shape ``(k, dim)`` with the global minimum first; ``k`` may be 0
            (``saddle`` is unbounded below). Read-only.
        smooth: False when the gradient is only a subgradient (``abs``).
        value_fn, gradient_fn: the raw functions on an array ``(..., dim)``; use
            :meth:`value` / :meth:`gradient`, which check the shape first.
    """

    name: str
    title: str
    latex: str
    dim: int
    bounds: tuple[tuple[float, float], ...]
    start: Array
    minima: Array
    smooth: bool
    value_fn: Callable[[Array], Array] = field(repr=False)
    gradient_fn: Callable[[Array], Array] = field(repr=False)

    def __post_init__(self) -> None:
        start = np.array(self.start, dtype=np.float64).reshape(self.dim)
        minima = np.array(self.minima, dtype=np.float64).reshape(-1, self.dim)
        start.flags.writeable = False
        minima.flags.writeable = False
        object.__setattr__(self, "start", start)
        object.__setattr__(self, "minima", minima)
        object.__setattr__(self, "bounds", tuple((float(lo), float(hi)) for lo, hi in self.bounds))

    def __repr__(self) -> str:
        return f"Surface({self.name!r}, dim={self.dim})"

    def _points(self, p) -> Array:
        try:
            arr = np.asarray(p)
        except Exception as exc:  # ragged lists and the like
            raise TypeError(f"p must be an array of shape (..., {self.dim}), got {p!r}") from exc
        if arr.dtype.kind not in "biuf":
            raise TypeError(
                f"p must be a real numeric array of shape (..., {self.dim}), got dtype {arr.dtype}"
            )
        if arr.ndim == 0 or arr.shape[-1] != self.dim:
            raise ValueError(
                f"p must have shape (..., {self.dim}) for the {self.dim}-D surface "
                f"{self.name!r} (last axis = coordinates), got shape {arr.shape}"
            )
        return arr if arr.dtype.kind == "f" else arr.astype(np.float64)

    def value(self, p) -> Array:
        """Loss at ``p`` of shape ``(..., dim)``; returns shape ``(...)``.

        Overflow at huge finite points gives ``inf`` silently (no RuntimeWarning).
        """
        arr = self._points(p)
        with np.errstate(over="ignore", invalid="ignore", under="ignore"):
            return self.value_fn(arr)

    def gradient(self, p) -> Array:
        """Gradient (a subgradient where not smooth) at ``p`` ``(..., dim)``; same shape as p."""
        arr = self._points(p)
        with np.errstate(over="ignore", invalid="ignore", under="ignore"):
            return self.gradient_fn(arr)

    __call__ = value

    def reset(self) -> None:
        """Restore the initial state (deterministic surfaces have none; see NoisySurface)."""


@dataclass(frozen=True, eq=False, repr=False)
class NoisySurface(Surface):
    """A surface whose gradient adds ``sigma * N(0, 1)`` noise from a seeded generator.

    The value stays exact. Reproducibility: :meth:`reset` re-creates the generator from ``seed``;
    :func:`lecture_lib.runners.run` calls ``surface.reset()`` before every run, so running the same
    optimizer twice gives the same trajectory. Each call of ``gradient`` draws fresh noise with the
    shape of ``p``, so a batched sweep (``p`` of shape ``(B, dim)``) sees different noise than B
    single runs. ``base`` is the noiseless surface (runners use it for the Hessian).
    """

    sigma: float = 0.0
    seed: int = 0
    base: Surface | None = None
    _rng: list = field(default_factory=list, repr=False)

    def __post_init__(self) -> None:
        super().__post_init__()
        self.reset()

    def __repr__(self) -> str:
        return (
            f"noisy(Surface({self.name!r}, dim={self.dim}), sigma={self.sigma:g}, seed={self.seed})"
        )

    def reset(self) -> None:
        """Re-create the noise generator from ``seed``."""
        self._rng[:] = [np.random.default_rng(self.seed)]

    def gradient(self, p) -> Array:
        g = super().gradient(p)
        return g + self.sigma * self._rng[0].standard_normal(g.shape)


def noisy(surface: Surface | str, sigma: float, seed: int = 0) -> NoisySurface:
    """Wrap ``surface`` so that ``gradient`` adds Gaussian noise of standard deviation ``sigma``.

    Args:
        surface: a :class:`Surface` or a registry name.
        sigma: noise standard deviation, finite and >= 0.
        seed: seed of the ``numpy.random.Generator``, a non-negative int.
    """
    base = get_surface(surface) if isinstance(surface, str) else surface
    if not isinstance(base, Surface):
        raise TypeError(
            f"surface must be a Surface or a registry name, got {type(surface).__name__}"
        )
    if isinstance(base, NoisySurface):
        base = base.base
    if isinstance(sigma, bool) or not isinstance(sigma, (int, float, np.number)):
        raise TypeError(f"sigma must be a finite number >= 0, got {sigma!r}")
    if not np.isfinite(sigma) or sigma < 0:
        raise ValueError(f"sigma must be a finite number >= 0, got {sigma!r}")
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"seed must be a non-negative int, got {seed!r}")
    return NoisySurface(
        name=base.name,
        title=f"{base.title} with gradient noise (sigma={float(sigma):g})",
        latex=base.latex,
        dim=base.dim,
        bounds=base.bounds,
        start=base.start,
        minima=base.minima,
        smooth=base.smooth,
        value_fn=base.value_fn,
        gradient_fn=base.gradient_fn,
        sigma=float(sigma),
        seed=int(seed),
        base=base,
    )


# --- the surfaces -------------------------------------------------------------------------------


def _stack(*parts: Array) -> Array:
    return np.stack(parts, axis=-1)


def _bowl(p):
    return p[..., 0] ** 2 / 20.0 + p[..., 1] ** 2


def _bowl_gradient(p):
    return _stack(p[..., 0] / 10.0, 2.0 * p[..., 1])


def _ellipse(p):
    return 0.1 * p[..., 0] ** 2 + 2.0 * p[..., 1] ** 2


def _ellipse_gradient(p):
    return _stack(0.2 * p[..., 0], 4.0 * p[..., 1])


def _saddle(p):
    return p[..., 0] ** 2 - p[..., 1] ** 2


def _saddle_gradient(p):
    return _stack(2.0 * p[..., 0], -2.0 * p[..., 1])


def _bounded_saddle(p):
    y = p[..., 1]
    return p[..., 0] ** 2 + y**4 / 4.0 - y**2 / 2.0


def _bounded_saddle_gradient(p):
    y = p[..., 1]
    return _stack(2.0 * p[..., 0], y**3 - y)


def _trap1d(p):
    x = p[..., 0]
    return x**6 / 6.0 - 2.0 * x**5 / 5.0 - x**4 / 4.0 + 2.0 * x**3 / 3.0


def _trap1d_gradient(p):
    # f'(x) = x^2 (x^2 - 1)(x - 2): double root at 0 (flat inflection), roots at -1, 1, 2.
    x = p[..., 0]
    x2 = x * x
    return (x2 * (x2 - 1.0) * (x - 2.0))[..., None]


def _sinc(p):
    return 10.0 * np.sinc(p[..., 0])


def _sinc_gradient(p):
    r"""d/dx 10 sinc(x) = 10 (cos(pi x) - sinc(x)) / x, and 0 at x = 0.

    Near 0 the difference cancels, so for |pi x| < 0.1 the Taylor series
    10 pi (-u/3 + u^3/30 - u^5/840 + u^7/45360 - u^9/3991680), u = pi x, is used instead
    (truncation error < 1e-19 relative there).
    """
    x = p[..., 0]
    u = np.pi * x
    small = np.abs(u) < 0.1
    xs = np.where(small, 1.0, x)
    direct = 10.0 * (np.cos(np.pi * xs) - np.sinc(xs)) / xs
    u2 = u * u
    c = 1.0 / 3.0, 1.0 / 30.0, 1.0 / 840.0, 1.0 / 45360.0, 1.0 / 3991680.0
    series = 10.0 * np.pi * u * (-c[0] + u2 * (c[1] + u2 * (-c[2] + u2 * (c[3] - u2 * c[4]))))
    return np.where(small, series, direct)[..., None]


# First negative lobes of sinc: tan(u) = u at u = 4.4934..., 10.9041... (x = u / pi).
_SINC_MIN1 = 1.4302966531242027
_SINC_MIN2 = 3.47088972434702


def _rosenbrock(p):
    x, y = p[..., 0], p[..., 1]
    return (1.0 - x) ** 2 + 100.0 * (y - x * x) ** 2


def _rosenbrock_gradient(p):
    x, y = p[..., 0], p[..., 1]
    r = y - x * x
    return _stack(-2.0 * (1.0 - x) - 400.0 * x * r, 200.0 * r)


_RASTRIGIN_A = 10.0


def _rastrigin(p):
    return _RASTRIGIN_A * p.shape[-1] + np.sum(
        p * p - _RASTRIGIN_A * np.cos(2.0 * np.pi * p), axis=-1
    )


def _rastrigin_gradient(p):
    return 2.0 * p + 2.0 * np.pi * _RASTRIGIN_A * np.sin(2.0 * np.pi * p)


def _abs(p):
    return np.abs(p[..., 0]) + np.abs(p[..., 1])


def _abs_gradient(p):
    """Subgradient of |x| + |y|: ``sign`` per coordinate, with the choice 0 at a kink (x = 0).

    Any value in [-1, 1] is a valid subgradient at 0; 0 is the one that makes the minimum a point
    of zero (sub)gradient.
    """
    return np.sign(p)


def _make(name, title, latex, bounds, start, minima, value_fn, gradient_fn, smooth=True):
    return Surface(
        name=name,
        title=title,
        latex=latex,
        dim=len(bounds),
        bounds=bounds,
        start=start,
        minima=minima,
        smooth=smooth,
        value_fn=value_fn,
        gradient_fn=gradient_fn,
    )


SURFACES: dict[str, Surface] = {
    s.name: s
    for s in [
        _make(
            "bowl",
            "Anisotropic bowl",
            r"$f(x, y) = \frac{x^2}{20} + y^2$",
            ((-10.0, 10.0), (-5.0, 5.0)),
            (-7.0, 2.0),
            [(0.0, 0.0)],
            _bowl,
            _bowl_gradient,
        ),
        _make(
            "ellipse",
            "Elongated ellipse",
            r"$f(x, y) = 0.1x^2 + 2y^2$",
            ((-10.0, 10.0), (-5.0, 5.0)),
            (-7.0, 2.0),
            [(0.0, 0.0)],
            _ellipse,
            _ellipse_gradient,
        ),
        _make(
            "saddle",
            "Saddle",
            r"$f(x, y) = x^2 - y^2$",
            ((-2.0, 2.0), (-2.0, 2.0)),
            (-1.5, 0.0),
            np.empty((0, 2)),
            _saddle,
            _saddle_gradient,
        ),
        _make(
            "bounded_saddle",
            "Saddle with two minima",
            r"$f(x, y) = x^2 + \frac{y^4}{4} - \frac{y^2}{2}$",
            ((-2.0, 2.0), (-2.0, 2.0)),
            (-1.5, 0.01),
            [(0.0, 1.0), (0.0, -1.0)],
            _bounded_saddle,
            _bounded_saddle_gradient,
        ),
        _make(
            "trap1d",
            "Local minimum and flat inflection point",
            r"$f(x) = \frac{x^6}{6} - \frac{2x^5}{5} - \frac{x^4}{4} + \frac{2x^3}{3}$",
            ((-1.5, 2.4),),
            (0.5,),
            [(2.0,), (-1.0,)],
            _trap1d,
            _trap1d_gradient,
        ),
        _make(
            "sinc",
            "10 sinc(x)",
            r"$f(x) = 10\,\mathrm{sinc}(x) = \frac{10\sin(\pi x)}{\pi x}$",
            ((-4.0, 4.0),),
            (2.0,),
            [(_SINC_MIN1,), (-_SINC_MIN1,), (_SINC_MIN2,), (-_SINC_MIN2,)],
            _sinc,
            _sinc_gradient,
        ),
        _make(
            "rosenbrock",
            "Rosenbrock (a=1, b=100)",
            r"$f(x, y) = (1 - x)^2 + 100\,(y - x^2)^2$",
            ((-2.0, 2.0), (-1.0, 3.0)),
            (-1.5, 2.0),
            [(1.0, 1.0)],
            _rosenbrock,
            _rosenbrock_gradient,
        ),
        _make(
            "rastrigin",
            "Rastrigin (many local minima)",
            r"$f(x, y) = 20 + \sum_i \left(x_i^2 - 10\cos 2\pi x_i\right)$",
            ((-5.12, 5.12), (-5.12, 5.12)),
            (-3.2, 2.4),
            [(0.0, 0.0)],
            _rastrigin,
            _rastrigin_gradient,
        ),
        _make(
            "abs",
            "Absolute value (non-smooth)",
            r"$f(x, y) = |x| + |y|$",
            ((-4.0, 4.0), (-4.0, 4.0)),
            (-3.0, 2.0),
            [(0.0, 0.0)],
            _abs,
            _abs_gradient,
            smooth=False,
        ),
    ]
}


def get_surface(name: str) -> Surface:
    """The registered surface called ``name``; ValueError listing the valid names otherwise."""
    if isinstance(name, Surface):
        return name
    if not isinstance(name, str):
        raise TypeError(f"surface name must be a str, got {type(name).__name__}")
    try:
        return SURFACES[name]
    except KeyError:
        valid = ", ".join(repr(k) for k in SURFACES)
        raise ValueError(f"unknown surface {name!r}; valid names: {valid}") from None
