"""Runners: drive an optimizer over a test surface or a small model and return plain data.

::

    traj = run(Adam(lr=0.1), get_surface("bowl"), steps=100)
    print(traj.summary())          # "Adam(lr=0.1, ...): 100 steps, final (...), loss ..."
    result = sweep([SGD, Momentum, Adam], np.geomspace(1e-3, 1, 16), ["bowl", "rosenbrock"])
    mb = minibatch_run(batch_size=8, steps=200, lr=0.05, seed=0)
    print(f"{mb.fluctuation:.3f}")

Divergence (``run`` and ``sweep`` alike): update ``k`` diverges when the iterate it produced is
not finite (``"inf"``, or ``"nan"`` when a NaN appeared) or lies ``far`` half-widths of the
surface's plot box away from the box centre (``"out_of_bounds"``; ``far=100`` by default, ``None``
turns this off). The run stops there; the bad iterate is not recorded, and no RuntimeWarning is
emitted. Note: the gradient of 10 sinc(x) is bounded (|f'| < 14), so on ``sinc`` even an absurd
learning rate cannot produce inf: the iterate is thrown far out of the plot and is stopped as
``"out_of_bounds"``. The lecture's "oscillates, then inf, then NaN" is what happens on a surface
whose gradient grows with distance, e.g. ``bowl`` with ``lr > 2/curvature`` and ``far=None``:
the iterate overflows to inf (reported ``"inf"``), and the next update would turn it into NaN.

Stall (``run`` only): when the gradient norm is below ``stall_tol`` at the final iterate, the run
"stalled" at step ``stall_at`` (the first step from which the norm stayed below the tolerance) and
the final point is classified by the eigenvalues of a numerical Hessian (central differences of
the analytic gradient, see :func:`numerical_hessian`). An eigenvalue counts as zero when
``|lambda| <= sqrt(flat_ratio * |g|)``: near a flat (degenerate) critical point curvature shrinks
like the square root of the gradient (f' = c x^2 gives f'' = 2 sqrt(c f')), near an ordinary one
it stays finite while the gradient goes to 0. Then: any zero eigenvalue -> ``"flat"``, all
positive -> ``"minimum"``, mixed signs -> ``"saddle"``, all negative -> ``"maximum"``. The run is
not cut short at a stall: plain SGD genuinely stays there, adaptive methods may move on (and then
no stall is reported).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

import numpy as np

from lecture_lib._checks import check_int, check_positive
from lecture_lib.optimizers import SGD, Optimizer
from lecture_lib.surfaces import Surface, get_surface

__all__ = [
    "MinibatchRun",
    "Sweep",
    "Trajectory",
    "minibatch_run",
    "numerical_hessian",
    "replay",
    "run",
    "run_many",
    "steps_to",
    "sweep",
]

KEY = "x"  # the parameter name the runners use in optimizer.update({"x": p}, {"x": g})


# --- input checks -------------------------------------------------------------------------------


def _surface(surface) -> Surface:
    if isinstance(surface, str):
        return get_surface(surface)
    if not isinstance(surface, Surface):
        raise TypeError(
            f"surface must be a Surface or a registry name, got {type(surface).__name__}"
        )
    return surface


def _start(surface: Surface, start) -> np.ndarray:
    if start is None:
        return np.array(surface.start, dtype=np.float64)
    try:
        arr = np.array(start, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"start must be numbers of shape ({surface.dim},), got {start!r}") from exc
    if arr.ndim == 0 and surface.dim == 1:
        arr = arr.reshape(1)
    if arr.shape != (surface.dim,):
        raise ValueError(
            f"start must have shape ({surface.dim},) for the {surface.dim}-D surface "
            f"{surface.name!r}, got shape {arr.shape}"
        )
    if not np.isfinite(arr).all():
        raise ValueError(f"start must be finite, got {arr.tolist()}")
    return arr


def _box(surface: Surface) -> tuple[np.ndarray, np.ndarray]:
    b = np.array(surface.bounds, dtype=np.float64)
    return (b[:, 0] + b[:, 1]) / 2.0, (b[:, 1] - b[:, 0]) / 2.0


def _check_inside(start: np.ndarray, surface: Surface, far: float | None) -> None:
    """A start beyond the divergence bound would be reported as diverged at step 1: refuse it."""
    if far is None:
        return
    centre, half = _box(surface)
    if (np.abs(start - centre) > far * half).any():
        raise ValueError(
            f"start {start.tolist()} lies more than far={far:g} plot half-widths from the centre "
            f"of {surface.name!r} (bounds {surface.bounds}): move it closer or pass far=None"
        )


def _blown(points: np.ndarray, centre, half, far) -> tuple[np.ndarray, np.ndarray]:
    """Masks over the leading axis: (diverged, has_nan) for points of shape (..., dim)."""
    finite = np.isfinite(points).all(axis=-1)
    nan = np.isnan(points).any(axis=-1)
    if far is None:
        return ~finite, nan
    with np.errstate(invalid="ignore", over="ignore"):
        out = (np.abs(points - centre) > far * half).any(axis=-1)
    return ~finite | out, nan


def _kind(finite: bool, nan: bool) -> str:
    return "nan" if nan else ("inf" if not finite else "out_of_bounds")


# --- Hessian and stall classification -----------------------------------------------------------


def numerical_hessian(surface: Surface, point, h: float | None = None) -> np.ndarray:
    """Symmetric Hessian (dim, dim) at ``point`` by central differences of the analytic gradient.

    ``h`` defaults to ``1e-5 * max(1, |point|)``. A :class:`~lecture_lib.surfaces.NoisySurface`
    is differentiated through its noiseless ``base``.
    """
    surface = getattr(surface, "base", None) or surface
    p = _start(surface, point)
    if h is None:
        h = 1e-5 * max(1.0, float(np.abs(p).max()))
    steps = np.eye(surface.dim) * h
    g = surface.gradient(np.concatenate([p + steps, p - steps]))
    hess = (g[: surface.dim] - g[surface.dim :]) / (2.0 * h)
    return (hess + hess.T) / 2.0


def _classify(surface: Surface, point, flat_ratio: float) -> tuple[str, np.ndarray]:
    base = getattr(surface, "base", None) or surface
    eig = np.linalg.eigvalsh(numerical_hessian(base, point))
    g = float(np.linalg.norm(base.gradient(point)))
    zero = np.sqrt(flat_ratio * g) + 1e-7 * max(1.0, float(np.abs(eig).max()))
    if (np.abs(eig) <= zero).any():
        return "flat", eig
    if (eig > 0).all():
        return "minimum", eig
    if (eig < 0).all():
        return "maximum", eig
    return "saddle", eig


# --- arrival -------------------------------------------------------------------------------------


def _minimum_value(surface: Surface) -> float:
    """The surface's global minimum value (its first known minimum), 0.0 if none is known."""
    return float(surface.value(surface.minima[0])) if len(surface.minima) else 0.0


