"""From a :class:`~lecture_lib.study.Study` to verdicts: paired comparisons and the recommendation.

A difference between two methods is claimed only when it is larger than both kinds of noise:

- the seeds (initial weights, minibatch order): paired t-test on the per-seed differences of test
  accuracy (seed i of one method against seed i of the other);
- the finite test set: McNemar's exact test on the same 1,000 images, where a method counts as
  right on an image when most of its seeds are right.

Both p-values are Holm-adjusted within the family of comparisons made together. Otherwise the
verdict is "tie": not "equal", but "no difference this study can detect".

The recommendation uses one rule for every method, the lr-free ones included:

1. quality: each method is compared with the *reference*, the method with the best mean
   validation accuracy (chosen without the test set); "worse" puts it below;
2. lr sensitivity (its own column): how many decades of lr stay within ``within`` of the best
   validation accuracy, or within twice the seeds' noise where that is larger
   (:func:`~lecture_lib.study.lr_width`); lr-free methods have no lr to get wrong;
3. speed (epochs to a validation accuracy) and cost (seconds per epoch, ratio to SGD) are shown
   beside, and do not enter the verdict.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from lecture_lib.stats import Interval, McNemar, holm, mcnemar_exact, mean_ci, paired_t_test
from lecture_lib.study import Run, Study, Width, lr_width

__all__ = [
    "Comparison",
    "Row",
    "compare_many",
    "epochs_to",
    "format_p",
    "format_rows",
    "grid_scores",
    "majority_correct",
    "mean_curve",
    "recommend",
    "reference",
    "seed_accuracies",
]


def seed_accuracies(runs: list[Run], labels) -> np.ndarray:
    """(n_seeds,) test accuracy of each final run."""
    return np.array([np.mean(r.test_pred == labels) for r in runs])


def majority_correct(runs: list[Run], labels) -> np.ndarray:
    """(n_test,) bool: the image is classified right by more than half of the seeds (with an even
    number of seeds, half right counts as wrong: use an odd number, as the study does)."""
    right = np.array([r.test_pred == labels for r in runs])
    return right.sum(axis=0) * 2 > len(runs)


def format_p(p: float) -> str:
    """A p-value for print: ``p<0.001``, else two significant digits (``p=0.013``, ``p=0.41``)."""
    return "p<0.001" if p < 0.001 else f"p={p:.2g}" if p < 0.1 else f"p={p:.2f}"


@dataclass(frozen=True)
class Comparison:
    """a against b on the test set. ``verdict`` is a's: "better", "worse" or "tie"."""

    a: str
    b: str
    diff: Interval  # mean over seeds of acc_a - acc_b, with its 95% interval
    p_t: float  # paired t-test, Holm-adjusted within the family
    mcnemar: McNemar  # majority-vote McNemar counts; p is raw
    p_mcnemar: float  # Holm-adjusted
    verdict: str

    def text(self) -> str:
        return (
            f"diff {round(self.diff.mean, 4) + 0.0:+.4f} ± {self.diff.half:.4f}, "
            f"paired t {format_p(self.p_t)}, "
            f"McNemar {self.mcnemar.only_a}:{self.mcnemar.only_b} {format_p(self.p_mcnemar)}"
        )


def compare_many(pairs, labels, alpha: float = 0.05) -> list[Comparison]:
    """Compare each ``(name_a, runs_a, name_b, runs_b)``; Holm within this family of pairs.

    Runs pair up by seed: ``runs_a[i].seed == runs_b[i].seed``.
    """
    raw = []
    for name_a, runs_a, name_b, runs_b in pairs:
        if [r.seed for r in runs_a] != [r.seed for r in runs_b]:
            raise ValueError(f"{name_a} and {name_b} must have runs with the same seeds, in order")
        t = paired_t_test(seed_accuracies(runs_a, labels), seed_accuracies(runs_b, labels))
        m = mcnemar_exact(majority_correct(runs_a, labels), majority_correct(runs_b, labels))
        raw.append((name_a, name_b, t, m))
    p_t = holm([t.p for *_, t, _ in raw]) if raw else []
    p_m = holm([m.p for *_, m in raw]) if raw else []
    out = []
    for (name_a, name_b, t, m), pt, pm in zip(raw, p_t, p_m, strict=True):
        same_sign = np.sign(t.diff.mean) == np.sign(m.only_a - m.only_b) != 0
        verdict = "tie"
        if pt < alpha and pm < alpha and same_sign:
            verdict = "better" if t.diff.mean > 0 else "worse"
        out.append(Comparison(name_a, name_b, t.diff, float(pt), m, float(pm), verdict))
    return out


def epochs_to(runs: list[Run], target: float) -> float:
    """Mean over seeds of the first epoch with validation accuracy >= ``target``; inf if a seed
    never gets there."""
    first = []
    for r in runs:
        hit = np.flatnonzero(r.val_correct >= target * r.n_val)
        first.append(hit[0] if hit.size else math.inf)
    return float(np.mean(first))


def reference(study: Study) -> str:
    """The method with the best mean final validation accuracy (the test set plays no part)."""
    return max(study.final, key=lambda name: np.mean([r.val_acc for r in study.final[name]]))


@dataclass(frozen=True)
class Row:
    """One line of the recommendation table."""

    method: str
    lr_free: bool
    lr: float | None
    test: Interval
    quality: str  # "reference", "tie", "better" or "worse" (against the reference)
    comparison: Comparison | None
    width: Width | None
    epochs: float
    time_ratio: float | None
    verdict: str
    reason: str


