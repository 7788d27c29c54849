r"""The eight optimizers of the lecture (and AdamW), each the published update rule.

::

    opt = Adam(lr=0.001)
    opt.update(params, grads)   # dict[str, ndarray] each; params change in place, grads never do

Notation shared by all docstrings: ``theta`` is a parameter array, ``g`` its gradient, ``t`` the
1-based index of the current update, ``eta`` the learning rate ``lr`` (a float, an array that
broadcasts against the parameters, or a :class:`~lecture_lib.schedules.Schedule`). Every rule acts
per coordinate; products, squares, roots and divisions are elementwise.

Each class writes its rule once, in ``step``, one numpy line per equation of its docstring, with
the names of the math. The base class :class:`Optimizer` does everything else: it checks the
arguments, creates the state (``v``, ``h``, ``m``, ``u``, ...: one dict per state name, keyed like
``params``, each array shaped and typed like its parameter, so float32 stays float32), writes the
new values into the caller's arrays, and answers :meth:`~Optimizer.diagnostics`.

The state belongs to the arrays of the first update: passing other arrays later (a second model
with the same shapes, say) is refused until :meth:`~Optimizer.reset`, instead of silently
starting the second model with the first one's momentum.

Floating-point range: the rules are applied as published, in the parameters' dtype (float32 or
float64; float16 is refused, because ``eps = 1e-8`` and small ``g**2`` underflow to 0 there).
Where a quantity of the rule itself leaves the range, the result is what IEEE arithmetic gives, as
in every implementation: ``g**2`` overflows for ``|g|`` above about 1.3e154 (float64) or 1.8e19
(float32), and Adagrad, RMSProp, Adadelta and Adam then take a zero step; COCOB's sums ``G`` and
``S`` overflow once the summed ``|g|`` passes the dtype's maximum, and ``theta`` becomes NaN. No
warning is emitted here; :mod:`lecture_lib.runners` and :mod:`lecture_lib.trainer` report a
non-finite parameter or loss as divergence, with the step at which it happened.
"""

from __future__ import annotations

import weakref
from collections.abc import Mapping

import numpy as np

from lecture_lib._checks import check_hyperparameter, check_update
from lecture_lib.schedules import Schedule, _show

__all__ = [
    "COCOB",
    "OPTIMIZERS",
    "SGD",
    "AdaMax",
    "Adadelta",
    "Adagrad",
    "Adam",
    "AdamW",
    "Momentum",
    "Optimizer",
    "RMSProp",
]

_QUIET = {"over": "ignore", "invalid": "ignore", "divide": "ignore", "under": "ignore"}


