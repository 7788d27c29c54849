"""Training loop for the backprop networks: minibatches, any optimizer, plain data out.

>>> from lecture_lib.data import load_mnist
>>> from lecture_lib.networks import TwoLayerNet
>>> from lecture_lib.optimizers import SGD
>>> history = train(TwoLayerNet(784, 50, 10), SGD(lr=0.1), load_mnist(), epochs=5)  # doctest: +SKIP
>>> history.summary()  # doctest: +SKIP

Each epoch visits the training set once in a fresh random order, drawn by
:func:`lecture_lib.minibatch.batches` from ``np.random.default_rng(seed)`` (the last
``N mod batch_size`` samples of each shuffled order are skipped), so a run is fully determined by
the network's initial weights and ``seed``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import islice

import numpy as np
from tqdm.auto import tqdm

from lecture_lib._checks import check_int
from lecture_lib.minibatch import batches

__all__ = ["TrainingHistory", "train"]


@dataclass
class TrainingHistory:
    """What :func:`train` measured.

    Attributes:
        batch_losses: (iterations,) minibatch loss of each update, before it (fewer entries if
            training diverged).
        train_acc, test_acc: (epochs + 1,) accuracy on the whole training / test set before
            training (index 0) and after each completed epoch.
        iterations_per_epoch: updates per epoch, ``max(1, N_train // batch_size)``.
        label: legend text, by default ``repr(optimizer)``.
        batch_size, seed: as passed to :func:`train`.
        diverged_at: 1-based update number whose loss was not finite (training stopped
            there), or 0 if it did not diverge.
    """

    batch_losses: np.ndarray
    train_acc: np.ndarray
    test_acc: np.ndarray
    iterations_per_epoch: int
    label: str
    batch_size: int = 100
    seed: int | None = 0
    diverged_at: int = 0
    epochs: int = field(init=False)

    def __post_init__(self):
        self.epochs = len(self.train_acc) - 1

    @property
    def diverged(self) -> bool:
        return self.diverged_at > 0

    @property
    def iterations(self) -> int:
        return len(self.batch_losses)

    def summary(self) -> str:
        """One line, e.g. ``"SGD(lr=0.1): 400 steps, loss 0.312, test accuracy 0.915"``."""
        if self.diverged:
            return f"{self.label}: diverged at step {self.diverged_at}"
        loss = f"{self.batch_losses[-1]:.3f}" if len(self.batch_losses) else "n/a"
        accuracy = f"test accuracy {self.test_acc[-1]:.3f}"
        text = f"{self.label}: {self.iterations} steps, loss {loss}, {accuracy}"
        if self.iterations % self.iterations_per_epoch:  # accuracy is measured at epoch ends only
            text += f" (after epoch {len(self.test_acc) - 1})"
        return text


def _unpack(data):
    try:
        (x_train, t_train), (x_test, t_test) = data
    except (TypeError, ValueError):
        raise TypeError(
            "data must be ((x_train, t_train), (x_test, t_test)), as load_mnist() returns"
        ) from None
    for name, x, t in (("train", x_train, t_train), ("test", x_test, t_test)):
        if len(x) != len(t) or len(x) == 0:
            raise ValueError(
                f"data: {name} images and labels must be non-empty and of equal length, "
                f"got {len(x)} and {len(t)}"
            )
    return x_train, t_train, x_test, t_test


def train(
    network,
    optimizer,
    data,
    *,
    iterations=None,
    epochs=None,
    batch_size=100,
    seed=0,
    progress=False,
    label=None,
) -> TrainingHistory:
    """Train ``network`` with ``optimizer`` on minibatches; record loss and accuracies.

    Args:
        network: has ``params``, ``loss_and_gradient(x, t)`` (or ``loss`` and ``gradient``)
            and ``accuracy(x, t)`` -- e.g. TwoLayerNet, MultiLayerNet. Trained in place.
        optimizer: has ``update(params, grads)`` (any of :mod:`lecture_lib.optimizers`; its
            ``lr`` may be a schedule).
        data: ``((x_train, t_train), (x_test, t_test))``.
        iterations, epochs: give exactly one. With ``iterations``, accuracies are recorded
            after every *completed* epoch (``iterations // iterations_per_epoch`` of them).
        batch_size: samples per update, >= 1 (capped at the training-set size).
        seed: seed of the minibatch order.
        progress: show a tqdm progress bar (off by default; it closes itself when done, but
            turn it on only for live runs so that no bar is stored in a notebook's outputs).
        label: legend text; default ``repr(optimizer)``.

    Returns:
        TrainingHistory. If a loss becomes non-finite, training stops there and
        ``diverged_at`` says when; ``batch_losses`` then holds only the finite steps.
    """
    x_train, t_train, x_test, t_test = _unpack(data)
    if (iterations is None) == (epochs is None):
        raise ValueError("give exactly one of iterations and epochs")
    iterations = None if iterations is None else check_int("iterations", iterations, 1)
    epochs = None if epochs is None else check_int("epochs", epochs, 1)
    batch_size = check_int("batch_size", batch_size, 1)
    if not callable(getattr(optimizer, "update", None)):
        raise TypeError(
            f"optimizer must have an update(params, grads) method, got {type(optimizer).__name__}"
        )
    n_train = len(x_train)
    batch_size = min(batch_size, n_train)
    per_epoch = max(1, n_train // batch_size)
    if iterations is None:
        iterations = epochs * per_epoch

    if hasattr(network, "loss_and_gradient"):
        step = network.loss_and_gradient
    else:

        def step(x, t):
            return network.loss(x, t), network.gradient(x, t)

    rng = np.random.default_rng(seed)
    losses = []
    train_acc = [network.accuracy(x_train, t_train)]
    test_acc = [network.accuracy(x_test, t_test)]
    diverged_at = 0

    bar = None
    if progress:
        bar = tqdm(total=iterations, desc=label or type(optimizer).__name__, leave=False)
    try:
        for i, batch in enumerate(islice(batches(rng, n_train, batch_size), iterations), start=1):
            with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
                loss, grads = step(x_train[batch], t_train[batch])
                if not np.isfinite(loss):
                    diverged_at = i
                    break
                optimizer.update(network.params, grads)
            losses.append(loss)
            if i % per_epoch == 0:
                with np.errstate(over="ignore", invalid="ignore"):
                    train_acc.append(network.accuracy(x_train, t_train))
                    test_acc.append(network.accuracy(x_test, t_test))
            if bar is not None:
                bar.update(1)
                if i % per_epoch == 0:
                    bar.set_postfix(loss=f"{loss:.3f}", test_acc=f"{test_acc[-1]:.3f}")
    finally:
        if bar is not None:
            bar.close()

    return TrainingHistory(
        batch_losses=np.array(losses, dtype=float),
        train_acc=np.array(train_acc),
        test_acc=np.array(test_acc),
        iterations_per_epoch=per_epoch,
        label=repr(optimizer) if label is None else str(label),
        batch_size=batch_size,
        seed=seed,
        diverged_at=diverged_at,
    )
