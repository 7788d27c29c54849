"""Notebook 09's study "which optimizer?": the protocol, the same rule for every method.

1. :func:`validation_split` carves a stratified validation set out of the 4,000-image training
   sample. The 1,000 test images are not looked at until step 4.
2. Every method with a learning rate is trained at every lr of one grid (the selection seeds); the
   lr with the best mean final validation accuracy is chosen (:func:`select_lr`), and
   :func:`lr_width` measures how wide the range of good lrs is. The lr-free methods (Adadelta at
   eta = 1, as the series runs it, and COCOB) have nothing to choose and skip this step.
3. Every method is trained again at its chosen lr with new seeds (the final seeds).
4. Only then is each final network run once on the test set; its predictions are kept for the
   paired tests of :mod:`lecture_lib.verdicts`.

``benchmarks/which_optimizer.py`` runs the full study and saves a :class:`Study` as JSON; the
notebook loads it and runs a small replica of the same steps live.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from lecture_lib._checks import check_int, check_number
from lecture_lib.networks import MultiLayerNet
from lecture_lib.optimizers import (
    COCOB,
    SGD,
    Adadelta,
    Adagrad,
    Adam,
    AdaMax,
    AdamW,
    Momentum,
    Optimizer,
    RMSProp,
)
from lecture_lib.schedules import CosineDecay, Warmup
from lecture_lib.trainer import TrainingHistory, train

__all__ = [
    "METHODS",
    "NETWORK",
    "Method",
    "Run",
    "Split",
    "Study",
    "Width",
    "adam_l2",
    "adamw",
    "fit",
    "lr_width",
    "make_network",
    "seed_noise",
    "select_lr",
    "train_run",
    "validation_split",
]

#: The book's network for the optimizer comparison on MNIST (784-100-100-100-100-10, ReLU, He).
NETWORK = {
    "input_size": 784,
    "hidden_sizes": [100, 100, 100, 100],
    "output_size": 10,
    "activation": "relu",
    "weight_init": "he",
}


def make_network(seed: int, weight_decay: float = 0.0) -> MultiLayerNet:
    """A fresh :data:`NETWORK` whose initial weights are drawn with ``seed``."""
    return MultiLayerNet(**NETWORK, seed=seed, weight_decay=weight_decay)


@dataclass(frozen=True)
class Method:
    """One contender: ``build(lr, updates)`` makes its optimizer for a run of ``updates`` updates.

    ``lr_free`` methods are built with ``lr=None``. ``weight_decay`` is the network's L2
    coefficient (the loss gets + lambda/2 sum W^2), for "Adam + L2".
    """

    name: str
    build: Callable[[float | None, int], Optimizer] = field(repr=False, compare=False)
    lr_free: bool = False
    weight_decay: float = 0.0

    def optimizer(self, lr: float | None, updates: int) -> Optimizer:
        """The optimizer for one run; ``lr`` must be None exactly for lr-free methods."""
        if self.lr_free:
            if lr is not None:
                raise ValueError(f"{self.name} has no learning rate: lr must be None, got {lr!r}")
        else:
            lr = check_number("lr", lr, 0.0, math.inf, low_open=True, high_open=True)
        return self.build(lr, check_int("updates", updates, 1))


def _momentum_cosine(lr: float, updates: int) -> Optimizer:
    """Momentum, linear warm-up over the first 5% of the updates, then cosine decay to 0."""
    return Momentum(lr=Warmup(CosineDecay(lr, steps=updates), steps=max(1, updates // 20)))


#: The contenders of the main comparison, in the series' order; the last two are lr-free.
METHODS: dict[str, Method] = {
    m.name: m
    for m in (
        Method("SGD", lambda lr, n: SGD(lr=lr)),
        Method("Momentum", lambda lr, n: Momentum(lr=lr)),
        Method("Momentum+cos", _momentum_cosine),
        Method("Adagrad", lambda lr, n: Adagrad(lr=lr)),
        Method("RMSProp", lambda lr, n: RMSProp(lr=lr)),
        Method("Adam", lambda lr, n: Adam(lr=lr)),
        Method("AdaMax", lambda lr, n: AdaMax(lr=lr)),
        Method("AdamW", lambda lr, n: AdamW(lr=lr)),
        Method("Adadelta", lambda lr, n: Adadelta(), lr_free=True),  # eta = 1, Zeiler's rule
        Method("COCOB", lambda lr, n: COCOB(), lr_free=True),
    )
}


def adam_l2(weight_decay: float) -> Method:
    """Adam on the loss + (lambda/2) sum W^2: the decay gradient passes through 1/sqrt(v_hat)."""
    return Method("Adam+L2", lambda lr, n: Adam(lr=lr), weight_decay=weight_decay)


def adamw(weight_decay: float) -> Method:
    """AdamW: the decay lr * lambda * theta is applied to the weights, outside Adam's scaling."""
    return Method("AdamW", lambda lr, n: AdamW(lr=lr, weight_decay=weight_decay))


