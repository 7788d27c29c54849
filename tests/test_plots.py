"""Plot functions: data in, Figure out, with the artists the lecture needs."""

from __future__ import annotations

import matplotlib.colors
import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.animation import FuncAnimation
from matplotlib.contour import ContourSet
from matplotlib.figure import Figure
from matplotlib.text import Text

from lecture_lib import artists, plots, theory
from lecture_lib.animation import race_animation, save_gif
from lecture_lib.optimizers import COCOB, SGD, Adagrad, Adam, Momentum
from lecture_lib.runners import minibatch_run, run, run_many, sweep
from lecture_lib.surfaces import get_surface
from lecture_lib.trainer import TrainingHistory

pytestmark = pytest.mark.viz


@pytest.fixture(scope="module")
def bowl_runs():
    opts = [SGD(lr=0.95), Momentum(lr=0.1), Adam(lr=0.3)]
    return run_many(opts, get_surface("bowl"), steps=30)


def texts(ax) -> list[str]:
    return [t.get_text() for t in ax.texts]


def data_lines(ax) -> list:
    """Lines that carry a legend label (the paths), not markers or the surface's minima."""
    return [ln for ln in ax.lines if not ln.get_label().startswith("_")]


def test_trajectories_on_contour(bowl_runs):
    before = plt.get_fignums()
    fig = plots.plot_trajectories(bowl_runs)
    assert isinstance(fig, Figure)
    assert plt.get_fignums() == before  # closed in pyplot: Jupyter shows the return value once
    ax = fig.axes[0]
    assert any(isinstance(c, ContourSet) for c in ax.collections)
    paths = data_lines(ax)
    assert [ln.get_label() for ln in paths] == [t.label for t in bowl_runs]
    for line, traj in zip(paths, bowl_runs, strict=True):
        np.testing.assert_allclose(line.get_xydata(), traj.points)
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend == [t.label for t in bowl_runs]
    # start (circle) and end (cross) marker per trajectory
    markers = [ln.get_marker() for ln in ax.lines if ln.get_label().startswith("_")]
    assert markers.count("X") == 3 and markers.count("o") >= 3
    assert ax.get_xlim() == get_surface("bowl").bounds[0]
    assert not any("diverged" in t for t in texts(ax))


def test_divergence_is_annotated():
    traj = run(SGD(lr=1.5), get_surface("bowl"), steps=50)
    assert traj.diverged
    ax = plots.plot_trajectories(traj).axes[0]
    assert f"diverged at step {traj.diverged_at}" in texts(ax)


def test_saddle_stall_is_annotated():
    traj = run(SGD(lr=0.1), get_surface("saddle"), start=[-1.5, 0.0], steps=300)
    assert traj.stall == "saddle"
    ax = plots.plot_trajectories([traj]).axes[0]
    assert "stopped at a saddle point" in texts(ax)


def test_given_ax_is_used_and_its_figure_returned():
    fig, axes = plots.new_figure((8, 3), 1, 2)
    traj = run(Adam(lr=0.3), get_surface("bowl"), steps=10)
    assert plots.plot_trajectories(traj, ax=axes[1]) is fig
    assert len(data_lines(axes[1])) == 1 and not axes[0].lines


def test_curve_1d_with_iterates_and_local_minimum():
    trap = get_surface("trap1d")
    traj = run(SGD(lr=0.1), trap, start=[-0.5], steps=300)
    fig = plots.plot_trajectories(traj)  # 1-D surfaces dispatch to plot_curve_1d
    ax = fig.axes[0]
    (path,) = [ln for ln in data_lines(ax) if ln.get_label() == traj.label]
    np.testing.assert_allclose(path.get_xdata(), traj.points[:, 0])
    np.testing.assert_allclose(path.get_ydata(), traj.losses)
    assert traj.stall == "minimum"
    assert "stopped at a local minimum" in texts(ax)


def test_sinc_bad_learning_rate_and_iterates():
    sinc = get_surface("sinc")
    trajs = [run(SGD(lr=lr), sinc, start=[2.0], steps=30) for lr in (0.05, 1.0)]
    fig = plots.plot_curve_1d(sinc, trajs)
    ax = fig.axes[0]
    lo, hi = ax.get_xlim()
    assert lo <= min(t.points.min() for t in trajs) and hi >= max(t.points.max() for t in trajs)
    fig = plots.plot_iterates(trajs)
    lines = data_lines(fig.axes[0])
    np.testing.assert_allclose(lines[1].get_ydata(), trajs[1].points[:, 0])