class Optimizer:
    """Base class: argument checks, state, ``update``, ``reset``, ``diagnostics`` and ``repr``.

    A subclass lists its ``hyperparameters`` (constructor keywords) and ``state_names`` and writes
    ``step(theta, g, *state, **hyperparameters)``, the rule for one parameter array, returning the
    new ``theta`` followed by the new state, as new arrays (``self.t`` is already the index of
    this update). It may also write ``explain(before, after, **hyperparameters)`` (the state
    before and after the latest update, as dicts) for :meth:`diagnostics`, and ``init_state``
    when the state does not start at zero.
    """

    hyperparameters: tuple[str, ...] = ()
    state_names: tuple[str, ...] = ()

    def __init__(self, **hyper) -> None:
        for name, value in hyper.items():
            schedule = name == "lr" and isinstance(value, Schedule)
            setattr(self, name, value if schedule else check_hyperparameter(self, name, value))
        self.reset()

    def reset(self) -> None:
        """Forget all state: the next update is update t = 1 again, of any parameters."""
        self.t = 0
        for name in self.state_names:
            setattr(self, name, {})
        self._owners: dict[str, weakref.ref] | None = None  # the arrays the state belongs to
        self._layout: dict[str, tuple] = {}  # key -> (shape, dtype) of the first update
        self._used: dict[str, dict] = {}  # key -> hyperparameter values of the latest update
        self._before: dict[str, dict] = {}  # key -> state before the latest update

    def __repr__(self) -> str:
        args = ", ".join(f"{n}={_show(getattr(self, n))}" for n in self.hyperparameters)
        return f"{type(self).__name__}({args})"

    def update(self, params: Mapping[str, np.ndarray], grads: Mapping[str, np.ndarray]) -> None:
        """Apply one update to every array of ``params`` in place; ``grads`` are only read.

        A wrong argument raises before anything changes: parameters and state stay as they were.
        """
        grads = check_update(params, grads, self._owners)
        hyper = {key: self._hyper(theta, self.t + 1) for key, theta in params.items()}
        if self._owners is None:
            self._owners = {key: weakref.ref(theta) for key, theta in params.items()}
            for key, theta in params.items():
                self._layout[key] = (theta.shape, theta.dtype)
                for name, array in zip(
                    self.state_names, self.init_state(theta, **hyper[key]), strict=True
                ):
                    getattr(self, name)[key] = array
        self.t += 1
        for key, theta in params.items():
            before = {name: getattr(self, name)[key] for name in self.state_names}
            with np.errstate(**_QUIET):
                result = self.step(theta, grads[key], *before.values(), **hyper[key])
            new_theta, *new_state = result if isinstance(result, tuple) else (result,)
            theta[...] = new_theta
            for name, array in zip(self.state_names, new_state, strict=True):
                getattr(self, name)[key] = np.asarray(array, dtype=theta.dtype)
            self._before[key] = before
        self._used = hyper

    def init_state(self, theta: np.ndarray, **hyper) -> list[np.ndarray]:
        """Starting state for one parameter array: zeros shaped and typed like ``theta``."""
        return [np.zeros_like(theta) for _ in self.state_names]

    def explain(self, before: dict, after: dict, **hyper) -> dict:
        """Quantities worth plotting after an update; by default the learning rate."""
        return {"step_size": hyper["lr"]}

    def diagnostics(self, key: str) -> dict[str, np.ndarray]:
        """Per-coordinate quantities of the latest update (new arrays shaped like the parameter).

        ``"step_size"`` (every optimizer but Momentum, whose step ``v`` is not a multiple of the
        current ``g``): the factor the latest update multiplied ``g`` (or ``m``, ``S``) by.
        """
        if self.t == 0:
            raise ValueError("diagnostics are available after the first update")
        if key not in self._layout:
            raise KeyError(f"key must be one of {sorted(self._layout)}, got {key!r}")
        after = {name: getattr(self, name)[key] for name in self.state_names}
        with np.errstate(**_QUIET):
            out = self.explain(self._before[key], after, **self._used[key])
        shape, dtype = self._layout[key]
        return {name: np.broadcast_to(value, shape).astype(dtype) for name, value in out.items()}

    def _hyper(self, theta: np.ndarray, t: int) -> dict:
        """The hyperparameters for ``theta`` at update ``t``: floats, or arrays in its dtype."""
        values = {}
        for name in self.hyperparameters:
            value = getattr(self, name)
            value = value(t) if isinstance(value, Schedule) else value
            if isinstance(value, np.ndarray):
                try:
                    fits = np.broadcast_shapes(value.shape, theta.shape) == theta.shape
                except ValueError:
                    fits = False
                if not fits:
                    raise ValueError(
                        f"{name} has shape {value.shape}, which does not broadcast against a "
                        f"parameter of shape {theta.shape}"
                    )
                value = value.astype(theta.dtype)
            values[name] = value
        return values


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

    def step(self, theta, g, *, lr):
        return theta - lr * g


