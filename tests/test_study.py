"""Notebook 09's study: statistics (stats), protocol (study), verdicts and the recommendation."""

from __future__ import annotations

import math

import numpy as np
import pytest

from lecture_lib.data import load_mnist
from lecture_lib.plots import new_figure, plot_arrival, plot_curves, plot_intervals, plot_lr_curves
from lecture_lib.schedules import CosineDecay, Warmup
from lecture_lib.stats import (
    holm,
    mcnemar_exact,
    mean_ci,
    paired_t_test,
    t_quantile,
    t_two_sided_p,
)
from lecture_lib.study import (
    METHODS,
    Method,
    Run,
    Study,
    adam_l2,
    adamw,
    lr_width,
    seed_noise,
    select_lr,
    train_run,
    validation_split,
)
from lecture_lib.verdicts import (
    compare_many,
    epochs_to,
    format_p,
    format_rows,
    grid_scores,
    majority_correct,
    recommend,
    reference,
    seed_accuracies,
)

pytestmark = pytest.mark.study


# ------------------------------------------------------------------------------ stats
@pytest.mark.parametrize(
    ("df", "q95", "q99"),  # two-sided critical values of Student's t, from printed tables
    [
        (1, 12.7062047, 63.6567412),
        (2, 4.3026527, 9.9248432),
        (4, 2.7764451, 4.6040949),
        (9, 2.2621572, 3.2498355),
        (30, 2.0422725, 2.7499957),
    ],
)
def test_t_quantile_matches_the_tables(df, q95, q99):
    assert t_quantile(0.95, df) == pytest.approx(q95, abs=1e-7)
    assert t_quantile(0.99, df) == pytest.approx(q99, abs=1e-7)


def test_t_quantile_tends_to_the_normal_value():
    assert 1.959964 < t_quantile(0.95, 2000) < 1.96116 < t_quantile(0.95, 1000)


@pytest.mark.parametrize("df", [1, 2, 3, 4, 7, 10, 51])
def test_t_p_value_inverts_the_quantile(df):
    for c in (0.5, 0.9, 0.95, 0.999):
        assert t_two_sided_p(t_quantile(c, df), df) == pytest.approx(1 - c, rel=1e-9)
    assert t_two_sided_p(0.0, df) == 1.0
    assert t_two_sided_p(math.inf, df) == t_two_sided_p(-math.inf, df) == 0.0
    assert t_two_sided_p(-1.7, df) == t_two_sided_p(1.7, df)


def test_t_p_value_closed_forms_for_one_and_two_degrees_of_freedom():
    for t in (0.3, 1.0, 4.0):
        assert t_two_sided_p(t, 1) == pytest.approx(1 - 2 * math.atan(t) / math.pi, rel=1e-12)
        assert t_two_sided_p(t, 2) == pytest.approx(1 - t / math.sqrt(2 + t * t), rel=1e-12)


def test_mean_ci_of_five_values():
    ci = mean_ci([1, 2, 3, 4, 5])
    assert ci.mean == 3.0 and ci.n == 5
    assert ci.half == pytest.approx(2.7764451 * math.sqrt(2.5) / math.sqrt(5), rel=1e-7)
    assert (ci.low, ci.high) == (ci.mean - ci.half, ci.mean + ci.half)
    assert str(mean_ci([0.5, 0.5])) == "0.5000 ± 0.0000"


def test_paired_t_uses_the_differences():
    a, b = [0.93, 0.95, 0.94, 0.96], [0.92, 0.93, 0.93, 0.94]
    res = paired_t_test(a, b)
    d = np.subtract(a, b)
    t = d.mean() / (d.std(ddof=1) / 2)
    assert res.t == pytest.approx(t, rel=1e-12) and res.df == 3
    assert res.p == pytest.approx(t_two_sided_p(t, 3), rel=1e-12) and res.p < 0.05
    assert res.diff.mean == pytest.approx(0.015, rel=1e-12)
    assert paired_t_test(b, a).p == pytest.approx(res.p, rel=1e-12)
    assert paired_t_test([0.0, 0.0], [0.0, 0.0]).p == 1.0
    assert paired_t_test([1.0, 2.0], [0.5, 1.5]).p == 0.0  # every difference equal: s_d = 0