def test_losses_log_and_linear(bowl_runs):
    ax = plots.plot_losses(bowl_runs).axes[0]
    assert ax.get_yscale() == "log"
    for line, traj in zip(data_lines(ax), bowl_runs, strict=True):
        np.testing.assert_allclose(line.get_ydata(), traj.losses)
    assert plots.plot_losses(bowl_runs, log=False).axes[0].get_yscale() == "linear"
    saddle = run(SGD(lr=0.1), get_surface("saddle"), start=[-1.5, 0.3], steps=20)
    assert saddle.losses.min() < 0
    assert plots.plot_losses(saddle).axes[0].get_yscale() == "symlog"


def test_sharpness_curves_marks_and_limit():
    banana = run(SGD(lr=0.002), "rosenbrock", steps=40)
    sharp = theory.sharpness("rosenbrock", banana, lr=0.002)
    rose = np.flatnonzero(np.diff(banana.losses) > 0)
    assert rose.size > 0
    fig, ax = plt.subplots()
    out = plots.plot_sharpness({"rosenbrock": sharp}, ax=ax, marks={"rosenbrock": rose}, upto=30)
    assert out is fig and ax.get_xlim() == (0, 30)
    curve, _divergence_cross, crosses, limit = ax.get_lines()  # the curve is a StepLine
    np.testing.assert_array_equal(curve.get_ydata(), sharp)
    np.testing.assert_array_equal(crosses.get_xdata(), rose)
    np.testing.assert_array_equal(crosses.get_ydata(), sharp[rose])
    assert tuple(limit.get_ydata()) == (2.0, 2.0)
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels[-1] == "stability limit 2" and "raised the loss" in labels[1]
    plt.close(fig)


def test_minibatch_fluctuation():
    runs = [minibatch_run(batch_size=b, steps=40, lr=0.1, seed=0) for b in (1, 64)]
    ax = plots.plot_minibatch(runs).axes[0]
    lines = data_lines(ax)
    assert len(lines) == 4
    np.testing.assert_allclose(lines[0].get_ydata(), runs[0].batch_losses)
    np.testing.assert_allclose(lines[1].get_ydata(), runs[0].losses)
    assert "64" in lines[2].get_label()


def test_lr_sensitivity_from_sweep():
    result = sweep([SGD, Adam, COCOB], np.geomspace(1e-3, 3.0, 12), "bowl", steps=50)
    ax = plots.plot_lr_sensitivity(result).axes[0]
    assert ax.get_xscale() == "log"
    curves = [ln for ln in data_lines(ax) if ln.get_label() != "diverged"]
    assert [ln.get_label() for ln in curves] == ["SGD", "Adam", "COCOB (no lr)"]
    np.testing.assert_allclose(curves[0].get_xdata(), result.lrs)
    sgd_y = np.asarray(curves[0].get_ydata(), dtype=float)
    assert np.isnan(sgd_y[-1])  # SGD with lr = 3 diverges on the bowl: no final loss drawn
    assert np.isfinite(sgd_y[0])
    crosses = [ln for ln in ax.lines if ln.get_label().startswith("_diverged")]
    assert [ln.get_label() for ln in crosses] == ["_diverged SGD"]  # Adam never diverged here
    (sgd_crosses,) = crosses
    assert sgd_crosses.get_color() == curves[0].get_color()  # tied to its optimizer
    np.testing.assert_allclose(sgd_crosses.get_xdata(), result.lrs[result.diverged[0, 0]])
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend == ["SGD", "Adam", "COCOB (no lr)", "diverged (top rows)"]
    with pytest.raises(ValueError, match="surface must be one of"):
        plots.plot_lr_sensitivity(result, surface="rosenbrock")


@pytest.mark.parametrize(
    ("opt", "keys"),
    [
        (Adagrad(lr=1.5), ["step_size"]),
        (Adam(lr=0.3), ["step_size", "m_hat", "v_hat"]),
        (COCOB(), ["wealth", "bet_fraction"]),
    ],
    ids=["Adagrad", "Adam", "COCOB"],
)
def test_optimizer_state_panels(opt, keys):
    traj = run(opt, get_surface("bowl"), steps=25)
    assert set(keys) <= set(traj.state)
    fig = plots.plot_state(traj, keys)
    assert len(fig.axes) == len(keys)
    for ax, key in zip(fig.axes, keys, strict=True):
        lines = ax.get_lines()
        assert len(lines) == 2  # x and y coordinates
        np.testing.assert_allclose(lines[1].get_ydata(), traj.state[key][:, 1])
    with pytest.raises(ValueError, match=r"not in trajectory\.state"):
        plots.plot_state(traj, ["nonsense"])


