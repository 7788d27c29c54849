"""Minibatches: the epoch-shuffle loop shared by every minibatch run, and a least-squares model.

``batches(rng, n, batch_size)`` is the loop itself: every epoch is a fresh random permutation of
the ``n`` samples cut into consecutive batches, the incomplete last batch dropped. The trainer
(:mod:`lecture_lib.trainer`) and :func:`minibatch_run` both draw their batches from it, so a seed
means the same thing everywhere.

:func:`minibatch_run` fits least squares on minibatches: the small real model behind the lecture's
second cause of loss fluctuation (the batch changes from step to step)::

    mb = minibatch_run(batch_size=8, steps=200, lr=0.05, seed=0)
    print(mb.summary())
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from itertools import islice

import numpy as np

from lecture_lib._checks import check_int, check_positive
from lecture_lib.optimizers import SGD, Optimizer

__all__ = ["MinibatchRun", "batches", "frozen_batch_losses", "minibatch_run"]


def batches(rng: np.random.Generator, n: int, batch_size: int) -> Iterator[np.ndarray]:
    """Endless minibatch indices: each epoch a fresh permutation of ``range(n)``, cut in order."""
    per_epoch = max(1, n // batch_size)
    while True:
        order = rng.permutation(n)
        for b in range(per_epoch):
            yield order[b * batch_size : (b + 1) * batch_size]


@dataclass
class MinibatchRun:
    """Least-squares regression trained on minibatches.

    Attributes:
        label, batch_size, seed.
        losses: (n + 1,) loss on the whole data set at every iterate, start included.
        batch_losses: (n,) loss of the minibatch used by each update, before the update.
        weights: (n_features,) the final weights; true_weights: the generating ones.
        diverged_at: the update after which the full-data loss was no longer finite or had grown
            beyond ``blowup`` times its starting value (the run stops there and keeps only the
            iterates before it), or 0 if it did not diverge.
    """

    label: str
    batch_size: int
    seed: int
    losses: np.ndarray
    batch_losses: np.ndarray
    weights: np.ndarray
    true_weights: np.ndarray
    diverged_at: int = 0

    @property
    def diverged(self) -> bool:
        return self.diverged_at > 0

    @property
    def fluctuation(self) -> float:
        """Std of the step-to-step changes of the minibatch loss over the second half of the run:
        how much the loss curve jitters once the trend has flattened (inf for a diverged run)."""
        if self.diverged:
            return float("inf")
        half = self.batch_losses[len(self.batch_losses) // 2 :]
        return float(np.std(np.diff(half))) if len(half) > 1 else 0.0

    def summary(self) -> str:
        if self.diverged:
            return f"{self.label}: batch {self.batch_size}, diverged at step {self.diverged_at}"
        return (
            f"{self.label}: batch {self.batch_size}, {len(self.batch_losses)} steps, "
            f"full loss {self.losses[-1]:.4f}, fluctuation {self.fluctuation:.4f}"
        )


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
    blowup: float = 1e6,
    label: str | None = None,
) -> MinibatchRun:
    """Fit least squares ``L(w) = mean((X w - y)^2) / 2`` with minibatches of ``batch_size``.

    Data: ``X ~ N(0, 1)`` of shape (n_samples, n_features), ``y = X w_true + noise * N(0, 1)``,
    all drawn from ``numpy.random.default_rng(seed)``, which then also shuffles (:func:`batches`).
    The same ``seed`` therefore gives the same data for every batch size. ``w`` starts at 0.

    Args:
        batch_size: int in [1, n_samples].
        steps: updates, int in [1, 100000].
        lr: SGD learning rate (default 0.05) when ``optimizer`` is None; give one or the other.
        optimizer: any Optimizer (reset first); parameter key ``"w"``.
        blowup: > 1; the run counts as diverged once the full-data loss exceeds ``blowup`` times
            its value at the start (a too-high learning rate grows it geometrically long before
            it overflows).
    """
    n_samples, batch_size, seed = _check_data(n_samples, n_features, noise, batch_size, seed)
    steps = check_int("steps", steps, 1, high=100_000)
    blowup = check_positive("blowup", blowup)
    if optimizer is None:
        optimizer = SGD(lr=0.05 if lr is None else lr)
    elif lr is not None:
        raise ValueError("give either lr (for plain SGD) or optimizer, not both")
    elif not isinstance(optimizer, Optimizer):
        raise TypeError(f"optimizer must be an Optimizer instance, got {type(optimizer).__name__}")
    optimizer.reset()

    rng, X, y, w_true = _data(seed, n_samples, n_features, noise)

    def full_loss(w: np.ndarray) -> float:
        r = X @ w - y
        return 0.5 * float(r @ r) / n_samples

    w = np.zeros(n_features)
    losses, batch_losses = [full_loss(w)], []
    limit, diverged_at = blowup * max(losses[0], np.finfo(float).tiny), 0
    with np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore"):
        for k, idx in enumerate(islice(batches(rng, n_samples, batch_size), steps), start=1):
            r = X[idx] @ w - y[idx]
            optimizer.update({"w": w}, {"w": X[idx].T @ r / batch_size})
            full = full_loss(w)
            if not (np.isfinite(full) and full <= limit):
                diverged_at = k  # this update is not recorded, as in runners.run
                break
            batch_losses.append(0.5 * float(r @ r) / batch_size)
            losses.append(full)
    return MinibatchRun(
        label=repr(optimizer) if label is None else str(label),
        batch_size=batch_size,
        seed=seed,
        losses=np.array(losses),
        batch_losses=np.array(batch_losses),
        weights=w,
        true_weights=w_true,
        diverged_at=diverged_at,
    )


def frozen_batch_losses(
    batch_size: int,
    steps: int = 2000,
    seed: int = 0,
    *,
    n_samples: int = 1000,
    n_features: int = 5,
    noise: float = 0.5,
) -> np.ndarray:
    """(steps,) minibatch losses of the starting weights w = 0, which never move.

    The same data and batch order as :func:`minibatch_run` with the same arguments, but no update:
    the spread of these losses comes from drawing the batch alone (cause 2 of loss fluctuation
    without the parameters' own jitter). Compare with ``theory.minibatch_std_factor``.
    """
    n_samples, batch_size, seed = _check_data(n_samples, n_features, noise, batch_size, seed)
    steps = check_int("steps", steps, 1, high=100_000)
    rng, _, y, _ = _data(seed, n_samples, n_features, noise)
    squared = 0.5 * y**2  # each sample's loss at w = 0: (x . 0 - y)^2 / 2
    return np.array(
        [squared[idx].mean() for idx in islice(batches(rng, n_samples, batch_size), steps)]
    )


def _check_data(n_samples, n_features, noise, batch_size, seed) -> tuple[int, int, int]:
    n_samples = check_int("n_samples", n_samples, 1)
    check_int("n_features", n_features, 1)
    check_positive("noise", noise, allow_zero=True)
    batch_size = check_int("batch_size", batch_size, 1)
    if batch_size > n_samples:
        raise ValueError(f"batch_size must be an int in [1, {n_samples}], got {batch_size}")
    return n_samples, batch_size, check_int("seed", seed, 0)


def _data(seed: int, n_samples: int, n_features: int, noise: float):
    """``rng, X, y, w_true``: the regression data, drawn first from the run's generator."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n_samples, n_features))
    w_true = rng.standard_normal(n_features)
    y = X @ w_true + noise * rng.standard_normal(n_samples)
    return rng, X, y, w_true