def test_mcnemar_exact_small_cases():
    def pair(only_a, only_b, both=5):
        a = np.array([True] * only_a + [False] * only_b + [True] * both)
        b = np.array([False] * only_a + [True] * only_b + [True] * both)
        return a, b

    assert mcnemar_exact(*pair(9, 1)).p == pytest.approx(0.021484375, abs=0)
    assert mcnemar_exact(*pair(0, 5)).p == 0.0625
    assert mcnemar_exact(*pair(4, 4)).p == 1.0
    assert mcnemar_exact(*pair(0, 0)).p == 1.0
    res = mcnemar_exact(*pair(30, 12))
    assert (res.only_a, res.only_b) == (30, 12)
    assert mcnemar_exact(*pair(12, 30)).p == res.p
    with pytest.raises(ValueError, match="boolean arrays of one shape"):
        mcnemar_exact(np.ones(3), np.ones(3))


def test_holm_adjustment():
    np.testing.assert_allclose(holm([0.01, 0.04, 0.03, 0.005]), [0.03, 0.06, 0.06, 0.02])
    assert holm([0.5]).tolist() == [0.5]
    assert holm([0.6, 0.7]).tolist() == [1.0, 1.0]
    with pytest.raises(ValueError, match="pvalues must be"):
        holm([0.1, 1.5])


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: t_quantile(1.0, 3), "^confidence must be"),
        (lambda: t_quantile(0.95, 0), "^df must be"),
        (lambda: t_two_sided_p(math.nan, 3), "^t must be"),
        (lambda: mean_ci([1.0]), "^values must be"),
        (lambda: mean_ci([1.0, math.nan]), "^values must be finite"),
        (lambda: paired_t_test([1, 2, 3], [1, 2]), "^a and b must pair up"),
    ],
)
def test_bad_statistics_arguments(call, match):
    with pytest.raises((ValueError, TypeError), match=match):
        call()


# ------------------------------------------------------------------------------ protocol
@pytest.fixture(scope="module")
def split():
    return validation_split(load_mnist(), n_val=1000, seed=0)


@pytest.fixture(scope="module")
def small():
    """600 training images (500 train + 100 validation: 5 updates per epoch), 100 test images."""
    (x, t), (x_test, t_test) = load_mnist()
    return validation_split(((x[:600], t[:600]), (x_test[:100], t_test[:100])), n_val=100)


def test_validation_split_is_stratified_disjoint_and_leaves_test_alone(split):
    data = load_mnist()
    x_test, t_test = data[1]
    assert len(split.train[1]) == 3000 and len(split.val[1]) == 1000
    assert np.bincount(split.val[1]).tolist() == [100] * 10
    rows = {row.tobytes() for row in split.val[0]}
    assert not rows & {row.tobytes() for row in split.train[0]}
    assert np.array_equal(split.test[0], x_test) and np.array_equal(split.test[1], t_test)
    again = validation_split(data, n_val=1000, seed=0)
    assert np.array_equal(again.val[0], split.val[0])
    assert not np.array_equal(validation_split(data, n_val=1000, seed=1).val[0], split.val[0])
    odd = validation_split(data, n_val=25, seed=0)
    assert len(odd.val[1]) == 25 and np.bincount(odd.val[1]).max() == 3


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [({"n_val": 0}, "^n_val must be"), ({"n_val": 4000}, "^n_val must be smaller")],
)
def test_validation_split_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        validation_split(load_mnist(), **kwargs)


def test_methods_and_their_groups():
    assert list(METHODS)[:2] == ["SGD", "Momentum"]
    assert [n for n, m in METHODS.items() if m.lr_free] == ["Adadelta", "COCOB"]
    assert repr(METHODS["Adadelta"].optimizer(None, 10)).startswith("Adadelta(lr=1.0")
    opt = METHODS["Momentum+cos"].optimizer(0.1, 900)
    assert isinstance(opt.lr, Warmup) and isinstance(opt.lr.schedule, CosineDecay)
    assert opt.lr.steps == 45 and opt.lr(45) == CosineDecay(0.1, 900)(45)
    assert opt.lr(1) == CosineDecay(0.1, 900)(1) / 45
    assert opt.lr(901) == 0.0
    assert adam_l2(0.01).weight_decay == 0.01 and repr(adam_l2(0.01).optimizer(1e-3, 5)).startswith(
        "Adam(lr=0.001"
    )
    assert adamw(0.5).optimizer(1e-3, 5).weight_decay == 0.5
    with pytest.raises(ValueError, match="COCOB has no learning rate"):
        METHODS["COCOB"].optimizer(0.1, 10)
    with pytest.raises(TypeError, match=r"^lr must be"):
        METHODS["SGD"].optimizer(None, 10)


