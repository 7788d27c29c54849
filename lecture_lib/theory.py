r"""Quadratic theory: the numbers to predict before measuring (step-size limits, rates, horizons).

Near a point :math:`\theta^*` a smooth loss is, to second order, the quadratic
:math:`f(\theta) \approx f^* + \tfrac12 (\theta-\theta^*)^\top H (\theta-\theta^*)` (plus a linear
term away from a minimum). In the eigenbasis of the Hessian :math:`H` every coordinate :math:`c_i`
moves on its own: SGD gives :math:`c_i \leftarrow (1 - \eta\lambda_i)\, c_i`. So the eigenvalues
:math:`\lambda_{\min} \le \dots \le \lambda_{\max}` decide everything: SGD is stable while
:math:`|1 - \eta\lambda_i| < 1` for every :math:`i` (:math:`\eta < 2/\lambda_{\max}`), and the
condition number :math:`\kappa = \lambda_{\max}/\lambda_{\min}` sets the best rate. On ``bowl``,
``ellipse`` and ``saddle`` the model is exact; elsewhere it holds near the point analysed.

Sources: Polyak (1964), "Some methods of speeding up the convergence of iteration methods";
Goh (2017), "Why Momentum Really Works", Distill; Zhang et al., *Dive into Deep Learning*, ch. 12;
Kingma & Ba (2015), "Adam: A Method for Stochastic Optimization".

::

    a = analyze("bowl")                      # the Hessian at the minimum (0, 0)
    print(a.summary())
    sgd_rate_at(a, lr=0.5)                    # max_i |1 - 0.5 lambda_i| = 0.95
    sharpness("rosenbrock", traj, lr=0.002)   # eta * lambda_max(theta_t) for every iterate
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import ArrayLike

from lecture_lib._checks import check_int, check_number, check_positive
from lecture_lib.schedules import Schedule
from lecture_lib.surfaces import Surface, get_surface

if TYPE_CHECKING:  # runners import this module
    from lecture_lib.runners import Trajectory

__all__ = [
    "Curvature",
    "adam_spike_step",
    "adam_step_sup",
    "analyze",
    "ema_horizon",
    "envelope",
    "minibatch_std_factor",
    "momentum_effective_lr",
    "momentum_rate_at",
    "numerical_hessian",
    "rmsprop_adagrad_factor",
    "saddle_escape_steps",
    "sgd_rate_at",
    "sharpness",
]

# analyze(): |lambda| <= ZERO_TOL * max(1, max|lambda|) is set to 0. The numerical Hessian's error
# is below 2e-8 of that scale on every smooth surface here (random points of each plot box);
# trap1d's flat point gives -1e-10 instead of 0.
ZERO_TOL = 1e-6


def _unit(name: str, value):
    """``value`` in [0, 1) (a momentum or decay rate), a float or an array."""
    return check_number(name, value, 0.0, 1.0, low_open=False, high_open=True)


def _lr(value):
    """A learning rate > 0, a float or an array."""
    return check_number("lr", value, 0.0, np.inf, low_open=True, high_open=True)


def _surface(surface, *, smooth: bool = True) -> Surface:
    """A Surface or registry name (``smooth``: refuse ``abs``); a NoisySurface gives its base."""
    surface = get_surface(surface) if isinstance(surface, str) else surface
    if not isinstance(surface, Surface):
        raise TypeError(f"surface must be a Surface or a registry name, got {surface!r}")
    surface = getattr(surface, "base", None) or surface
    if smooth and not surface.smooth:
        raise ValueError(f"the Hessian is undefined on the non-smooth surface {surface.name!r}")
    return surface


def _points(surface: Surface, points) -> np.ndarray:
    """``points`` as finite float64 of shape (..., dim); a number is a point of a 1-D surface."""
    try:
        arr = np.array(points, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"points must be numbers of shape (..., {surface.dim})") from exc
    if arr.ndim == 0 and surface.dim == 1:
        arr = arr.reshape(1)
    if arr.ndim == 0 or arr.shape[-1] != surface.dim:
        raise ValueError(
            f"points must have shape (..., {surface.dim}) for {surface.name!r}, got {arr.shape}"
        )
    if not np.isfinite(arr).all():
        raise ValueError("points must be finite (a diverged iterate has no Hessian)")
    return arr


def numerical_hessian(
    surface: Surface | str, points: ArrayLike, h: float | None = None
) -> np.ndarray:
    r"""Symmetric Hessian at ``points`` (..., dim) by central differences of the analytic gradient.

    .. math:: H_{i\cdot} = \frac{\nabla f(\theta + h e_i) - \nabla f(\theta - h e_i)}{2h},
        \qquad H \leftarrow \tfrac12 (H + H^\top)

    Returns shape (..., dim, dim). ``h`` (> 0) defaults to ``1e-5 * max(1, max|theta|)`` per
    point. Exact up to rounding on quadratic surfaces; error O(h^2) elsewhere. A NoisySurface is
    differentiated through its noiseless ``base``. On ``abs`` this differentiates the subgradient
    (0 off the axes, about 1/h at a kink); :func:`analyze` and :func:`sharpness` refuse it.
    """
    surface = _surface(surface, smooth=False)
    theta = _points(surface, points)[..., None, :]  # (..., 1, dim)
    if h is None:
        h = 1e-5 * np.maximum(1.0, np.abs(theta).max(axis=-1, keepdims=True))  # (..., 1, 1)
    else:
        h = check_positive("h", h)
    e = np.eye(surface.dim)  # row i is e_i
    H = (surface.gradient(theta + h * e) - surface.gradient(theta - h * e)) / (2 * h)
    return (H + np.swapaxes(H, -1, -2)) / 2


@dataclass(frozen=True, eq=False)
class Curvature:
    """The Hessian's eigenvalues at one point, and what the quadratic model predicts from them.

    Attributes:
        surface: the surface's name. point: (dim,) where the Hessian was taken.
        eigenvalues: (dim,) ascending; values within ``ZERO_TOL`` (relative) of 0 are set to 0.

    Every rate below is per update and describes the distance to the minimum; the loss gap
    shrinks by its square. Quantities built on kappa need ``convex`` (all eigenvalues > 0);
    ``sgd_lr_max`` and ``momentum_lr_max`` need only lambda_max > 0. Otherwise they raise a
    ValueError that names the eigenvalues (never NaN).
    """

    surface: str
    point: np.ndarray
    eigenvalues: np.ndarray

    @property
    def convex(self) -> bool:
        """True when every eigenvalue is > 0: a strict local minimum of the quadratic model."""
        return bool(self.eigenvalues[0] > 0)

    @property
    def lambda_min(self) -> float:
        return float(self.eigenvalues[0])

    @property
    def lambda_max(self) -> float:
        return float(self.eigenvalues[-1])

    def _require_positive(self, name: str, lam: float) -> None:
        if lam <= 0:
            raise ValueError(
                f"{name} is undefined at {self.point.tolist()} on {self.surface!r}: the Hessian "
                f"there has eigenvalue(s) <= 0 ({self.eigenvalues.tolist()}), and the quadratic "
                "theory needs them > 0 (check .convex first)"
            )

    def _kappa(self, name: str) -> float:
        self._require_positive(name, self.lambda_min)
        return self.lambda_max / self.lambda_min

    @property
    def condition_number(self) -> float:
        """kappa = lambda_max / lambda_min (1 for a 1-D surface)."""
        return self._kappa("condition_number")

    @property
    def sgd_lr_max(self) -> float:
        """2 / lambda_max: above it |1 - eta lambda_max| > 1 and SGD diverges (d2l 12.3)."""
        self._require_positive("sgd_lr_max", self.lambda_max)
        return 2 / self.lambda_max

    @property
    def sgd_lr_best(self) -> float:
        """2 / (lambda_min + lambda_max): makes |1 - eta lambda_min| = |1 - eta lambda_max|."""
        self._require_positive("sgd_lr_best", self.lambda_min)
        return 2 / (self.lambda_min + self.lambda_max)

    @property
    def sgd_rate(self) -> float:
        """(kappa - 1) / (kappa + 1): SGD's contraction per step at ``sgd_lr_best``."""
        kappa = self._kappa("sgd_rate")
        return (kappa - 1) / (kappa + 1)

    @property
    def momentum_alpha_best(self) -> float:
        """((sqrt(kappa) - 1) / (sqrt(kappa) + 1))^2: Polyak's optimal momentum (Goh 2017)."""
        s = math.sqrt(self._kappa("momentum_alpha_best"))
        return ((s - 1) / (s + 1)) ** 2

    @property
    def momentum_lr_best(self) -> float:
        """(2 / (sqrt(lambda_min) + sqrt(lambda_max)))^2: Polyak's optimal step size."""
        self._require_positive("momentum_lr_best", self.lambda_min)
        return (2 / (math.sqrt(self.lambda_min) + math.sqrt(self.lambda_max))) ** 2

    @property
    def momentum_rate(self) -> float:
        """(sqrt(kappa) - 1) / (sqrt(kappa) + 1): Momentum's contraction at the best (lr, alpha)."""
        s = math.sqrt(self._kappa("momentum_rate"))
        return (s - 1) / (s + 1)

    def momentum_lr_max(self, alpha: float) -> float:
        """2 (1 + alpha) / lambda_max: Momentum diverges above it (the stability region)."""
        alpha = _unit("alpha", alpha)
        self._require_positive("momentum_lr_max", self.lambda_max)
        return 2 * (1 + alpha) / self.lambda_max

    def summary(self) -> str:
        """A few lines to print: eigenvalues, kappa, and the SGD / Momentum predictions."""
        eig = ", ".join(f"{v:.4g}" for v in self.eigenvalues)
        where = ", ".join(f"{v:.4g}" for v in self.point)
        head = f"{self.surface} at ({where}): Hessian eigenvalues [{eig}]"
        if not self.convex:
            return head + ": not a minimum (an eigenvalue <= 0), no convergence rate applies"
        return (
            f"{head}, condition number {self.condition_number:.4g}\n"
            f"SGD: diverges above lr {self.sgd_lr_max:.4g}; best lr {self.sgd_lr_best:.4g}, "
            f"rate {self.sgd_rate:.4g} per step\n"
            f"Momentum: best alpha {self.momentum_alpha_best:.4g}, best lr "
            f"{self.momentum_lr_best:.4g}, rate {self.momentum_rate:.4g} per step"
        )