def steps_to(losses: np.ndarray, tol: float, *, stay: bool = False, axis: int = 0) -> np.ndarray:
    """First step at which ``losses`` (already minus the minimum value) fall below ``tol``.

    ``losses`` holds one value per iterate along ``axis``, the start first, so the index is the
    number of updates. ``stay=True`` asks instead for the step from which the losses stay below
    ``tol`` to the end (settled, not just passing through). NaN (a diverged run) counts as above.
    Returns floats: the step, or ``inf`` where the losses never get (or stay) below ``tol``.
    """
    tol = check_positive("tol", tol)
    below = np.nan_to_num(np.asarray(losses, dtype=float), nan=np.inf) < tol
    n = below.shape[axis]
    if stay:
        above = ~below
        after_last_above = n - np.argmax(np.flip(above, axis=axis), axis=axis)
        first = np.where(above.any(axis=axis), after_last_above, 0)
        never = np.take(above, -1, axis=axis)
    else:
        first = np.argmax(below, axis=axis)
        never = ~below.any(axis=axis)
    return np.where(never, np.inf, first.astype(float))


# --- single runs --------------------------------------------------------------------------------


def _fmt_point(p: np.ndarray) -> str:
    # round first so that -0.0004 prints as 0.000, not -0.000
    text = (f"{round(v, 3) + 0.0:.3f}" if abs(v) < 1e5 else f"{v:.3e}" for v in p)
    return "(" + ", ".join(text) + ")"