class Momentum(Optimizer):
    r"""Momentum, the heavy-ball method (Polyak, 1964; Rumelhart, Hinton & Williams, 1986).

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

    def step(self, theta, g, v, *, lr, alpha):
        v = alpha * v - lr * g
        theta = theta + v
        return theta, v

    def explain(self, before, after, *, lr, alpha):
        # no "step_size": the step v is not a multiple of the current g. For a gradient that keeps
        # its direction, v grows to lr / (1 - alpha) times g (theory.momentum_effective_lr).
        return {"v": after["v"]}


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

    def step(self, theta, g, h, *, lr, eps):
        h = h + g**2
        theta = theta - lr * g / (np.sqrt(h) + eps)
        return theta, h

    def explain(self, before, after, *, lr, eps):
        return {"step_size": lr / (np.sqrt(after["h"]) + eps)}


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

    def step(self, theta, g, h, *, lr, rho, eps):
        h = rho * h + (1 - rho) * g**2
        theta = theta - lr * g / (np.sqrt(h) + eps)
        return theta, h

    def explain(self, before, after, *, lr, rho, eps):
        return {"step_size": lr / (np.sqrt(after["h"]) + eps)}


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
        rho: decay of both moving averages, 0 <= rho < 1 (default 0.9; Zeiler used 0.95).
        eps: conditioning constant inside the roots, > 0 (default 1e-6).

    State: ``h`` (moving average of g^2), ``u`` (moving average of d^2), both start at 0.
    """

    hyperparameters = ("lr", "rho", "eps")
    state_names = ("h", "u")

    def __init__(self, lr=1.0, rho=0.9, eps=1e-6):
        super().__init__(lr=lr, rho=rho, eps=eps)

    def step(self, theta, g, h, u, *, lr, rho, eps):
        h = rho * h + (1 - rho) * g**2
        d = np.sqrt(u + eps) / np.sqrt(h + eps) * g
        u = rho * u + (1 - rho) * d**2
        theta = theta - lr * d
        return theta, h, u

    def explain(self, before, after, *, lr, rho, eps):
        return {"step_size": lr * np.sqrt(before["u"] + eps) / np.sqrt(after["h"] + eps)}


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

    def step(self, theta, g, m, v, *, lr, beta1, beta2, eps):
        t = self.t
        m = beta1 * m + (1 - beta1) * g
        v = beta2 * v + (1 - beta2) * g**2
        m_hat = m / (1 - beta1**t)
        v_hat = v / (1 - beta2**t)
        theta = theta - lr * m_hat / (np.sqrt(v_hat) + eps)
        return theta, m, v

    def explain(self, before, after, *, lr, beta1, beta2, eps, **_):
        m_hat = after["m"] / (1 - beta1**self.t)
        v_hat = after["v"] / (1 - beta2**self.t)
        return {"step_size": lr / (np.sqrt(v_hat) + eps), "m_hat": m_hat, "v_hat": v_hat}


class AdamW(Adam):
    r"""AdamW: Adam with decoupled weight decay (Loshchilov & Hutter, 2019, Algorithm 2).

    .. math::
        m, v, \hat m, \hat v \text{ as in Adam}, \qquad
        \theta \leftarrow \theta - \eta \left(\frac{\hat m}{\sqrt{\hat v} + \epsilon}
        + \lambda\, \theta\right)

    The decay ``lambda * theta`` acts on the weights directly instead of entering ``g`` (as an L2
    term in the loss would, where Adam then divides it by ``sqrt(v_hat)``). As in torch.optim's
    AdamW, it is multiplied by ``lr`` (the paper's schedule multiplier ``eta_t`` with
    ``alpha = lr``). ``weight_decay = 0`` gives exactly Adam.

    Args:
        lr, beta1, beta2, eps: as Adam.
        weight_decay: lambda >= 0 (default 0.01, torch's default).

    State: ``m``, ``v``, as Adam.
    """

    hyperparameters = ("lr", "beta1", "beta2", "eps", "weight_decay")

    def __init__(self, lr=0.001, beta1=0.9, beta2=0.999, eps=1e-8, weight_decay=0.01):
        Optimizer.__init__(
            self, lr=lr, beta1=beta1, beta2=beta2, eps=eps, weight_decay=weight_decay
        )

    def step(self, theta, g, m, v, *, lr, beta1, beta2, eps, weight_decay):
        t = self.t
        m = beta1 * m + (1 - beta1) * g
        v = beta2 * v + (1 - beta2) * g**2
        m_hat = m / (1 - beta1**t)
        v_hat = v / (1 - beta2**t)
        theta = theta - lr * (m_hat / (np.sqrt(v_hat) + eps) + weight_decay * theta)
        return theta, m, v