def analyze(surface: Surface | str, point: ArrayLike | None = None) -> Curvature:
    """The Hessian's eigenvalues at ``point`` and the predictions built on them (a Curvature).

    ``point`` defaults to the surface's global minimum ``surface.minima[0]``; ``saddle`` has none,
    so pass e.g. ``(0, 0)``. A NoisySurface is analysed through its base; ``abs`` is refused.
    """
    surface = _surface(surface)
    if point is None:
        if len(surface.minima) == 0:
            raise ValueError(
                f"surface {surface.name!r} has no known minimum: pass point=, e.g. (0, 0)"
            )
        point = surface.minima[0]
    p = _points(surface, point)
    if p.shape != (surface.dim,):
        raise ValueError(f"point must have shape ({surface.dim},), got {p.shape}")
    eig = np.linalg.eigvalsh(numerical_hessian(surface, p))
    eig[np.abs(eig) <= ZERO_TOL * max(1.0, float(np.abs(eig).max()))] = 0.0
    p.flags.writeable = eig.flags.writeable = False
    return Curvature(surface=surface.name, point=p, eigenvalues=eig)


def sharpness(
    surface: Surface | str, points: ArrayLike | Trajectory, lr: float | ArrayLike | Schedule
) -> np.ndarray:
    """eta_t * lambda_max(theta_t) at every iterate: (n,) for ``points`` (n, dim) or a Trajectory.

    The update leaving theta_t moves SGD away along the steepest direction when this exceeds 2
    (Momentum: 2 (1 + alpha)). ``lr``: a float; a Schedule (the update leaving theta_t is update
    t + 1, so it uses ``lr(t + 1)``); or an array of n values, one per iterate. A negative value
    means no direction curves upwards there.
    """
    surface = _surface(surface)
    theta = _points(surface, getattr(points, "points", points))
    if theta.ndim != 2:
        raise ValueError(f"points must have shape (n, {surface.dim}), got {theta.shape}")
    if isinstance(lr, Schedule):
        lr = np.array([lr(t + 1) for t in range(len(theta))], dtype=np.float64)
    lr = _lr(lr)
    if np.ndim(lr) and np.shape(lr) != (len(theta),):
        raise ValueError(f"lr must be a float or have shape ({len(theta)},), got {np.shape(lr)}")
    lam_max = np.linalg.eigvalsh(numerical_hessian(surface, theta))[:, -1]
    return lr * lam_max