@dataclass
class Trajectory:
    """One optimizer run on one surface.

    Attributes:
        label: legend text, ``repr(optimizer)`` unless given.
        optimizer: optimizer class name; surface: surface name.
        points: (n + 1, dim) finite iterates, start included (n updates were recorded).
        losses, grad_norms: (n + 1,) loss and gradient norm at each point (the gradient the
            optimizer saw, noisy on a noisy surface).
        state: every ``optimizer.diagnostics("x")`` key over time, each (n, dim).
        steps: the number of updates requested (n == steps unless it diverged).
        diverged_at: update number (1-based) whose iterate was non-finite or far out, else None.
        diverged_value: ``"inf"``, ``"nan"`` or ``"out_of_bounds"`` (None if no divergence).
        stall: ``"minimum"``, ``"saddle"``, ``"flat"`` or ``"maximum"`` when the gradient had
            vanished (norm < stall_tol) at the end of the run, else None.
        stall_at: first step from which the gradient norm stayed below stall_tol.
        hessian_eigenvalues: eigenvalues at the final point when stalled (ascending), else None.
        local: True when the stall is a minimum whose loss is above the surface's known global
            minimum (a local minimum), False at the global one, None otherwise.
        minimum_value: the surface's global minimum value, for :meth:`steps_to`.
    """

    label: str
    optimizer: str
    surface: str
    points: np.ndarray
    losses: np.ndarray
    grad_norms: np.ndarray
    state: dict[str, np.ndarray]
    steps: int
    diverged_at: int | None = None
    diverged_value: str | None = None
    stall: str | None = None
    stall_at: int | None = None
    hessian_eigenvalues: np.ndarray | None = field(default=None, repr=False)
    local: bool | None = None
    minimum_value: float = 0.0

    def steps_to(self, tol: float, *, stay: bool = False) -> float:
        """Updates until ``loss - minimum_value < tol`` (``stay``: and stays so); inf if never."""
        return float(steps_to(self.losses - self.minimum_value, tol, stay=stay))

    @property
    def final_point(self) -> np.ndarray:
        """The last finite iterate, (dim,)."""
        return self.points[-1]

    @property
    def final_loss(self) -> float:
        return float(self.losses[-1])

    @property
    def n_updates(self) -> int:
        """Updates recorded (len(points) - 1)."""
        return len(self.points) - 1

    def summary(self) -> str:
        """One line, e.g. ``"SGD(lr=0.1): stopped at a saddle point (0.000, 0.000) at step 23"``."""
        head = f"{self.label}: "
        if self.diverged_at is not None:
            what = self.diverged_value.replace("_", " ")
            return head + f"diverged at step {self.diverged_at} ({what})"
        where = _fmt_point(self.final_point)
        loss = f"loss {self.final_loss:.1e}"
        if self.stall == "minimum" and self.local:
            return head + f"stopped at a local minimum {where} at step {self.stall_at}, {loss}"
        if self.stall == "saddle":
            return head + f"stopped at a saddle point {where} at step {self.stall_at}"
        if self.stall == "flat":
            return head + f"stopped at a flat point {where} at step {self.stall_at}, {loss}"
        if self.stall == "maximum":
            return head + f"stopped at a maximum {where} at step {self.stall_at}, {loss}"
        text = head + f"{self.n_updates} steps, final {where}, {loss}"
        if self.stall == "minimum":
            text += f" (minimum reached at step {self.stall_at})"
        return text