def test_adagrad_step_size_shrinks():
    traj = run(Adagrad(lr=1.5), get_surface("bowl"), steps=25)
    step = traj.state["step_size"][:, 0]
    assert np.all(np.diff(step) <= 1e-12)


def test_training_history_panels():
    hist = TrainingHistory(
        batch_losses=np.linspace(2.3, 0.3, 40),
        train_acc=np.array([0.1, 0.8, 0.9]),
        test_acc=np.array([0.1, 0.75, 0.85]),
        iterations_per_epoch=20,
        label="SGD(lr=0.1)",
    )
    fig = plots.plot_training_history([hist])
    ax_loss, ax_acc = fig.axes
    np.testing.assert_allclose(ax_loss.lines[0].get_ydata(), hist.batch_losses)
    labels = [ln.get_label() for ln in ax_acc.lines]
    assert labels == ["SGD(lr=0.1) train", "SGD(lr=0.1) test"]
    np.testing.assert_allclose(ax_acc.lines[1].get_ydata(), hist.test_acc)
    lo, hi = ax_acc.get_ylim()  # zoomed to the trained epochs (0.75 .. 0.9), not 0 .. 1
    assert 0.7 <= lo < 0.75 and 0.9 < hi <= 0.95
    assert [t.get_text() for t in ax_acc.texts] == [f"epoch 0 (before training) is below {lo:.2f}"]


def test_plots_use_english_and_mathtext_only(bowl_runs):
    fig = plots.plot_trajectories(bowl_runs)
    strings = [t.get_text() for t in fig.findobj(Text)]
    assert "Momentum(lr=0.1, alpha=0.9)" in strings
    assert all(s.isascii() for s in strings), [s for s in strings if not s.isascii()]


def test_race_animation_and_deterministic_gif(tmp_path, bowl_runs):
    anim = race_animation(bowl_runs, max_frames=6, figsize=(3, 2.4), dpi=50)
    assert isinstance(anim, FuncAnimation)
    first = save_gif(anim, tmp_path / "a.gif", fps=5)
    again = save_gif(bowl_runs, tmp_path / "b.gif", fps=5, max_frames=6, figsize=(3, 2.4), dpi=50)
    data = first.read_bytes()
    assert data[:6] == b"GIF89a" and data == again.read_bytes()
    from PIL import Image

    with Image.open(first) as gif:
        assert gif.n_frames == 6
    legend = [t.get_text() for t in anim._fig.axes[0].get_legend().get_texts()]  # _fig: see below
    assert legend == ["SGD (lr 0.95)", "Momentum (lr 0.1)", "Adam (lr 0.3)"]
    with pytest.raises(ValueError, match="fps must be"):
        save_gif(bowl_runs, tmp_path / "c.gif", fps=0)


def test_plot_digits_marks_wrong_predictions_in_red():
    images = np.zeros((3, 784))
    fig = plots.plot_digits(images, true=[1, 2, 3], predicted=[1, 5, 3])
    titles = [ax.title for ax in fig.axes]
    assert [t.get_text() for t in titles] == ["pred 1\ntrue 1", "pred 5\ntrue 2", "pred 3\ntrue 3"]
    colors = [matplotlib.colors.to_hex(t.get_color()) for t in titles]
    assert colors[1] == matplotlib.colors.to_hex("tab:red") and colors[0] == colors[2] != colors[1]
    with pytest.raises(ValueError, match="predicted has 2 labels, true has 3"):
        plots.plot_digits(images, true=[1, 2, 3], predicted=[1, 2])


def test_lr_sensitivity_plots_the_gap_to_the_minimum_with_a_floor():
    # bounded_saddle has minimum value -0.25: the gap, not the raw loss, goes on the log axis
    result = sweep([Adagrad], np.geomspace(1e-2, 1.0, 5), "bounded_saddle", steps=400)
    ax = plots.plot_lr_sensitivity(result, floor=1e-10).axes[0]
    (curve,) = [ln for ln in data_lines(ax) if ln.get_label() == "Adagrad"]
    gap = np.maximum(result.final_losses[0, 0] + 0.25, 1e-10)
    np.testing.assert_allclose(curve.get_ydata(), gap)
    assert np.all(np.asarray(curve.get_ydata()) > 0)


def test_lr_sensitivity_on_a_surface_without_known_minimum():
    result = sweep([SGD], np.geomspace(1e-3, 0.1, 4), ["saddle"], steps=20)  # x^2 - y^2
    fig = plots.plot_lr_sensitivity(result, "saddle")
    assert isinstance(fig, Figure)