# --- rates on a quadratic -------------------------------------------------------------------------


def _eigenvalues(eigenvalues: Curvature | ArrayLike) -> np.ndarray:
    lam = eigenvalues.eigenvalues if isinstance(eigenvalues, Curvature) else eigenvalues
    lam = np.asarray(lam, dtype=np.float64)
    if lam.ndim != 1 or lam.size == 0 or not np.isfinite(lam).all():
        raise ValueError(f"eigenvalues must be a Curvature or a finite 1-D array, got {lam!r}")
    return lam


def sgd_rate_at(eigenvalues: Curvature | ArrayLike, lr: ArrayLike) -> float | np.ndarray:
    """max_i |1 - eta lambda_i|: SGD's distance-to-minimum factor per step on a quadratic.

    < 1 converges, > 1 diverges; the loss gap shrinks by its square. ``eigenvalues``: a Curvature
    or an array; ``lr`` > 0, a float or an array (one rate per lr).
    """
    lam = _eigenvalues(eigenvalues)
    eta = np.asarray(_lr(lr))[..., None]
    return np.max(np.abs(1 - eta * lam), axis=-1)


def momentum_rate_at(
    eigenvalues: Curvature | ArrayLike, lr: ArrayLike, alpha: ArrayLike
) -> float | np.ndarray:
    r"""Spectral radius of heavy-ball Momentum on a quadratic, maximised over the eigenvalues.

    Per eigenvalue, :math:`c_{t+1} = (1 + \alpha - \eta\lambda)\, c_t - \alpha\, c_{t-1}`: the
    2x2 iteration matrix ``[[b, -alpha], [1, 0]]`` with ``b = 1 + alpha - eta lambda`` has the
    roots of :math:`z^2 - b z + \alpha = 0` as eigenvalues (Goh 2017). Complex roots have
    :math:`|z| = \sqrt\alpha`. ``alpha = 0`` gives :func:`sgd_rate_at`. ``lr`` and ``alpha`` may
    be arrays (broadcast together).
    """
    lam = _eigenvalues(eigenvalues)
    eta, alpha = np.asarray(_lr(lr))[..., None], np.asarray(_unit("alpha", alpha))[..., None]
    b = 1 + alpha - eta * lam
    root = np.sqrt(b**2 - 4 * alpha + 0j)
    return np.max(np.maximum(np.abs(b + root), np.abs(b - root)) / 2, axis=-1)