def run(
    optimizer: Optimizer,
    surface: Surface | str,
    start=None,
    steps: int = 100,
    *,
    label: str | None = None,
    stall_tol: float = 1e-4,
    flat_ratio: float = 50.0,
    far: float | None = 100.0,
) -> Trajectory:
    """Run ``optimizer`` on ``surface`` for ``steps`` updates from ``start``.

    The optimizer is ``reset()`` first, and so is the surface (re-seeding a noisy one), so
    running twice gives the same trajectory. ``start`` (default ``surface.start``; a float is
    accepted for 1-D surfaces) is copied as float64 and never modified. Each update is
    ``optimizer.update({"x": p}, {"x": g})``.

    Args:
        stall_tol: gradient-norm tolerance (>= 0) for the stall diagnosis (module docstring).
        flat_ratio: > 0; an eigenvalue with ``lambda**2 <= flat_ratio * |g|`` counts as zero.
        far: divergence bound in half-widths of the plot box (> 0), or None for none.
    """
    if not isinstance(optimizer, Optimizer):
        raise TypeError(f"optimizer must be an Optimizer instance, got {type(optimizer).__name__}")
    surface = _surface(surface)
    p = _start(surface, start)
    steps = check_int("steps", steps, 0)
    stall_tol = check_positive("stall_tol", stall_tol, allow_zero=True)
    flat_ratio = check_positive("flat_ratio", flat_ratio)
    far = check_positive("far", far, allow_none=True)
    _check_inside(p, surface, far)
    label = repr(optimizer) if label is None else str(label)

    optimizer.reset()
    surface.reset()
    centre, half = _box(surface)
    points = np.empty((steps + 1, surface.dim))
    norms = np.empty(steps + 1)
    state: dict[str, np.ndarray] = {}
    diverged_at = diverged_value = None

    n = 0
    with np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore"):
        g = surface.gradient(p)
        points[0], norms[0] = p, np.sqrt(g @ g)
        for k in range(1, steps + 1):
            optimizer.update({KEY: p}, {KEY: g})
            bad, nan = _blown(p, centre, half, far)
            if bad:
                diverged_at = k
                diverged_value = _kind(bool(np.isfinite(p).all()), bool(nan))
                break
            for name, value in optimizer.diagnostics(KEY).items():
                if name not in state:
                    state[name] = np.full((steps, surface.dim), np.nan)
                state[name][k - 1] = value
            g = surface.gradient(p)
            points[k], norms[k] = p, np.sqrt(g @ g)
            n = k
        # all losses in one vectorized call: cheaper, and the same arithmetic as sweep()'s rows
        losses = surface.value(points[: n + 1])

    traj = Trajectory(
        label=label,
        optimizer=type(optimizer).__name__,
        surface=surface.name,
        points=points[: n + 1].copy(),
        losses=losses,
        grad_norms=norms[: n + 1].copy(),
        state={name: value[:n].copy() for name, value in state.items()},
        steps=steps,
        diverged_at=diverged_at,
        diverged_value=diverged_value,
        minimum_value=_minimum_value(surface),
    )
    if diverged_at is None and traj.grad_norms[-1] < stall_tol:
        above = np.flatnonzero(traj.grad_norms >= stall_tol)
        traj.stall_at = int(above[-1] + 1) if above.size else 0
        traj.stall, traj.hessian_eigenvalues = _classify(surface, traj.final_point, flat_ratio)
        if traj.stall == "minimum" and len(surface.minima):
            best = traj.minimum_value
            traj.local = traj.final_loss > best + 1e-6 * max(1.0, abs(best))
    return traj


def replay(optimizer: Optimizer, grads, start=None) -> dict[str, np.ndarray]:
    """Feed a given gradient sequence to ``optimizer``, whatever the parameters do.

    For experiments that fix the gradients instead of a surface, e.g. "large gradients for 50
    steps, then small ones": how does the effective step size react? The optimizer is reset first.

    Args:
        grads: (T, dim) gradients, one row per update.
        start: (dim,) starting parameters, zeros by default.

    Returns:
        ``{"points": (T + 1, dim), <each diagnostics key>: (T, dim)}``.
    """
    if not isinstance(optimizer, Optimizer):
        raise TypeError(f"optimizer must be an Optimizer instance, got {type(optimizer).__name__}")
    grads = np.asarray(grads, dtype=float)
    if grads.ndim != 2 or not np.isfinite(grads).all():
        raise ValueError(f"grads must be a finite array of shape (T, dim), got shape {grads.shape}")
    p = np.zeros(grads.shape[1]) if start is None else np.array(start, dtype=float)
    if p.shape != grads.shape[1:]:
        raise ValueError(f"start must have shape ({grads.shape[1]},), got {p.shape}")
    optimizer.reset()
    out = {"points": np.empty((len(grads) + 1, len(p)))}
    out["points"][0] = p
    with np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore"):
        for k, g in enumerate(grads):
            optimizer.update({KEY: p}, {KEY: g})
            out["points"][k + 1] = p
            for name, value in optimizer.diagnostics(KEY).items():
                out.setdefault(name, np.empty(grads.shape))[k] = value
    return out


