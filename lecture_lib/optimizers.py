r"""The eight optimizers of the lecture, each the published update rule, applied in place.

::

    opt = Adam(lr=0.001)
    opt.update(params, grads)   # dict[str, ndarray] each; params change in place, grads never do

Notation shared by all docstrings: ``theta`` is a parameter array, ``g`` its gradient, ``t`` the
1-based index of the current update, ``eta`` the learning rate ``lr`` (a float, an array that
broadcasts against the parameters, or a :class:`~lecture_lib.schedules.Schedule`). Every rule acts
per coordinate; products, squares, roots and divisions are elementwise.

State (``v``, ``h``, ``m``, ``u``, ...) is a dict per state name, keyed like ``params``, created on
the first update with each parameter's shape and dtype, so float32 stays float32.

Floating-point range: the rules are applied as published, in the parameters' dtype. Where a
quantity of the rule itself leaves that range, the result is what IEEE arithmetic gives, as in
every implementation: ``g**2`` overflows for ``|g|`` above about 1.3e154 (float64) or 1.8e19
(float32), and Adagrad, RMSProp, Adadelta and Adam then take a zero step; COCOB's sums ``G`` and
``S`` overflow once the summed ``|g|`` passes the dtype's maximum, and ``theta`` becomes NaN. No
warning is emitted here; :mod:`lecture_lib.runners` and :mod:`lecture_lib.trainer` report a
non-finite parameter or loss as divergence, with the step at which it happened.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

import numpy as np

from lecture_lib._checks import check_number
from lecture_lib.schedules import Schedule, _show

__all__ = [
    "COCOB",
    "OPTIMIZERS",
    "SGD",
    "AdaMax",
    "Adadelta",
    "Adagrad",
    "Adam",
    "Momentum",
    "Optimizer",
    "RMSProp",
]

# name -> (low, high, low_open, high_open): the valid range of each hyperparameter
_RANGES = {
    "lr": (0.0, np.inf, True, True),
    "eps": (0.0, np.inf, True, True),
    "alpha": (0.0, 1.0, False, True),
    "rho": (0.0, 1.0, False, True),
    "beta1": (0.0, 1.0, False, True),
    "beta2": (0.0, 1.0, False, True),
}


class Optimizer:
    """Base class: validation, state bookkeeping, ``reset``, ``diagnostics`` and ``repr``.

    A subclass lists ``hyperparameters`` (constructor keywords, in order) and ``state_names``, and
    defines ``_step(theta, g, *scratch, *state, *private, **hyper)``: one update of ``theta`` in
    place, with ``_n_scratch`` scratch arrays of the same shape, the state arrays in
    ``state_names`` order, then private per-key arrays (``_private_names``, kept for diagnostics).
    ``self.t`` already counts the current update.

    Speed: every rule is elementwise, so a large contiguous array is updated block by block
    (``_BLOCK`` elements at a time, scalar hyperparameters only). The several numpy passes of a rule
    then run on data in the CPU cache, and the state is read and written once per update. The
    results are bit for bit those of one call on the whole array.
    """

    hyperparameters: tuple[str, ...] = ()
    state_names: tuple[str, ...] = ()
    _private_names: tuple[str, ...] = ()
    _ranges: ClassVar[dict] = _RANGES
    _n_scratch = 1
    _BLOCK = 1 << 16

    def __init__(self, **hyper):
        for name in self.hyperparameters:
            value = hyper[name]
            if name == "lr" and isinstance(value, Schedule):
                setattr(self, name, value)
                continue
            low, high, low_open, high_open = self._ranges[name]
            value = check_number(name, value, low, high, low_open=low_open, high_open=high_open)
            setattr(self, name, value)
        self.reset()

    def reset(self) -> None:
        """Forget all state: the next update is update t = 1 again."""
        self.t = 0
        for name in self.state_names + self._private_names:
            setattr(self, name, {})
        self._scratch: dict[tuple, list[np.ndarray]] = {}
        self._shapes: dict[str, tuple[int, ...]] | None = None
        self._dtypes: dict[str, np.dtype] = {}
        self._lr_t = None

    def __repr__(self) -> str:
        args = ", ".join(f"{n}={_show(getattr(self, n))}" for n in self.hyperparameters)
        return f"{type(self).__name__}({args})"

    # ---- the update -------------------------------------------------------------------------
    def update(self, params: Mapping[str, np.ndarray], grads: Mapping[str, np.ndarray]) -> None:
        """Apply one update to every array of ``params`` in place. ``grads`` are only read."""
        grads = self._check(params, grads)
        t = self.t + 1
        lr = self.lr(t) if isinstance(getattr(self, "lr", None), Schedule) else None
        hypers = {key: self._hyper(theta, lr) for key, theta in params.items()}  # may raise
        # nothing has changed before this line, so a bad input leaves params and state intact
        if self._shapes is None:
            for key, theta in params.items():
                for name, array in zip(self.state_names, self._init_state(theta), strict=True):
                    getattr(self, name)[key] = array
                for name in self._private_names:
                    getattr(self, name)[key] = np.zeros_like(theta)
            self._shapes = {key: theta.shape for key, theta in params.items()}
            self._dtypes = {key: theta.dtype for key, theta in params.items()}
        self.t, self._lr_t = t, lr
        with np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore"):
            for key, theta in params.items():
                arrays = [getattr(self, n)[key] for n in self.state_names + self._private_names]
                self._update_array(theta, grads[key], arrays, hypers[key])

    def _scratch_arrays(self, shape: tuple[int, ...], dtype) -> list[np.ndarray]:
        key = (shape, np.dtype(dtype))
        if key not in self._scratch:
            self._scratch[key] = [np.empty(shape, dtype) for _ in range(self._n_scratch)]
        return self._scratch[key]

    def _update_array(self, theta, g, arrays, hyper) -> None:
        """One update of one parameter array, block by block when that is possible."""
        n, block = theta.size, self._BLOCK
        if (
            n <= block
            or not all(a.flags.c_contiguous for a in (theta, *arrays))
            or any(isinstance(v, np.ndarray) for v in hyper.values())
        ):
            scratch = self._scratch_arrays(theta.shape, theta.dtype)
            self._step(theta, g, *scratch, *arrays, **hyper)
            return
        flat = [a.reshape(-1) for a in (theta, np.ascontiguousarray(g), *arrays)]  # views
        scratch = self._scratch_arrays((block,), theta.dtype)
        for i in range(0, n, block):
            m = min(block, n - i)
            self._step(
                *(a[i : i + m] for a in flat[:2]),
                *(s[:m] for s in scratch),
                *(a[i : i + m] for a in flat[2:]),
                **hyper,
            )

    def _init_state(self, theta: np.ndarray) -> list[np.ndarray]:
        return [np.zeros_like(theta) for _ in self.state_names]

    def _hyper(self, theta: np.ndarray, lr=None) -> dict:
        """Hyperparameter values for ``theta``: floats, or arrays cast to ``theta.dtype``."""
        values = {}
        for name in self.hyperparameters:
            value = lr if name == "lr" and lr is not None else getattr(self, name)
            if isinstance(value, np.ndarray):
                try:
                    shape = np.broadcast_shapes(value.shape, theta.shape)
                except ValueError:
                    shape = None
                if shape != theta.shape:
                    raise ValueError(
                        f"{name} has shape {value.shape}, which does not broadcast against a "
                        f"parameter of shape {theta.shape}"
                    )
                value = value.astype(theta.dtype, copy=False)
            values[name] = value
        return values

    def _check(self, params, grads) -> dict[str, np.ndarray]:
        for what, d in (("params", params), ("grads", grads)):
            if not isinstance(d, Mapping):
                raise TypeError(f"{what} must be a dict of numpy arrays, got {type(d).__name__}")
        if set(params) != set(grads):
            missing, extra = sorted(set(params) - set(grads)), sorted(set(grads) - set(params))
            raise ValueError(
                "params and grads must have the same keys; "
                f"missing in grads: {missing}, not in params: {extra}"
            )
        if self._shapes is not None and set(params) != set(self._shapes):
            raise ValueError(
                f"params keys {sorted(params)} differ from the first update's "
                f"{sorted(self._shapes)}; call reset() to start over"
            )
        checked = {}
        for key, theta in params.items():
            g = grads[key]
            for what, a in (("params", theta), ("grads", g)):
                if not isinstance(a, np.ndarray):
                    raise TypeError(
                        f"{what}[{key!r}] must be a numpy array, got {type(a).__name__}"
                    )
            if not np.issubdtype(theta.dtype, np.floating):
                raise TypeError(
                    f"params[{key!r}] has dtype {theta.dtype}: an in-place update would truncate "
                    "it; params must be a float array (float32 or float64)"
                )
            if not theta.flags.writeable:
                raise ValueError(f"params[{key!r}] is read-only; it must be a writeable array")
            if g.shape != theta.shape:
                raise ValueError(
                    f"grads[{key!r}] has shape {g.shape}, "
                    f"but params[{key!r}] has shape {theta.shape}"
                )
            if self._shapes is not None and (
                self._shapes[key] != theta.shape or self._dtypes[key] != theta.dtype
            ):
                raise ValueError(
                    f"params[{key!r}] is {theta.dtype} {theta.shape}, but was {self._dtypes[key]} "
                    f"{self._shapes[key]} at the first update; call reset() to start over"
                )
            if g.dtype != theta.dtype:
                if not (np.issubdtype(g.dtype, np.floating) or np.issubdtype(g.dtype, np.integer)):
                    raise TypeError(
                        f"grads[{key!r}] has dtype {g.dtype}; it must be a real (float or integer) "
                        f"array like params[{key!r}] ({theta.dtype})"
                    )
                g = g.astype(theta.dtype)  # a copy: the caller's grads stay untouched
            elif np.may_share_memory(g, theta):
                raise ValueError(f"grads[{key!r}] shares memory with params[{key!r}]; pass a copy")
            checked[key] = g
        return checked

    # ---- inspection -------------------------------------------------------------------------
    def diagnostics(self, key: str) -> dict[str, np.ndarray]:
        """Per-coordinate quantities after the latest update, for plots (new arrays).

        Always ``"step_size"``: the factor the latest update multiplied ``g`` (or ``m``, ``S``) by.
        """
        if self._shapes is None or self.t == 0:
            raise ValueError("diagnostics are available after the first update")
        if key not in self._shapes:
            raise KeyError(f"key must be one of {sorted(self._shapes)}, got {key!r}")
        dtype = self._dtypes[key]
        theta = np.empty(self._shapes[key], dtype)
        with np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore"):
            state = {name: getattr(self, name)[key] for name in self.state_names}
            out = self._diagnostics(key, state, **self._hyper(theta, self._lr_t))
        return {
            name: np.broadcast_to(value, theta.shape).astype(dtype) for name, value in out.items()
        }

    def _diagnostics(self, key, state, **hyper) -> dict:
        return {"step_size": hyper["lr"]}

    def _correction(self, name: str, like: np.ndarray):
        """The bias correction 1 - beta**t (beta = beta1 or beta2), computed in float64."""
        value = 1.0 - getattr(self, name) ** self.t
        return value.astype(like.dtype) if isinstance(value, np.ndarray) else value


class SGD(Optimizer):
    r"""Stochastic gradient descent (Robbins & Monro, 1951).

    .. math::
        \theta \leftarrow \theta - \eta\, g

    Args:
        lr: learning rate eta > 0 (default 0.01), float, array or Schedule.

    State: none.
    """

    hyperparameters = ("lr",)

    def __init__(self, lr=0.01):
        super().__init__(lr=lr)

    def _step(self, theta, g, s, *, lr):
        np.multiply(g, lr, out=s)
        theta -= s


class Momentum(Optimizer):
    r"""Momentum (Polyak, 1964; Rumelhart, Hinton & Williams, 1986).

    .. math::
        v \leftarrow \alpha\, v - \eta\, g, \qquad \theta \leftarrow \theta + v

    ``alpha = 0`` gives exactly SGD.

    Args:
        lr: learning rate eta > 0 (default 0.01).
        alpha: momentum, 0 <= alpha < 1 (default 0.9).

    State: ``v`` (velocity), starts at 0.
    """

    hyperparameters = ("lr", "alpha")
    state_names = ("v",)

    def __init__(self, lr=0.01, alpha=0.9):
        super().__init__(lr=lr, alpha=alpha)

    def _step(self, theta, g, s, v, *, lr, alpha):
        v *= alpha
        np.multiply(g, lr, out=s)
        v -= s
        theta += v

    def _diagnostics(self, key, state, *, lr, alpha):
        return {"step_size": lr, "v": state["v"].copy()}


class Adagrad(Optimizer):
    r"""Adagrad (Duchi, Hazan & Singer, 2011).

    .. math::
        h \leftarrow h + g^2, \qquad \theta \leftarrow \theta - \frac{\eta\, g}{\sqrt{h} + \epsilon}

    Args:
        lr: learning rate eta > 0 (default 0.01); larger than SGD's, since the step only shrinks.
        eps: guard against division by zero, > 0 (default 1e-8), added after the square root.

    State: ``h`` (sum of squared gradients), starts at 0.
    """

    hyperparameters = ("lr", "eps")
    state_names = ("h",)

    def __init__(self, lr=0.01, eps=1e-8):
        super().__init__(lr=lr, eps=eps)

    def _step(self, theta, g, s, h, *, lr, eps):
        np.multiply(g, g, out=s)
        h += s
        _scaled_step(theta, g, s, h, lr, eps)

    def _diagnostics(self, key, state, *, lr, eps):
        return {"step_size": lr / (np.sqrt(state["h"]) + eps)}


def _scaled_step(theta, g, s, h, lr, eps):
    """theta <- theta - lr * g / (sqrt(h) + eps), with s as scratch."""
    np.sqrt(h, out=s)
    s += eps
    np.divide(g, s, out=s)
    s *= lr
    theta -= s


class RMSProp(Optimizer):
    r"""RMSProp (Tieleman & Hinton, 2012, Coursera lecture 6e).

    .. math::
        h \leftarrow \rho\, h + (1-\rho)\, g^2, \qquad
        \theta \leftarrow \theta - \frac{\eta\, g}{\sqrt{h} + \epsilon}

    Args:
        lr: learning rate eta > 0 (default 0.01).
        rho: decay of the moving average, 0 <= rho < 1 (default 0.9, the recommended value).
        eps: guard against division by zero, > 0 (default 1e-8), added after the square root.

    State: ``h`` (moving average of g^2), starts at 0.
    """

    hyperparameters = ("lr", "rho", "eps")
    state_names = ("h",)

    def __init__(self, lr=0.01, rho=0.9, eps=1e-8):
        super().__init__(lr=lr, rho=rho, eps=eps)

    def _step(self, theta, g, s, h, *, lr, rho, eps):
        _moving_square(h, g, s, rho)
        _scaled_step(theta, g, s, h, lr, eps)

    def _diagnostics(self, key, state, *, lr, rho, eps):
        return {"step_size": lr / (np.sqrt(state["h"]) + eps)}


def _moving_square(h, g, s, rho):
    """h <- rho * h + (1 - rho) * g^2, with s as scratch."""
    np.multiply(g, g, out=s)
    s *= 1.0 - rho
    h *= rho
    h += s


class Adadelta(Optimizer):
    r"""Adadelta (Zeiler, 2012, Algorithm 1), with an optional learning rate.

    .. math::
        h \leftarrow \rho\, h + (1-\rho)\, g^2, \qquad
        d = \frac{\sqrt{u + \epsilon}}{\sqrt{h + \epsilon}}\, g, \qquad
        u \leftarrow \rho\, u + (1-\rho)\, d^2, \qquad
        \theta \leftarrow \theta - \eta\, d

    ``d`` uses ``u`` from before this update; eps sits inside both roots. ``lr`` scales only the
    applied step (the paper has none: lr = 1); the accumulator ``u`` uses the unscaled ``d``.

    Args:
        lr: step scale eta > 0 (default 1.0).
        rho: decay of both moving averages, 0 <= rho < 1 (default 0.9).
        eps: conditioning constant inside the roots, > 0 (default 1e-6).

    State: ``h`` (moving average of g^2), ``u`` (moving average of d^2), both start at 0.
    """

    hyperparameters = ("lr", "rho", "eps")
    state_names = ("h", "u")

    _private_names = ("_ratio",)  # r = sqrt(u + eps) / sqrt(h + eps), for diagnostics

    def __init__(self, lr=1.0, rho=0.9, eps=1e-6):
        super().__init__(lr=lr, rho=rho, eps=eps)

    def _step(self, theta, g, s, h, u, r, *, lr, rho, eps):
        _moving_square(h, g, s, rho)
        np.add(u, eps, out=r)
        np.sqrt(r, out=r)
        np.add(h, eps, out=s)
        np.sqrt(s, out=s)
        r /= s  # r = sqrt(u + eps) / sqrt(h + eps), with u from before this update
        np.multiply(r, g, out=s)  # s = d
        s *= s
        s *= 1.0 - rho
        u *= rho
        u += s
        np.multiply(r, g, out=s)  # d again (same operands, same bits)
        s *= lr
        theta -= s

    def _diagnostics(self, key, state, *, lr, rho, eps):
        return {"step_size": lr * self._ratio[key]}


def _moving_average(m, g, s, beta1):
    """m <- beta1 * m + (1 - beta1) * g, with s as scratch."""
    np.multiply(g, 1.0 - beta1, out=s)
    m *= beta1
    m += s


class Adam(Optimizer):
    r"""Adam (Kingma & Ba, 2015, Algorithm 1).

    .. math::
        m \leftarrow \beta_1 m + (1-\beta_1)\, g, \qquad
        v \leftarrow \beta_2 v + (1-\beta_2)\, g^2, \\
        \hat m = \frac{m}{1-\beta_1^t}, \qquad \hat v = \frac{v}{1-\beta_2^t}, \qquad
        \theta \leftarrow \theta - \frac{\eta\, \hat m}{\sqrt{\hat v} + \epsilon}

    eps is added after the root of the bias-corrected ``v_hat``, as in Algorithm 1. (The paper's
    faster variant folds the corrections into ``eta_t``, which moves eps; this class does not.)

    Args:
        lr: learning rate eta > 0 (default 0.001).
        beta1: decay of the first moment, 0 <= beta1 < 1 (default 0.9).
        beta2: decay of the second moment, 0 <= beta2 < 1 (default 0.999).
        eps: guard against division by zero, > 0 (default 1e-8).

    State: ``m`` (first moment), ``v`` (second moment), both start at 0.
    """

    hyperparameters = ("lr", "beta1", "beta2", "eps")
    state_names = ("m", "v")

    def __init__(self, lr=0.001, beta1=0.9, beta2=0.999, eps=1e-8):
        super().__init__(lr=lr, beta1=beta1, beta2=beta2, eps=eps)

    def _step(self, theta, g, s, m, v, *, lr, beta1, beta2, eps):
        _moving_average(m, g, s, beta1)
        _moving_square(v, g, s, beta2)
        np.divide(v, self._correction("beta2", theta), out=s)  # v_hat
        np.sqrt(s, out=s)
        s += eps
        np.divide(m, s, out=s)
        s *= lr / self._correction("beta1", theta)  # lr * m_hat / (sqrt(v_hat) + eps)
        theta -= s

    def _diagnostics(self, key, state, *, lr, beta1, beta2, eps):
        m_hat = state["m"] / self._correction("beta1", state["m"])
        v_hat = state["v"] / self._correction("beta2", state["v"])
        return {"step_size": lr / (np.sqrt(v_hat) + eps), "m_hat": m_hat, "v_hat": v_hat}


class AdaMax(Optimizer):
    r"""AdaMax (Kingma & Ba, 2015, Algorithm 2), Adam with the infinity norm.

    .. math::
        m \leftarrow \beta_1 m + (1-\beta_1)\, g, \qquad
        u \leftarrow \max(\beta_2 u,\ |g| + \epsilon), \qquad
        \theta \leftarrow \theta - \frac{\eta}{1-\beta_1^t}\, \frac{m}{u}

    eps inside the max keeps ``u > 0`` when gradients are exactly zero.

    Args:
        lr: learning rate eta > 0 (default 0.002).
        beta1: decay of the first moment, 0 <= beta1 < 1 (default 0.9).
        beta2: decay of the max norm, 0 <= beta2 < 1 (default 0.999).
        eps: guard, > 0 (default 1e-8).

    State: ``m`` (first moment), ``u`` (exponentially weighted max of |g|), both start at 0.
    """

    hyperparameters = ("lr", "beta1", "beta2", "eps")
    state_names = ("m", "u")

    def __init__(self, lr=0.002, beta1=0.9, beta2=0.999, eps=1e-8):
        super().__init__(lr=lr, beta1=beta1, beta2=beta2, eps=eps)

    def _step(self, theta, g, s, m, u, *, lr, beta1, beta2, eps):
        _moving_average(m, g, s, beta1)
        u *= beta2
        np.abs(g, out=s)
        s += eps
        np.maximum(u, s, out=u)
        np.divide(m, u, out=s)
        s *= lr / self._correction("beta1", theta)
        theta -= s

    def _diagnostics(self, key, state, *, lr, beta1, beta2, eps):
        return {"step_size": lr / (self._correction("beta1", state["u"]) * state["u"])}


class COCOB(Optimizer):
    r"""COCOB-Backprop (Orabona & Tommasi, 2017, Algorithm 2): learning-rate-free coin betting.

    Per coordinate. On the first update ``w1 <- theta``, ``L <- eps``, ``G = R = S = 0``; then

    .. math::
        L \leftarrow \max(L, |g|), \quad G \leftarrow G + |g|, \quad
        R \leftarrow \max(R - g\,(\theta - w_1),\ 0), \quad S \leftarrow S + g, \\
        \theta \leftarrow w_1 - \frac{S\,(L + R)}{L\, \max(G + L,\ \alpha L)}

    with ``theta`` before this update in ``R``. The paper starts ``L`` at 0; the lecture's safety
    guard eps is ``L``'s starting value and appears nowhere else, so every division is by
    ``L >= eps > 0``. In betting terms: the wealth is ``L + R`` (initial endowment ``L`` plus the
    reward ``R``), the bet fraction ``-S / max(G + L, alpha L)`` lies in [-1, 1], and
    ``theta = w1 + bet_fraction * wealth / L``.

    Args:
        alpha: caps the bet early on, > 0 (default 100, the paper's choice; it barely matters).
        eps: starting value of ``L``, > 0 (default 1e-8).

    State: ``w1`` (start point), ``L`` (max |g|), ``G`` (sum |g|), ``R`` (reward), ``S`` (sum g).
    """

    hyperparameters = ("alpha", "eps")
    state_names = ("w1", "L", "G", "R", "S")
    _ranges: ClassVar[dict] = {**_RANGES, "alpha": (0.0, np.inf, True, True)}
    _n_scratch = 2

    def __init__(self, alpha=100.0, eps=1e-8):
        super().__init__(alpha=alpha, eps=eps)

    def _init_state(self, theta):
        L = np.empty_like(theta)
        L[...] = self._hyper(theta)["eps"]
        return [theta.copy(), L, np.zeros_like(theta), np.zeros_like(theta), np.zeros_like(theta)]

    def _step(self, theta, g, s, r, w1, L, G, R, S, *, alpha, eps):
        np.abs(g, out=s)
        np.maximum(L, s, out=L)
        G += s
        np.subtract(theta, w1, out=s)
        s *= g
        R -= s
        np.maximum(R, 0.0, out=R)
        S += g
        np.add(G, L, out=s)
        np.multiply(L, alpha, out=r)
        np.maximum(s, r, out=s)  # max(G + L, alpha L)
        np.add(L, R, out=r)
        r /= s
        r *= S
        r /= L  # S (L + R) / (L max(G + L, alpha L))
        np.subtract(w1, r, out=theta)

    def _diagnostics(self, key, state, *, alpha, eps):
        L, G, R, S = (state[n] for n in ("L", "G", "R", "S"))
        cap = np.maximum(G + L, alpha * L)
        return {"step_size": (L + R) / (L * cap), "wealth": L + R, "bet_fraction": -S / cap}


OPTIMIZERS: dict[str, type[Optimizer]] = {
    cls.__name__: cls for cls in (SGD, Momentum, Adagrad, RMSProp, Adadelta, Adam, AdaMax, COCOB)
}