def envelope(start: float, rate: float, steps: int) -> np.ndarray:
    """start * rate^t for t = 0..steps: the predicted line of a loss-vs-step panel, (steps + 1,).

    Distance to the minimum: ``envelope(|theta_0 - theta*|, rate, n)``; loss gap:
    ``envelope(f(theta_0) - f*, rate**2, n)``. For SGD on a quadratic this is an upper bound;
    for Momentum it is the asymptotic slope (its iteration matrix is not symmetric).
    """
    start = check_positive("start", start)
    rate = check_positive("rate", rate, allow_zero=True)
    t = np.arange(check_int("steps", steps, 0) + 1)
    with np.errstate(over="ignore"):  # a rate > 1 may overflow to inf: the predicted divergence
        return start * rate**t


# --- horizons, step sizes and spreads ------------------------------------------------------------


def momentum_effective_lr(lr: float, alpha: float) -> float:
    """eta / (1 - alpha): Momentum's long-run step per unit gradient when g stays constant.

    With g constant, v_t = -eta g (1 + alpha + ... + alpha^(t-1)) -> -eta g / (1 - alpha).
    """
    lr, alpha = check_positive("lr", lr), _unit("alpha", alpha)
    return lr / (1 - alpha)


def ema_horizon(beta: float) -> float:
    """1 / (1 - beta): the memory of an exponential moving average m <- beta m + (1 - beta) x.

    The past weights sum to 1 / (1 - beta) times the newest one (d2l 12.6), and after a jump in x
    the average covers 1 - 1/e of it after about 1 / (1 - beta) updates.
    """
    beta = _unit("beta", beta)
    return 1 / (1 - beta)