def run_many(
    optimizers: Iterable[Optimizer] | Mapping[str, Optimizer],
    surface: Surface | str,
    start=None,
    steps: int = 100,
    **kwargs,
) -> list[Trajectory]:
    """:func:`run` for each optimizer (a list, or a dict label -> optimizer), same start."""
    if isinstance(optimizers, Mapping):
        return [run(o, surface, start, steps, label=k, **kwargs) for k, o in optimizers.items()]
    if isinstance(optimizers, Optimizer):
        raise TypeError("optimizers must be a list or dict of optimizers; use run() for one")
    return [run(o, surface, start, steps, **kwargs) for o in optimizers]


# --- learning-rate sweeps -----------------------------------------------------------------------


def _spec_name(spec) -> str:
    if isinstance(spec, functools.partial):
        args = ", ".join(f"{k}={v!r}" for k, v in spec.keywords.items())
        return f"{_spec_name(spec.func)}({args})" if args else _spec_name(spec.func)
    if isinstance(spec, Optimizer):
        return repr(spec)
    return getattr(spec, "__name__", type(spec).__name__)


def _factory(spec) -> Callable[[np.ndarray], Optimizer]:
    """A function lr_array -> fresh optimizer, from a class, an instance or a factory."""
    if isinstance(spec, Optimizer):
        kwargs = {n: getattr(spec, n) for n in spec.hyperparameters}
        cls = type(spec)
        return lambda lr: cls(**{**kwargs, "lr": lr}) if "lr" in kwargs else cls(**kwargs)
    target = spec.func if isinstance(spec, functools.partial) else spec
    if isinstance(target, type) and issubclass(target, Optimizer):
        if "lr" in target.hyperparameters:
            return lambda lr: spec(lr=lr)
        return lambda lr: spec()
    if callable(spec):

        def make(lr):
            try:
                opt = spec(lr=lr)
            except TypeError:  # a factory for an optimizer without a learning rate
                opt = spec()
            if not isinstance(opt, Optimizer):
                raise TypeError(f"optimizer factory {spec!r} returned {type(opt).__name__}")
            return opt

        return make
    raise TypeError(
        "optimizers must be Optimizer classes, instances or factories taking lr=, "
        f"got {type(spec).__name__}"
    )