class AdaMax(Optimizer):
    r"""AdaMax (Kingma & Ba, 2015, Algorithm 2), Adam with the infinity norm.

    .. math::
        m \leftarrow \beta_1 m + (1-\beta_1)\, g, \qquad
        u \leftarrow \max(\beta_2 u,\ |g| + \epsilon), \qquad
        \theta \leftarrow \theta - \frac{\eta}{1-\beta_1^t}\, \frac{m}{u}

    The paper's Algorithm 2 has no eps: ``u = max(beta2 * u, |g|)``. The eps inside the max is a
    convention of implementations (torch.optim.Adamax's), which keeps ``u > 0`` when the
    gradients are exactly zero; the paper assumes they are not.

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

    def step(self, theta, g, m, u, *, lr, beta1, beta2, eps):
        t = self.t
        m = beta1 * m + (1 - beta1) * g
        u = np.maximum(beta2 * u, np.abs(g) + eps)
        theta = theta - lr / (1 - beta1**t) * m / u
        return theta, m, u

    def explain(self, before, after, *, lr, beta1, beta2, eps):
        return {"step_size": lr / (1 - beta1**self.t) / after["u"]}


class COCOB(Optimizer):
    r"""COCOB-Backprop (Orabona & Tommasi, 2017, Algorithm 2): learning-rate-free coin betting.

    Per coordinate. On the first update ``w1 <- theta``, ``L <- eps``, ``G = R = S = 0``; then

    .. math::
        L \leftarrow \max(L, |g|), \quad G \leftarrow G + |g|, \quad
        R \leftarrow \max(R - g\,(\theta - w_1),\ 0), \quad S \leftarrow S + g, \\
        \theta \leftarrow w_1 - \frac{S\,(L + R)}{L\, \max(G + L,\ \alpha L)}

    with ``theta`` before this update in ``R``. The paper starts ``L`` at 0; the lecture's safety
    guard eps is ``L``'s starting value and appears nowhere else, so every division is by
    ``L >= eps > 0`` (the authors' own TensorFlow code starts ``L`` at 1e-8 too). In betting
    terms: the wealth is ``L + R`` (initial endowment ``L`` plus the reward ``R``), the bet
    fraction ``-S / max(G + L, alpha L)`` lies in [-1, 1], and
    ``theta = w1 + bet_fraction * wealth / L``.

    Args:
        alpha: caps the bet early on, > 0 (default 100, the paper's choice; it barely matters).
        eps: starting value of ``L``, > 0 (default 1e-8).

    State: ``w1`` (start point), ``L`` (max |g|), ``G`` (sum |g|), ``R`` (reward), ``S`` (sum g).
    """

    hyperparameters = ("alpha", "eps")
    state_names = ("w1", "L", "G", "R", "S")

    def __init__(self, alpha=100.0, eps=1e-8):
        super().__init__(alpha=alpha, eps=eps)

    def init_state(self, theta, *, alpha, eps):
        zeros = [np.zeros_like(theta) for _ in range(3)]
        return [theta.copy(), np.full_like(theta, eps), *zeros]

    def step(self, theta, g, w1, L, G, R, S, *, alpha, eps):
        L = np.maximum(L, np.abs(g))
        G = G + np.abs(g)
        R = np.maximum(R - g * (theta - w1), 0)
        S = S + g
        theta = w1 - S / np.maximum(G + L, alpha * L) * (L + R) / L
        return theta, w1, L, G, R, S

    def explain(self, before, after, *, alpha, eps):
        L, G, R, S = (after[name] for name in ("L", "G", "R", "S"))
        cap = np.maximum(G + L, alpha * L)
        return {"step_size": (L + R) / (L * cap), "wealth": L + R, "bet_fraction": -S / cap}


#: The lecture's eight optimizers, in lecture order (AdamW is a baseline beyond the lecture).
OPTIMIZERS: dict[str, type[Optimizer]] = {
    cls.__name__: cls for cls in (SGD, Momentum, Adagrad, RMSProp, Adadelta, Adam, AdaMax, COCOB)
}