def test_select_lr_best_mean_then_lower_loss_then_smaller_lr():
    lrs = [1e-3, 1e-2, 1e-1, 1.0]
    scores = [[0.90, 0.92], [0.95, 0.93], [0.96, 0.90], [np.nan, 0.99]]
    assert select_lr(lrs, scores) == 1  # means .91 .94 .93 nan: a diverged seed sinks lr = 1
    tied = [[0.94], [0.94], [0.80], [0.94]]
    assert select_lr(lrs, tied, [[0.3], [0.2], [0.1], [0.2]]) == 1
    assert select_lr(lrs, tied) == 0
    with pytest.raises(ValueError, match="every lr diverged"):
        select_lr(lrs, [[np.nan]] * 4)
    with pytest.raises(ValueError, match="one row per lr"):
        select_lr(lrs, [0.9, 0.8])


def test_lr_width_counts_the_unbroken_run_around_the_best():
    lrs = 10.0 ** np.arange(-4, 0.01, 0.5)  # 9 points, half a decade apart
    scores = [0.5, 0.93, 0.90, 0.935, 0.94, 0.932, 0.70, 0.95 - 0.3, np.nan]
    w = lr_width(lrs, scores, within=0.01)
    assert (w.n, w.decades, w.at_edge) == (3, 1.5, False)
    assert w.low == pytest.approx(10**-2.5) and w.high == pytest.approx(10**-1.5)
    only = lr_width(lrs, scores, within=0.0)
    assert (only.n, only.decades) == (1, 0.5)
    rounded = [float(f"{lr:.6g}") for lr in lrs]  # as the benchmark stores them
    assert lr_width(rounded, scores, within=0.01).decades == 1.5
    edge = lr_width(lrs[:3], [0.95, 0.949, 0.5], within=0.01)
    assert edge.at_edge and edge.n == 2
    with pytest.raises(ValueError, match="log-spaced grid"):
        lr_width([1e-3, 1e-2, 1e-2], [0.9, 0.9, 0.9])


def test_lr_width_widens_its_margin_to_the_seeds_noise():
    lrs = 10.0 ** np.arange(-4, -1.99, 0.5)  # 5 points
    # two seeds per lr, 0.04 apart everywhere: variance 0.0008, SE of a difference of two means
    # sqrt(2 * 0.0008 / 2) = 0.02836, margin 2 x that = 0.0566 > 1%p
    means = np.array([0.80, 0.90, 0.94, 0.91, 0.85])
    scores = np.stack([means - 0.02, means + 0.02], axis=1)
    assert seed_noise(scores) == pytest.approx(0.04 / np.sqrt(2) * np.sqrt(2 / 2))
    w = lr_width(lrs, scores, within=0.01)
    assert w.margin == pytest.approx(2 * 0.04 / np.sqrt(2))
    assert (w.n, w.low, w.high) == (3, pytest.approx(10**-3.5), pytest.approx(10**-2.5))
    quiet = np.stack([means - 0.001, means + 0.001], axis=1)  # noise below 1%p: within decides
    assert lr_width(lrs, quiet, within=0.01).n == 1 and lr_width(lrs, quiet).margin == 0.01
    # a diverged lr (NaN) and one seed: no spread to measure
    assert seed_noise(np.where(np.arange(5)[:, None] == 0, np.nan, scores)) > 0
    assert seed_noise(means) == 0.0


def test_a_short_run_is_the_start_of_the_long_one(small):
    """What the notebook's live replica relies on: 1 epoch of a 3-epoch schedule = epoch 1 of 3."""
    method = METHODS["Momentum+cos"]
    short = train_run(method, 0.1, 7, small, 1, schedule_epochs=3)
    full = train_run(method, 0.1, 7, small, 3, test=True)
    assert short.val_correct.tolist() == full.val_correct[:2].tolist()
    assert short.epoch_loss[0] == full.epoch_loss[0]
    assert train_run(method, 0.1, 7, small, 1).epoch_loss[0] != full.epoch_loss[0]
    assert full.val_correct.shape == (4,) and full.train_correct.shape == (4,)
    assert (full.n_val, full.n_train) == (100, 500)
    assert full.test_pred.shape == (100,) and short.test_pred is None
    assert full.val_acc == full.val_correct[-1] / 100
    assert 0 < full.val_loss < 3 and full.diverged_at == 0
    acc = seed_accuracies([full], small.test[1])[0]
    assert acc == np.mean(full.test_pred == small.test[1]) > 0.3  # well above chance after 15 steps


def test_a_diverging_run_is_recorded_not_raised(small):
    run = train_run(METHODS["SGD"], 1e4, 0, small, 2, test=True)
    assert run.diverged_at > 0 and math.isnan(run.val_acc) and math.isnan(run.val_loss)
    assert np.isnan(run.epoch_loss[-1])
    back = Run.from_dict(run.to_dict())
    assert back.diverged_at == run.diverged_at and math.isnan(back.val_loss)