@dataclass
class Sweep:
    """Learning-rate grid x optimizer x surface, each (optimizer, surface) one batched run.

    Attributes:
        lrs: (B,) the learning rates (row b of every run used ``lrs[b]``).
        optimizers: (n_opt,) names; surfaces: (n_surf,) names; steps: updates per run.
        uses_lr: (n_opt,) False for an optimizer without ``lr`` (COCOB): its B rows are identical.
        losses: (n_opt, n_surf, steps + 1, B) loss curves; NaN after a row diverged.
        final_losses: (n_opt, n_surf, B) loss at the last iterate; NaN where the row diverged.
        final_points: list over optimizers of lists over surfaces of (B, dim) last finite iterates.
        diverged_at: (n_opt, n_surf, B) int, the update at which the row diverged, -1 if never.
        diverged_value: (n_opt, n_surf, B) str, ``"inf"``, ``"nan"``, ``"out_of_bounds"`` or "".
        minimum_values: (n_surf,) each surface's global minimum value, for :meth:`steps_to`.
    """

    lrs: np.ndarray
    optimizers: tuple[str, ...]
    surfaces: tuple[str, ...]
    steps: int
    uses_lr: tuple[bool, ...]
    losses: np.ndarray = field(repr=False)
    final_losses: np.ndarray = field(repr=False)
    final_points: list = field(repr=False)
    diverged_at: np.ndarray = field(repr=False)
    diverged_value: np.ndarray = field(repr=False)
    minimum_values: np.ndarray = field(repr=False)

    def steps_to(self, tol: float, *, stay: bool = False) -> np.ndarray:
        """(n_opt, n_surf, B) updates until ``loss - minimum < tol`` (``stay``: and stays so);
        inf where a row never gets there (diverged rows never do)."""
        gaps = self.losses - np.asarray(self.minimum_values)[None, :, None, None]
        return steps_to(gaps, tol, stay=stay, axis=2)

    @property
    def best_lrs(self) -> np.ndarray:
        """(n_opt, n_surf) the lr with the lowest final loss among rows that did not diverge
        (the smallest such lr on ties); NaN where every row diverged or the optimizer has no lr."""
        out = np.full(self.final_losses.shape[:2], np.nan)
        for i, j in np.ndindex(*out.shape):
            if not self.uses_lr[i]:
                continue
            f = self.final_losses[i, j]
            ok = np.isfinite(f)
            if ok.any():
                out[i, j] = self.lrs[np.flatnonzero(ok)[np.argmin(f[ok])]]
        return out

    def best_lr(self, optimizer: str, surface: str) -> float:
        """Best lr for one pair, by names (see :attr:`best_lrs`)."""
        for what, names, name in (
            ("optimizer", self.optimizers, optimizer),
            ("surface", self.surfaces, surface),
        ):
            if name not in names:
                raise ValueError(f"{what} must be one of {list(names)}, got {name!r}")
        return float(self.best_lrs[self.optimizers.index(optimizer), self.surfaces.index(surface)])

    def table(self) -> str:
        """Plain-text table: per pair the best lr, its final loss and how many lrs diverged."""
        lines = [f"{'optimizer':<24} {'surface':<16} {'best lr':>9} {'loss':>9} {'diverged':>9}"]
        best = self.best_lrs
        for i, o in enumerate(self.optimizers):
            for j, s in enumerate(self.surfaces):
                f = self.final_losses[i, j]
                n_div = int((self.diverged_at[i, j] >= 0).sum())
                loss = f"{np.nanmin(f):9.1e}" if np.isfinite(f).any() else f"{'-':>9}"
                lr = f"{best[i, j]:9.3g}" if np.isfinite(best[i, j]) else f"{'-':>9}"
                lines.append(f"{o:<24} {s:<16} {lr} {loss} {n_div:>5}/{len(self.lrs)}")
        return "\n".join(lines)


def _batched(make, lrs, surface: Surface, start, steps, far):
    """One batched run of all lrs (rows) of one optimizer on one surface."""
    B = len(lrs)
    opt = make(lrs[:, None])
    surface.reset()
    centre, half = _box(surface)
    p = np.tile(start, (B, 1))
    last = p.copy()
    losses = np.full((steps + 1, B), np.nan)
    alive = np.ones(B, dtype=bool)
    div_at = np.full(B, -1)
    div_val = np.full(B, "", dtype="<U13")
    with np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore"):
        g = surface.gradient(p)
        losses[0] = surface.value(p)
        for k in range(1, steps + 1):
            opt.update({KEY: p}, {KEY: g})
            bad, nan = _blown(p, centre, half, far)
            new = bad & alive
            if new.any():
                div_at[new] = k
                finite = np.isfinite(p).all(axis=1)
                div_val[new & nan] = "nan"
                div_val[new & ~nan & ~finite] = "inf"
                div_val[new & finite] = "out_of_bounds"
                alive &= ~new
                if not alive.any():
                    break
            if not alive.all():  # freeze diverged rows at their last finite point, zero gradient
                p[~alive] = last[~alive]
            g = surface.gradient(p)
            if not alive.all():
                g[~alive] = 0.0
            losses[k] = np.where(alive, surface.value(p), np.nan)
            np.copyto(last, p)
    final = np.where(alive, surface.value(last), np.nan)
    return losses, final, last, div_at, div_val