def saddle_escape_steps(
    y0: ArrayLike, lr: float, eigenvalue: float, threshold: float = 1.0
) -> float | np.ndarray:
    """log(threshold / |y0|) / log(1 + eta |lambda|): SGD steps to leave a saddle.

    Along a direction of curvature ``eigenvalue`` < 0, SGD multiplies the distance from the ridge
    by 1 + eta |lambda| per step (exactly on x^2 - y^2, lambda = -2; near the saddle elsewhere).
    The first step with |y| > threshold is the next integer above the returned (float) value;
    the time grows like log(1 / |y0|). ``y0``: nonzero, |y0| < threshold, a float or an array.
    """
    threshold = check_positive("threshold", threshold)
    y0 = np.abs(check_number("y0", y0, -threshold, threshold, low_open=True, high_open=True))
    if np.any(y0 == 0):
        raise ValueError("y0 must be nonzero: on the ridge (y0 = 0) exact SGD never escapes")
    lr = check_positive("lr", lr)
    lam = check_number("eigenvalue", eigenvalue, -np.inf, 0.0, low_open=True, high_open=True)
    return np.log(threshold / y0) / np.log(1 + lr * abs(lam))


def adam_spike_step(lr: float, beta1: float = 0.9, beta2: float = 0.999) -> float:
    """eta (1 - beta1) / sqrt(1 - beta2): Adam's step when a spike follows tiny gradients.

    After a long run of g ~ 0 (bias corrections ~ 1), one spike g gives m = (1 - beta1) g and
    v = (1 - beta2) g^2. At the defaults that is 3.16 eta; Kingma & Ba (2015, sec. 2.1) call it
    the upper bound, but steadily growing gradients go beyond it: see :func:`adam_step_sup`.
    """
    lr, beta1, beta2 = check_positive("lr", lr), _unit("beta1", beta1), _unit("beta2", beta2)
    return lr * (1 - beta1) / math.sqrt(1 - beta2)


def adam_step_sup(lr: float, beta1: float = 0.9, beta2: float = 0.999) -> float:
    """eta (1 - beta1) / sqrt((1 - beta2)(1 - beta1^2 / beta2)): Adam's largest long-run step.

    By Cauchy-Schwarz, |m| / sqrt(v) is largest for gradients growing by beta2 / beta1 per step
    (7.27 eta at the defaults). Needs beta1^2 < beta2; otherwise the step is unbounded.
    """
    lr, beta1 = check_positive("lr", lr), _unit("beta1", beta1)
    beta2 = check_number("beta2", beta2, beta1**2, 1.0, low_open=True, high_open=True)
    return lr * (1 - beta1) / math.sqrt((1 - beta2) * (1 - beta1**2 / beta2))


def minibatch_std_factor(batch_size: int, n_samples: int) -> float:
    """sqrt((N - B) / (N - 1)) / sqrt(B): std of a minibatch mean over the samples' std sigma.

    For B of N samples drawn without replacement (one batch of a shuffled epoch); the finite-
    population factor sqrt((N - B)/(N - 1)) ~ sqrt(1 - B/N) is 0 at B = N (the full batch).
    sigma is the std over all N samples (``np.std``, ddof = 0).
    """
    n = check_int("n_samples", n_samples, 2)
    b = check_int("batch_size", batch_size, 1)
    if b > n:
        raise ValueError(f"batch_size must be an int in [1, n_samples={n}], got {b}")
    return math.sqrt((n - b) / (n - 1)) / math.sqrt(b)


def rmsprop_adagrad_factor(rho: float) -> float:
    """1 / sqrt(1 - rho): RMSProp's early steps over Adagrad's, for the same gradients.

    While t << 1 / (1 - rho), RMSProp's h = (1 - rho) sum rho^k g^2 ~ (1 - rho) x Adagrad's h, so
    rho -> 1 approaches Adagrad only up to this factor (exact at t = 1); Adam's bias correction
    v / (1 - beta2^t) removes it.
    """
    rho = _unit("rho", rho)
    return 1 / math.sqrt(1 - rho)