# ------------------------------------------------------------------------------ data
@dataclass(frozen=True)
class Split:
    """``(x, t)`` pairs: ``train`` and ``val`` from the training sample; ``test`` as given."""

    train: tuple[np.ndarray, np.ndarray]
    val: tuple[np.ndarray, np.ndarray]
    test: tuple[np.ndarray, np.ndarray]


def validation_split(data, n_val: int = 1000, seed: int = 0) -> Split:
    """Carve ``n_val`` validation images out of the training part of ``data``, stratified.

    Each class gives its share of ``n_val`` (largest remainders round it), drawn at random with
    ``seed``; the rest stays for training, in its original order. The test part is untouched.
    """
    try:
        (x, t), test = data
    except (TypeError, ValueError):
        raise TypeError("data must be ((x_train, t_train), (x_test, t_test))") from None
    t = np.asarray(t)
    n_val = check_int("n_val", n_val, 1)
    if n_val >= len(t):
        raise ValueError(f"n_val must be smaller than the {len(t)} training images, got {n_val}")
    classes, counts = np.unique(t, return_counts=True)
    share = n_val * counts / len(t)
    take = np.floor(share).astype(int)
    take[np.argsort(take - share, kind="stable")[: n_val - take.sum()]] += 1
    rng = np.random.default_rng(seed)
    val = np.sort(
        np.concatenate(
            [
                rng.permutation(np.flatnonzero(t == c))[:k]
                for c, k in zip(classes, take, strict=True)
            ]
        )
    )
    keep = np.setdiff1d(np.arange(len(t)), val)
    return Split((x[keep], t[keep]), (x[val], t[val]), (test[0], np.asarray(test[1])))


# ------------------------------------------------------------------------------ runs
@dataclass
class Run:
    """One training run, as stored: accuracies as counts of images, so they are exact.

    Attributes:
        method, lr (None for lr-free), seed (initial weights and minibatch order).
        val_correct, train_correct: (epochs + 1,) images right before training and after each
            epoch, out of ``n_val`` / ``n_train`` (shorter if the run diverged).
        epoch_loss: (epochs,) mean minibatch loss of each epoch (NaN after a divergence).
        val_loss: cross-entropy on the validation set at the end (no L2 term; NaN if diverged).
        diverged_at: update whose loss was not finite, 0 if none.
        test_pred: (n_test,) predicted classes of the final network, for final runs only.
    """

    method: str
    lr: float | None
    seed: int
    n_val: int
    n_train: int
    val_correct: np.ndarray
    train_correct: np.ndarray
    epoch_loss: np.ndarray
    val_loss: float
    diverged_at: int = 0
    test_pred: np.ndarray | None = None

    @property
    def val_acc(self) -> float:
        """Validation accuracy at the end; NaN if the run diverged."""
        return math.nan if self.diverged_at else float(self.val_correct[-1] / self.n_val)

    def val_acc_after(self, epoch: int) -> float:
        """Validation accuracy after ``epoch`` epochs (0: before training), what a run of that
        length would have reported; NaN if the run diverged before completing that epoch."""
        if not 0 <= epoch < len(self.val_correct):
            return math.nan
        return float(self.val_correct[epoch] / self.n_val)

    def to_dict(self) -> dict:
        d = asdict(self)
        for key in ("val_correct", "train_correct"):
            d[key] = [int(v) for v in d[key]]
        d["epoch_loss"] = [
            None if not np.isfinite(v) else float(f"{v:.6g}") for v in self.epoch_loss
        ]
        d["val_loss"] = None if not np.isfinite(self.val_loss) else float(f"{self.val_loss:.6g}")
        d["test_pred"] = None if self.test_pred is None else "".join(map(str, self.test_pred))
        return d

    @classmethod
    def from_dict(cls, d: dict) -> Run:
        d = dict(d)
        d["val_correct"] = np.array(d["val_correct"], dtype=int)
        d["train_correct"] = np.array(d["train_correct"], dtype=int)
        d["epoch_loss"] = np.array([np.nan if v is None else v for v in d["epoch_loss"]])
        d["val_loss"] = math.nan if d["val_loss"] is None else d["val_loss"]
        pred = d.get("test_pred")
        d["test_pred"] = None if pred is None else np.frombuffer(pred.encode(), np.uint8) - 48
        return cls(**d)