def sweep(
    optimizers,
    lrs,
    surfaces,
    start=None,
    steps: int = 300,
    *,
    far: float | None = 100.0,
) -> Sweep:
    """Run every optimizer at every learning rate on every surface.

    Each (optimizer, surface) pair is ONE batched run: params of shape (B, dim), lr of shape
    (B, 1), B = len(lrs). Rows are independent (every rule is per coordinate), so row b equals
    ``run(Opt(lr=lrs[b]), surface, start, steps)`` (up to the last bit, see the tests). A row
    that diverges (same rule as :func:`run`) is frozen at its last finite point with zero gradient,
    so it neither spreads NaN nor warns. On a noisy surface the rows draw independent noise.

    Args:
        optimizers: a sequence, or a dict name -> spec, of specs: an Optimizer class
            (``Adam``), a ``functools.partial(Momentum, alpha=0.5)``, an instance whose other
            hyperparameters are copied (``Adam(beta1=0.5)``: its lr is replaced), or any
            callable ``f(lr=...)`` returning an Optimizer. Optimizers without ``lr`` (COCOB)
            are built without it and give B identical rows.
        lrs: 1-D learning rates, finite and > 0.
        surfaces: a Surface or name, or a sequence of them.
        start: None for each surface's default start, or one start for all (same dim).
        steps: updates per run, int >= 0.
        far: divergence bound in plot half-widths (see :func:`run`), or None.
    """
    if isinstance(optimizers, Mapping):
        names, specs = list(optimizers), list(optimizers.values())
    else:
        if isinstance(optimizers, (type, Optimizer)) or callable(optimizers):
            optimizers = [optimizers]
        specs = list(optimizers)
        names = [_spec_name(s) for s in specs]
    if not specs:
        raise ValueError("optimizers must not be empty")
    makers = [_factory(s) for s in specs]
    try:
        lrs = np.array(lrs, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"lrs must be a 1-D sequence of numbers, got {lrs!r}") from exc
    if lrs.ndim != 1 or lrs.size == 0:
        raise ValueError(f"lrs must be a non-empty 1-D sequence, got shape {lrs.shape}")
    if not (np.isfinite(lrs) & (lrs > 0)).all():
        raise ValueError(f"lrs must be finite numbers > 0, got {lrs[~(lrs > 0)][:3].tolist()}...")
    if isinstance(surfaces, (str, Surface)):
        surfaces = [surfaces]
    surf = [_surface(s) for s in surfaces]
    if not surf:
        raise ValueError("surfaces must not be empty")
    starts = [_start(s, start) for s in surf]
    steps = check_int("steps", steps, 0)
    far = check_positive("far", far, allow_none=True)
    for s, p in zip(surf, starts, strict=True):
        _check_inside(p, s, far)

    n_o, n_s, B = len(specs), len(surf), len(lrs)
    losses = np.full((n_o, n_s, steps + 1, B), np.nan)
    final = np.full((n_o, n_s, B), np.nan)
    div_at = np.full((n_o, n_s, B), -1)
    div_val = np.full((n_o, n_s, B), "", dtype="<U13")
    points: list[list[np.ndarray]] = [[None] * n_s for _ in range(n_o)]
    uses_lr = []
    for i, make in enumerate(makers):
        uses_lr.append("lr" in make(lrs[:, None]).hyperparameters)
        for j, s in enumerate(surf):
            out = _batched(make, lrs, s, starts[j], steps, far)
            losses[i, j], final[i, j], points[i][j], div_at[i, j], div_val[i, j] = out
    return Sweep(
        lrs=lrs,
        optimizers=tuple(names),
        surfaces=tuple(s.name for s in surf),
        steps=steps,
        uses_lr=tuple(uses_lr),
        losses=losses,
        final_losses=final,
        final_points=points,
        diverged_at=div_at,
        diverged_value=div_val,
        minimum_values=np.array([_minimum_value(s) for s in surf]),
    )


# --- minibatch training of a small real model ---------------------------------------------------


