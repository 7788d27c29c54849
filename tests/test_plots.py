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

from lecture_lib import plots
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
    (crosses,) = [ln for ln in ax.lines if ln.get_label() == "diverged"]
    assert np.all(np.asarray(crosses.get_xdata()) >= 1.0)
    assert "COCOB (no lr)" in [t.get_text() for t in ax.get_legend().get_texts()]
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