def fit(
    method: Method,
    lr: float | None,
    seed: int,
    split: Split,
    epochs: int,
    *,
    batch_size: int = 100,
    schedule_epochs: int | None = None,
) -> tuple[TrainingHistory, MultiLayerNet, Optimizer]:
    """Train a fresh network: ``(history, network, optimizer)``.

    The validation set plays the test set's part in :func:`~lecture_lib.trainer.train` (its
    ``test_acc`` is the validation accuracy). A schedule is built for ``schedule_epochs`` (default
    ``epochs``), so a short replica follows the first epochs of a long run exactly.
    """
    epochs = check_int("epochs", epochs, 1)
    planned = (
        epochs if schedule_epochs is None else check_int("schedule_epochs", schedule_epochs, epochs)
    )
    per_epoch = max(1, len(split.train[1]) // check_int("batch_size", batch_size, 1))
    network = make_network(seed, method.weight_decay)
    optimizer = method.optimizer(lr, per_epoch * planned)
    history = train(
        network,
        optimizer,
        (split.train, split.val),
        epochs=epochs,
        batch_size=batch_size,
        seed=seed,
        label=method.name,
    )
    return history, network, optimizer


def train_run(
    method: Method,
    lr: float | None,
    seed: int,
    split: Split,
    epochs: int,
    *,
    batch_size: int = 100,
    schedule_epochs: int | None = None,
    test: bool = False,
) -> Run:
    """One run of the protocol; with ``test=True`` the final network predicts the test set once."""
    h, net, _ = fit(
        method, lr, seed, split, epochs, batch_size=batch_size, schedule_epochs=schedule_epochs
    )
    n_val, n_train = len(split.val[1]), len(split.train[1])
    per_epoch = h.iterations_per_epoch
    losses = np.full(epochs * per_epoch, np.nan)
    losses[: len(h.batch_losses)] = h.batch_losses
    with np.errstate(all="ignore"):  # a diverged network holds NaN: its loss is NaN, no warning
        val_loss = float(net.loss(*split.val) - net.penalty())
        pred = net.predict(split.test[0]).argmax(axis=1).astype(np.uint8) if test else None
    return Run(
        method=method.name,
        lr=None if lr is None else float(lr),
        seed=seed,
        n_val=n_val,
        n_train=n_train,
        val_correct=np.rint(h.test_acc * n_val).astype(int),
        train_correct=np.rint(h.train_acc * n_train).astype(int),
        epoch_loss=losses.reshape(epochs, per_epoch).mean(axis=1),
        val_loss=val_loss if not h.diverged_at else math.nan,
        diverged_at=int(h.diverged_at),
        test_pred=pred,
    )


# ------------------------------------------------------------------------------ lr choice
def _mean_scores(scores) -> np.ndarray:
    s = np.asarray(scores, dtype=float)
    s = s[:, None] if s.ndim == 1 else s
    if s.ndim != 2:
        raise ValueError(f"scores must be (n_lr,) or (n_lr, n_seeds), got shape {s.shape}")
    # a diverged seed (NaN) sinks its lr: the mean over seeds is NaN
    return s.mean(axis=1)


def select_lr(lrs, scores, losses=None) -> int:
    """Index of the lr with the highest mean validation accuracy over seeds.

    ``scores``: (n_lr,) or (n_lr, n_seeds), NaN for a diverged run (such an lr is never chosen).
    Ties go to the lower mean validation loss (``losses``, same shape), then to the smaller lr.
    """
    lrs = np.asarray(lrs, dtype=float)
    mean = _mean_scores(scores)
    if mean.shape != lrs.shape:
        raise ValueError(f"scores must have one row per lr ({len(lrs)}), got {len(mean)}")
    if not np.isfinite(mean).any():
        raise ValueError("every lr diverged: there is nothing to choose")
    loss = (
        np.zeros_like(mean) if losses is None else np.nan_to_num(_mean_scores(losses), nan=np.inf)
    )
    order = sorted(np.flatnonzero(np.isfinite(mean)), key=lambda i: (-mean[i], loss[i], lrs[i]))
    return int(order[0])


@dataclass(frozen=True)
class Width:
    """The lrs within ``margin`` of the best mean score: ``n`` grid points from ``low`` to
    ``high``, ``decades`` = n x the grid step (each point stands for one grid cell); ``at_edge``
    if the range reaches the end of the grid (then the true width may be larger)."""

    decades: float
    low: float
    high: float
    n: int
    at_edge: bool
    margin: float = 0.0


def seed_noise(scores) -> float:
    """The standard error of the difference between two lrs' mean scores, from the seeds.

    ``scores``: (n_lr, n_seeds). The variance over seeds (ddof 1) is taken at each lr where no
    seed diverged, and the median over those lrs stands for all (an unstable lr far from the best
    does not inflate it); the difference of two means of k seeds then has the standard error
    sqrt(2 s^2 / k). 0 with a single seed (no spread to measure).
    """
    s = np.asarray(scores, dtype=float)
    s = s[:, None] if s.ndim == 1 else s
    rows = s[np.isfinite(s).all(axis=1)]
    if s.shape[1] < 2 or len(rows) == 0:
        return 0.0
    return float(np.sqrt(2 * np.median(rows.var(axis=1, ddof=1)) / s.shape[1]))


def lr_width(lrs, scores, within: float = 0.01) -> Width:
    """How wide the good lr range is, in decades, on a log-spaced grid ``lrs`` (ascending).

    The range is the unbroken run of grid points around the best whose mean score is at least
    ``best - margin``, where ``margin`` is ``within`` (e.g. validation accuracy within 1
    percentage point of the best) or twice :func:`seed_noise`, whichever is larger: a gap
    smaller than the seeds' noise cannot tell a worse lr from a lucky draw of seeds.
    """
    lrs = np.asarray(lrs, dtype=float)
    steps = np.diff(np.log10(lrs))
    if lrs.ndim != 1 or len(lrs) < 2 or not np.allclose(steps, steps[0]) or steps[0] <= 0:
        raise ValueError("lrs must be an ascending log-spaced grid of at least 2 values")
    within = check_number("within", within, 0.0, 1.0, low_open=False, high_open=False)
    step = round(float(steps.mean()), 6)  # a grid of rounded lrs is log-spaced to ~1e-7
    mean = _mean_scores(scores)
    best = select_lr(lrs, scores)
    margin = max(within, 2 * seed_noise(scores))
    good = np.nan_to_num(mean, nan=-np.inf) >= mean[best] - margin
    lo = hi = best
    while lo > 0 and good[lo - 1]:
        lo -= 1
    while hi < len(lrs) - 1 and good[hi + 1]:
        hi += 1
    n = hi - lo + 1
    edge = lo == 0 or hi == len(lrs) - 1
    return Width(n * step, float(lrs[lo]), float(lrs[hi]), n, edge, float(margin))


# ------------------------------------------------------------------------------ storage
@dataclass
class Study:
    """Everything the benchmark measured (see ``benchmarks/which_optimizer.py``).

    ``selection``: lr-grid runs per lr method; ``final``: runs at the chosen lr, final seeds, with
    test predictions; ``decay``: the Adam + L2 vs AdamW experiment, the same layout inside;
    ``timing``: seconds per epoch / per update, from one timing pass.
    """

    settings: dict
    environment: dict
    chosen_lr: dict[str, float | None]
    selection: dict[str, list[Run]]
    final: dict[str, list[Run]]
    test_labels: np.ndarray
    timing: dict
    decay: dict
    runtime_seconds: float

    @property
    def lr_grid(self) -> np.ndarray:
        return np.array(self.settings["lr_grid"], dtype=float)

    def save(self, path) -> None:
        def runs(d):
            return {k: [r.to_dict() for r in v] for k, v in d.items()}

        data = asdict(self) | {
            "selection": runs(self.selection),
            "final": runs(self.final),
            "test_labels": "".join(map(str, self.test_labels)),
            "decay": self.decay | {k: runs(self.decay[k]) for k in ("selection", "final")},
        }
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        Path(path).write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n")

    @classmethod
    def load(cls, path) -> Study:
        path = Path(path)
        if not path.is_file():
            raise FileNotFoundError(
                f"{path} is missing: run `python benchmarks/which_optimizer.py` to create it"
            )
        d = json.loads(path.read_text())

        def runs(x):
            return {k: [Run.from_dict(r) for r in v] for k, v in x.items()}

        d["selection"], d["final"] = runs(d["selection"]), runs(d["final"])
        d["decay"] = d["decay"] | {k: runs(d["decay"][k]) for k in ("selection", "final")}
        d["test_labels"] = np.frombuffer(d["test_labels"].encode(), np.uint8) - 48
        return cls(**d)