@dataclass
class MinibatchRun:
    """Least-squares regression trained on minibatches.

    Attributes:
        label, batch_size, seed.
        losses: (steps,) loss of the minibatch used at each update, before the update.
        full_losses: (steps + 1,) loss on the whole data set at every iterate, start included.
        weights: (n_features,) the final weights; true_weights: the generating ones.
        diverged_at: the update whose weights or full-data loss were no longer finite (the run
            stops there and keeps only the finite values before it), or None.
    """

    label: str
    batch_size: int
    seed: int
    losses: np.ndarray
    full_losses: np.ndarray
    weights: np.ndarray
    true_weights: np.ndarray
    diverged_at: int | None = None

    @property
    def fluctuation(self) -> float:
        """Std of the step-to-step changes of the minibatch loss over the second half of the run:
        how much the loss curve jitters once the trend has flattened."""
        if self.diverged_at is not None:
            return float("inf")
        half = self.losses[len(self.losses) // 2 :]
        return float(np.std(np.diff(half))) if len(half) > 1 else 0.0

    def summary(self) -> str:
        if self.diverged_at is not None:
            return f"{self.label}: batch {self.batch_size}, diverged at step {self.diverged_at}"
        return (
            f"{self.label}: batch {self.batch_size}, {len(self.losses)} steps, "
            f"full loss {self.full_losses[-1]:.4f}, fluctuation {self.fluctuation:.4f}"
        )


def _least_squares_data(seed: int, n_samples: int, n_features: int, noise: float):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n_samples, n_features))
    w_true = rng.standard_normal(n_features)
    y = X @ w_true + noise * rng.standard_normal(n_samples)
    return rng, X, y, w_true


def minibatch_run(
    batch_size: int,
    steps: int = 200,
    lr: float | None = None,
    seed: int = 0,
    *,
    optimizer: Optimizer | None = None,
    n_samples: int = 1000,
    n_features: int = 5,
    noise: float = 0.5,
    label: str | None = None,
) -> MinibatchRun:
    """Fit least squares ``L(w) = mean((X w - y)^2) / 2`` with minibatches of ``batch_size``.

    Data: ``X ~ N(0, 1)`` of shape (n_samples, n_features), ``y = X w_true + noise * N(0, 1)``,
    all drawn from ``numpy.random.default_rng(seed)``, which then also shuffles: every epoch is
    a fresh permutation cut into consecutive batches (an incomplete last batch is dropped). The
    same ``seed`` therefore gives the same data for every batch size. ``w`` starts at 0.

    Args:
        batch_size: int in [1, n_samples].
        steps: updates, int >= 1.
        lr: SGD learning rate (default 0.05) when ``optimizer`` is None; give one or the other.
        optimizer: any Optimizer (reset first); parameter key ``"w"``.
    """
    n_samples = check_int("n_samples", n_samples, 1)
    n_features = check_int("n_features", n_features, 1)
    batch_size = check_int("batch_size", batch_size, 1)
    if batch_size > n_samples:
        raise ValueError(f"batch_size must be an int in [1, {n_samples}], got {batch_size}")
    steps = check_int("steps", steps, 1)
    seed = check_int("seed", seed, 0)
    noise = check_positive("noise", noise, allow_zero=True)
    if optimizer is None:
        optimizer = SGD(lr=0.05 if lr is None else lr)
    elif lr is not None:
        raise ValueError("give either lr (for plain SGD) or optimizer, not both")
    elif not isinstance(optimizer, Optimizer):
        raise TypeError(f"optimizer must be an Optimizer instance, got {type(optimizer).__name__}")
    optimizer.reset()

    rng, X, y, w_true = _least_squares_data(seed, n_samples, n_features, noise)
    w = np.zeros(n_features)
    losses = np.empty(steps)
    full = np.empty(steps + 1)
    per_epoch = n_samples // batch_size
    order = rng.permutation(n_samples)
    diverged_at = None
    with np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore"):
        r = X @ w - y
        full[0] = 0.5 * (r @ r) / n_samples
        for k in range(steps):
            b = k % per_epoch
            if b == 0 and k > 0:
                order = rng.permutation(n_samples)
            idx = order[b * batch_size : (b + 1) * batch_size]
            rb = X[idx] @ w - y[idx]
            losses[k] = 0.5 * (rb @ rb) / batch_size
            optimizer.update({"w": w}, {"w": X[idx].T @ rb / batch_size})
            r = X @ w - y
            full[k + 1] = 0.5 * (r @ r) / n_samples
            if not (np.isfinite(full[k + 1]) and np.isfinite(w).all()):
                diverged_at = k + 1
                losses, full = losses[: k + 1], full[: k + 1]
                break
    return MinibatchRun(
        label=repr(optimizer) if label is None else str(label),
        batch_size=batch_size,
        seed=seed,
        losses=losses,
        full_losses=full,
        weights=w,
        true_weights=w_true,
        diverged_at=diverged_at,
    )