def _run(name, seed, pred, val=950, lr=None, n_epochs=3):
    curve = np.linspace(100, val, n_epochs + 1).astype(int)
    return Run(
        name,
        lr,
        seed,
        1000,
        3000,
        curve,
        curve * 3,
        np.full(n_epochs, 0.5),
        0.2,
        0,
        np.asarray(pred, dtype=np.uint8),
    )


def test_accuracy_after_an_epoch_is_what_a_shorter_run_would_report():
    run = _run("A", 9, LABELS, val=940, lr=1e-2, n_epochs=3)  # curve 100, 380, 660, 940
    assert [run.val_acc_after(e) for e in range(4)] == [0.1, 0.38, 0.66, 0.94]
    assert math.isnan(run.val_acc_after(4)) and math.isnan(run.val_acc_after(-1))
    study = _toy_study()
    # A's selection curves end at 900, 950, 930: after 1 of 3 epochs they rank the same way
    after_one = grid_scores(study, "A", epoch=1)
    assert after_one[:, 0].tolist() == [0.366, 0.383, 0.376]  # int(linspace(100, val, 4)[1])
    assert select_lr(study.lr_grid, after_one) == select_lr(study.lr_grid, grid_scores(study, "A"))
    stopped = Run.from_dict({**_run("A", 9, LABELS).to_dict(), "val_correct": [100, 500]})
    assert stopped.val_acc_after(1) == 0.5 and math.isnan(stopped.val_acc_after(2))


def test_run_and_study_survive_json(tmp_path, split):
    run = _run("SGD", 3, np.arange(1000) % 10, lr=0.1)
    back = Run.from_dict(run.to_dict())
    assert back.test_pred.tolist() == run.test_pred.tolist()
    assert back.val_correct.tolist() == run.val_correct.tolist() and back.lr == 0.1
    study = _toy_study()
    study.save(tmp_path / "s.json")
    loaded = Study.load(tmp_path / "s.json")
    assert loaded.chosen_lr == study.chosen_lr and loaded.settings == study.settings
    assert loaded.final["A"][1].test_pred.tolist() == study.final["A"][1].test_pred.tolist()
    assert loaded.test_labels.tolist() == study.test_labels.tolist()
    with pytest.raises(FileNotFoundError, match=r"run `python benchmarks/which_optimizer\.py`"):
        Study.load(tmp_path / "missing.json")


# ------------------------------------------------------------------------------ verdicts
LABELS = np.arange(1000) % 10


def _preds(n_wrong, seed):
    """Predictions with the first ``n_wrong`` images wrong (plus a seed-dependent extra one)."""
    p = LABELS.copy()
    wrong = [*range(n_wrong), 900 + seed]
    p[wrong] = (p[wrong] + 1) % 10
    return p


def _toy_study():
    seeds = [0, 1, 2, 3, 4]
    grid = [1e-3, 1e-2, 1e-1]
    final = {
        "A": [_run("A", s, _preds(40, s), val=955, lr=1e-2) for s in seeds],
        "B": [_run("B", s, _preds(41 + (s % 2), s), val=950, lr=1e-1) for s in seeds],
        "C": [_run("C", s, _preds(90 + s, s), val=900, lr=1e-2) for s in seeds],
        "F": [_run("F", s, _preds(40 + (s % 3), s), val=951) for s in seeds],
    }
    selection = {
        "A": [
            _run("A", 9, LABELS, val=v, lr=lr) for lr, v in zip(grid, (900, 950, 930), strict=True)
        ],
        "B": [
            _run("B", 9, LABELS, val=v, lr=lr) for lr, v in zip(grid, (944, 945, 950), strict=True)
        ],
        "C": [
            _run("C", 9, LABELS, val=v, lr=lr) for lr, v in zip(grid, (800, 900, 700), strict=True)
        ],
    }
    return Study(
        settings={"lr_grid": grid, "epochs": 3},
        environment={"python": "3"},
        chosen_lr={"A": 1e-2, "B": 1e-1, "C": 1e-2, "F": None},
        selection=selection,
        final=final,
        test_labels=LABELS.astype(np.uint8),
        timing={"epoch_seconds": {"A": 1.0, "B": 1.1, "C": 1.0, "F": 2.0, "SGD": 0.5}},
        decay={"selection": {}, "final": {}},
        runtime_seconds=1.0,
    )