def _verdict(quality: str, lr_free: bool, width: Width | None, wide: float) -> str:
    if quality == "worse":
        return "not recommended here"
    if lr_free:
        return "recommended, no lr"
    return "recommended" if width.decades >= wide else "ok, tune lr with care"


def _reason(
    row_quality: str,
    ref: str,
    ref_val: float,
    cmp: Comparison | None,
    width: Width | None,
    within: float,
) -> str:
    if row_quality == "reference":
        first = f"best mean validation accuracy ({ref_val:.4f})"
    else:
        word = {"tie": "ties", "better": "beats", "worse": "below"}[row_quality]
        first = f"{word} {ref}: {cmp.text()}"
    if width is None:
        return f"{first}; no lr to choose"
    edge = " (grid edge: at least)" if width.at_edge else ""
    unit = "decade" if width.decades == 1 else "decades"
    margin = f"{width.margin:.1%}p".replace(".0%", "%")
    noise = "" if width.margin <= within else " (2 x the seeds' noise)"
    return f"{first}; lrs within {margin}{noise} of its best span {width.decades:g} {unit}{edge}"


def recommend(
    study: Study,
    *,
    alpha: float = 0.05,
    within: float = 0.01,
    wide: float = 1.0,
    target: float = 0.92,
    clock: str = "epoch_seconds",
) -> list[Row]:
    """The recommendation table, computed from ``study`` with one rule for every method.

    Rows: the reference first, then the rest in the study's order. ``wide``: decades of good lrs
    needed for "recommended" (below: "ok, tune lr with care"); ``target``: validation accuracy
    for the speed column; ``clock``: the timing entry for the time column (``"epoch_seconds"``,
    wall clock, or ``"epoch_cpu_seconds"``).
    """
    labels = study.test_labels
    ref = reference(study)
    others = [n for n in study.final if n != ref]
    cmps = compare_many([(n, study.final[n], ref, study.final[ref]) for n in others], labels, alpha)
    by_name = {c.a: c for c in cmps}
    ref_val = float(np.mean([r.val_acc for r in study.final[ref]]))
    epoch_s = study.timing.get(clock, {})
    rows = []
    for name in [ref, *others]:
        runs = study.final[name]
        lr_free = study.chosen_lr[name] is None
        width = None
        if not lr_free:
            width = lr_width(study.lr_grid, grid_scores(study, name), within)
        cmp = by_name.get(name)
        quality = "reference" if cmp is None else cmp.verdict
        ratio = epoch_s[name] / epoch_s["SGD"] if name in epoch_s and "SGD" in epoch_s else None
        rows.append(
            Row(
                method=name,
                lr_free=lr_free,
                lr=study.chosen_lr[name],
                test=mean_ci(seed_accuracies(runs, labels)),
                quality=quality,
                comparison=cmp,
                width=width,
                epochs=epochs_to(runs, target),
                time_ratio=ratio,
                verdict=_verdict(quality, lr_free, width, wide),
                reason=_reason(quality, ref, ref_val, cmp, width, within),
            )
        )
    return rows


def grid_scores(
    study: Study, name: str, attr: str = "val_acc", *, epoch: int | None = None
) -> np.ndarray:
    """(n_lr, n_seeds) of ``attr`` of one method's selection runs, rows in lr-grid order;
    with ``epoch``, the validation accuracy after that many epochs instead (a shorter run)."""
    runs, grid = study.selection[name], list(study.lr_grid)
    seeds = sorted({r.seed for r in runs})
    out = np.full((len(grid), len(seeds)), np.nan)
    for r in runs:
        value = getattr(r, attr) if epoch is None else r.val_acc_after(epoch)
        out[grid.index(r.lr), seeds.index(r.seed)] = value
    return out


def mean_curve(runs: list[Run], attr: str = "val_correct") -> np.ndarray:
    """Accuracy after each epoch (index 0: before training), averaged over the runs."""
    n = "n_val" if attr == "val_correct" else "n_train"
    return np.mean([getattr(r, attr) / getattr(r, n) for r in runs], axis=0)


def format_rows(rows: list[Row]) -> str:
    """The recommendation table as fixed-width text (the reasons in a second block)."""
    head = (
        f"{'method':<13}{'group':<9}{'lr':>7}  {'test acc (95% CI)':<18}{'vs ref':<10}"
        f"{'good lrs':>9}{'epochs':>8}{'time':>6}  verdict"
    )
    lines = [head]
    for r in rows:
        lr = "-" if r.lr is None else f"{r.lr:.2g}"
        width = "no lr" if r.width is None else f"{r.width.decades:g} dec"
        epochs = "never" if math.isinf(r.epochs) else f"{r.epochs:.1f}"
        time = "-" if r.time_ratio is None else f"{r.time_ratio:.2f}"
        group = "lr-free" if r.lr_free else "tuned"
        lines.append(
            f"{r.method:<13}{group:<9}{lr:>7}  {r.test.mean:.4f} ± {r.test.half:.4f}  "
            f"{r.quality:<10}{width:>9}{epochs:>8}{time:>6}  {r.verdict}"
        )
    lines.append("")
    lines.extend(f"{r.method}: {r.reason}" for r in rows)
    return "\n".join(lines)