def test_loss_gap_with_the_predicted_rate():
    bowl = theory.analyze("bowl")
    trajs = [run(SGD(lr=0.5), get_surface("bowl"), steps=30), run(Adam(lr=0.3), "bowl", steps=30)]
    rate = float(theory.sgd_rate_at(bowl, 0.5))
    ax = plots.plot_loss_gap(trajs, [rate, None]).axes[0]
    assert ax.get_yscale() == "log"
    measured, predicted, adam = data_lines(ax)
    np.testing.assert_allclose(measured.get_ydata(), trajs[0].losses)  # minimum value 0
    assert predicted.get_label() == f"theory: rate {rate:.3g} per step"
    slope = np.diff(np.log10(np.asarray(predicted.get_ydata(), dtype=float)))
    np.testing.assert_allclose(slope, 2 * np.log10(rate), rtol=1e-9)
    assert predicted.get_ydata()[0] == pytest.approx(trajs[0].losses[0])
    # measured SGD on a quadratic stays below the theory's bound
    assert np.all(trajs[0].losses <= np.asarray(predicted.get_ydata()) * (1 + 1e-9))
    assert adam.get_label() == trajs[1].label
    with pytest.raises(ValueError, match="one entry per trajectory"):
        plots.plot_loss_gap(trajs, [rate])


def test_race_frames_reuse_the_same_path_artists(tmp_path, bowl_runs):
    anim = race_animation(bowl_runs, max_frames=4, figsize=(3, 2.4), dpi=40)
    ax = anim._fig.axes[0]  # matplotlib keeps the animation's figure as _fig (no accessor)
    lines = list(ax.lines)
    save_gif(anim, tmp_path / "race.gif", fps=5)  # draws every frame
    assert list(ax.lines) == lines  # no artist added per frame: the same ones, moved
    head = next(ln for ln in lines if ln.get_label() == "_end")
    np.testing.assert_array_equal(head.get_xydata(), bowl_runs[0].points[-1:])


def test_short_label_keeps_the_learning_rate(bowl_runs):
    assert [artists.short_label(t) for t in bowl_runs] == [
        "SGD (lr 0.95)",
        "Momentum (lr 0.1)",
        "Adam (lr 0.3)",
    ]
    cocob = run(COCOB(), "bowl", steps=3)
    assert artists.short_label(cocob) == "COCOB (no lr)"
    named = run(SGD(lr=0.1), "bowl", steps=3, label="my run")
    assert artists.short_label(named) == "my run"


def test_axis_limits_change_rarely():
    assert artists.log_limits(np.array([6.4, 2e-3])) == (1e-3, 10.0)
    assert artists.log_limits(np.array([6.4, 2e-5])) == (1e-7, 10.0)  # 4 decades at a time
    assert artists.log_limits(np.array([0.0, -1.0, np.nan])) == (1e-3, 1.0)  # nothing positive
    assert artists.log_limits(np.array([1.0, 1e-320])) == (1e-300, 1.0)
    assert [artists.nice_ceiling(n) for n in (0.5, 1, 1.2, 3, 7, 10, 11)] == [
        1,
        1,
        2,
        5,
        10,
        10,
        20,
    ]


def test_step_line_leaves_non_positive_values_out_on_log_axes():
    _, ax = plots.new_figure()
    line = artists.StepLine(ax)
    drawn = line.update([4.0, 0.0, -1.0, np.inf, 1.0], diverged=True, log=True)
    np.testing.assert_array_equal(np.isnan(drawn), [False, True, True, True, False])
    assert line.cross.get_xdata().tolist() == [4]
    line.update([1.0, 2.0])
    assert len(line.cross.get_xdata()) == 0


def test_static_plots_frame_all_their_data(bowl_runs):
    sinc = [run(SGD(lr=lr), "sinc", start=[2.0], steps=20) for lr in (0.05, 1.0)]
    minibatch = [minibatch_run(batch_size=b, steps=30, lr=0.1, seed=0) for b in (1, 64)]
    figures = [
        plots.plot_losses(bowl_runs),
        plots.plot_minibatch(minibatch, log=False),
        plots.plot_iterates(sinc),
        plots.plot_curve_1d("sinc", sinc),
        plots.plot_loss_gap(bowl_runs),
    ]
    for fig in figures:
        ax = fig.axes[0]
        (x0, x1), (y0, y1) = sorted(ax.get_xlim()), sorted(ax.get_ylim())
        for line in data_lines(ax):
            x, y = (np.asarray(v, dtype=float) for v in line.get_data())
            ok = np.isfinite(y)
            assert np.all((x0 <= x[ok]) & (x[ok] <= x1)), (fig, line.get_label())
            assert np.all((y0 <= y[ok]) & (y[ok] <= y1)), (fig, line.get_label())