def test_majority_and_accuracy():
    runs = [_run("A", s, _preds(10, s)) for s in range(3)]
    assert seed_accuracies(runs, LABELS).tolist() == [0.989] * 3
    right = majority_correct(runs, LABELS)
    assert right.sum() == 990  # the seed-specific mistakes (900, 901, 902) are outvoted
    assert majority_correct(runs[:2], LABELS).sum() == 988  # 2 seeds: both must be right


def test_compare_many_needs_both_tests_and_holm():
    study = _toy_study()
    f = study.final
    cmp = compare_many([("C", f["C"], "A", f["A"]), ("B", f["B"], "A", f["A"])], LABELS)
    assert [c.verdict for c in cmp] == ["worse", "tie"]
    assert cmp[0].mcnemar.only_b > 40 and cmp[0].p_t < 0.05 and cmp[0].p_mcnemar < 0.05
    # B is below A on every seed (paired t rejects) but by 1-2 images: McNemar cannot tell
    assert cmp[1].p_t < 0.05 and cmp[1].p_mcnemar > 0.05
    assert cmp[0].text().startswith("diff -0.05")
    reverse = compare_many([("A", f["A"], "C", f["C"])], LABELS)[0]
    assert reverse.verdict == "better"
    with pytest.raises(ValueError, match="same seeds"):
        compare_many([("A", f["A"], "C", f["C"][::-1])], LABELS)


def test_recommend_one_rule_for_every_method():
    study = _toy_study()
    assert reference(study) == "A"  # best validation accuracy; the test set plays no part
    rows = {r.method: r for r in recommend(study, wide=1.5)}
    assert list(rows) == ["A", "B", "C", "F"]
    assert rows["A"].quality == "reference" and rows["A"].verdict == "ok, tune lr with care"
    assert rows["B"].quality == "tie" and rows["B"].width.decades == 3.0
    assert rows["B"].verdict == "recommended"
    assert rows["C"].quality == "worse" and rows["C"].verdict == "not recommended here"
    assert (
        rows["F"].lr_free and rows["F"].width is None and rows["F"].verdict == "recommended, no lr"
    )
    assert rows["F"].time_ratio == 4.0 and rows["A"].epochs == 3.0
    assert "below A" in rows["C"].reason and "ties A" in rows["B"].reason
    assert "no lr to choose" in rows["F"].reason
    text = format_rows(list(rows.values()))
    assert "first choice" not in text and text.count("\n") == 2 * len(rows) + 1


def test_epochs_to_and_format_p():
    runs = [_run("A", 0, LABELS, val=950), _run("A", 1, LABELS, val=800)]
    assert epochs_to(runs[:1], 0.9) == 3.0 and math.isinf(epochs_to(runs, 0.9))
    assert [format_p(p) for p in (0.0004, 0.0123, 0.4149)] == ["p<0.001", "p=0.012", "p=0.41"]


def test_method_is_a_value():
    m = Method("X", lambda lr, n: None)
    assert m == Method("X", lambda lr, n: 1) and "build" not in repr(m)


# ------------------------------------------------------------------------------ plots
def test_study_plots_draw_the_data_they_are_given():
    lrs = [1e-3, 1e-2, 1e-1]
    fig = plot_arrival(lrs, {"A": np.array([10.0, np.inf, 30.0])}, {"F": 5.0, "G": np.inf})
    ax = fig.axes[0]
    assert [line.get_label() for line in ax.lines] == ["A", "F (no lr)"]  # G never arrived
    assert np.isnan(ax.lines[0].get_ydata()[1]) and ax.get_xscale() == "log"
    fig = plot_lr_curves(lrs, {"A": np.array([0.8, 0.9, np.nan])}, {"A": 1e-2})
    chosen = fig.axes[0].lines[1]
    assert chosen.get_xdata()[0] == 1e-2 and chosen.get_ydata()[0] == 0.9
    fig = plot_intervals(["A", "B"], [0.94, 0.95], [0.01, 0.005], highlight="B")
    ax = fig.axes[0]
    rows = dict(zip((t.get_text() for t in ax.get_yticklabels()), ax.get_yticks(), strict=True))
    assert rows == {"A": 1, "B": 0}  # the first name on top
    assert fig.axes[0].lines[-1].get_xdata()[0] == 0.95  # the highlight's vertical line


def test_study_plots_use_the_given_axes():
    fig, axes = new_figure((8.0, 3.0), 1, 2)
    assert plot_curves({"A": np.array([0.1, 0.5, 0.9])}, ax=axes[1]) is fig
    assert len(axes[1].lines) == 1 and not axes[0].lines
    assert plot_intervals(["A"], [0.9], [0.01], ax=axes[0]) is fig
