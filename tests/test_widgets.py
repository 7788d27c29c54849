"""The explorers driven programmatically, as the browser would drive them: set a slider's value,
then check the picture, the plotted data and the summary against the runner's own results."""

from __future__ import annotations

import html
import io
import warnings

import ipywidgets as W
import matplotlib.pyplot as plt
import numpy as np
import pytest
from PIL import Image

from lecture_lib import plots, theory, widgets
from lecture_lib.explorer import png_bytes
from lecture_lib.optimizers import OPTIMIZERS, SGD, Momentum
from lecture_lib.runners import minibatch_run, run
from lecture_lib.surfaces import get_surface
from lecture_lib.widgets import (
    FALLBACK_TEXT,
    BatchSizeExplorer,
    CompareExplorer,
    OptimizerExplorer,
    Playground,
    SincExplorer,
)

pytestmark = pytest.mark.viz

SLIDER_TYPES = (W.FloatSlider, W.FloatLogSlider, W.IntSlider, W.SelectionSlider)


def all_sliders(widget) -> list:
    """Every slider in a widget tree, depth first."""
    found = [widget] if isinstance(widget, SLIDER_TYPES) else []
    for child in getattr(widget, "children", ()):
        found += all_sliders(child)
    return found


def ends(slider) -> tuple:
    """The values at both ends of a slider (FloatLogSlider's min/max are exponents)."""
    if isinstance(slider, W.FloatLogSlider):
        return slider.base**slider.min, slider.base**slider.max
    if isinstance(slider, W.SelectionSlider):
        return slider.options[0], slider.options[-1]
    return slider.min, slider.max


def as_html(text: str) -> str:
    return "<br>".join(html.escape(line) for line in text.split("\n"))


def settings(explorer) -> dict:
    """Every control's value and range."""
    return {
        k: (w.value, getattr(w, "min", None), getattr(w, "max", None))
        for k, w in explorer.controls.items()
    }


def path_xy(path) -> np.ndarray:
    return np.asarray(path.line.get_xydata(), dtype=float)


# --------------------------------------------------------------------------- sliders
@pytest.mark.parametrize("name", list(OPTIMIZERS))
def test_explorer_has_exactly_the_sliders_of_its_optimizer(name):
    cls = OPTIMIZERS[name]
    explorer = OptimizerExplorer(name)
    expected = [h for h in cls.hyperparameters if h != "eps"]
    assert list(explorer.hyper_sliders) == expected
    tree = all_sliders(explorer.widget)
    assert {id(s) for s in tree} == {id(s) for s in explorer.sliders.values()}
    assert set(explorer.sliders) == {*expected, "steps", "x", "y"}
    assert tree[0] is explorer.sliders[expected[0]]  # the browser benchmark moves the first one
    for h, slider in explorer.hyper_sliders.items():
        kind = W.FloatLogSlider if h == "lr" else W.FloatSlider
        assert type(slider) is kind, (h, type(slider))
        assert slider.continuous_update
    assert explorer.error is None


@pytest.mark.parametrize("name", list(OPTIMIZERS))
def test_every_slider_at_both_ends_gives_a_summary_without_warnings(name):
    explorer = OptimizerExplorer(name, "bowl")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # numpy's overflow/invalid warnings included
        for key, slider in explorer.sliders.items():
            for end in ends(slider):
                slider.value = end
                assert explorer.error is None, (key, end, explorer.error)
                assert explorer.summary_text.startswith(f"{name}("), explorer.summary_text
                assert explorer.summary.value == as_html(explorer.result.summary())
                assert np.all(np.isfinite(explorer.trajectory.points))


def test_too_large_learning_rate_is_drawn_as_divergence():
    explorer = OptimizerExplorer("SGD", "bowl")
    explorer.sliders["lr"].value = ends(explorer.sliders["lr"])[1]
    assert 10**0.95 - 1e-9 <= explorer.sliders["lr"].value <= 10.0  # within a step of 10
    traj = explorer.trajectory
    assert traj.diverged
    assert f"diverged at step {traj.diverged_at}" in explorer.summary_text
    note = explorer.view.paths[0].note.artist
    assert note.get_visible() and note.get_text() == f"diverged at step {traj.diverged_at}"
    (cross_x,) = explorer.view.gaps[0].cross.get_xdata()  # the loss panel marks it too
    assert cross_x == len(traj.points) - 1


# --------------------------------------------------------------------- driven updates
def test_slider_move_updates_picture_data_and_summary():
    explorer = OptimizerExplorer("Adam", "bowl", steps=40)
    png, summary, n = explorer.image.value, explorer.summary.value, explorer.updates
    explorer.sliders["lr"].value = 0.05
    explorer.sliders["beta1"].value = 0.5
    assert explorer.updates == n + 2
    assert explorer.image.value != png
    assert explorer.image.value[:8] == b"\x89PNG\r\n\x1a\n"
    expected = run(OPTIMIZERS["Adam"](lr=0.05, beta1=0.5), "bowl", start=[-7.0, 2.0], steps=40)
    np.testing.assert_allclose(path_xy(explorer.view.paths[0]), expected.points)
    np.testing.assert_allclose(explorer.view.paths[0].end.get_xdata(), expected.points[-1:, 0])
    np.testing.assert_allclose(explorer.view.gaps[0].line.get_ydata(), expected.losses)
    assert explorer.summary.value != summary
    assert explorer.summary_text == expected.summary()  # Adam: no stability readout
    assert len(explorer.timings) == explorer.updates
    assert all(t.run >= 0 and t.draw >= 0 and t.encode >= 0 for t in explorer.timings)


def test_artists_are_created_once_and_reused_across_slider_moves():
    explorer = OptimizerExplorer("SGD", "bowl", steps=30)
    path, gap = explorer.view.paths[0], explorer.view.gaps[0]
    dynamic = [id(a) for a in explorer.view.figure.dynamic]
    n_lines = len(explorer.ax.lines) + len(explorer.view.ax_gap.lines)
    for lr in (0.1, 1.5, 0.5):
        explorer.sliders["lr"].value = lr
    explorer.surface_menu.value = "ellipse"  # a new contour (static), the same data artists
    assert explorer.view.paths[0] is path and explorer.view.gaps[0] is gap
    assert [id(a) for a in explorer.view.figure.dynamic] == dynamic
    assert len(explorer.ax.lines) + len(explorer.view.ax_gap.lines) == n_lines
    np.testing.assert_allclose(path_xy(path), explorer.trajectory.points)


def test_static_plots_draw_exactly_what_the_explorer_draws():
    explorer = CompareExplorer(("SGD", "Momentum", "Adam"), "bowl", steps=25)
    trajs, rates = explorer.trajectories, explorer.result.rates
    ax = plots.plot_trajectories(trajs).axes[0]
    static = [ln for ln in ax.lines if not ln.get_label().startswith("_")]
    for path, line in zip(explorer.view.paths, static, strict=True):
        np.testing.assert_array_equal(path_xy(path), line.get_xydata())
    ax = plots.plot_loss_gap(trajs, rates).axes[0]
    static = [ln for ln in ax.lines if not ln.get_label().startswith("_")]
    pairs = zip(explorer.view.gaps, explorer.view.predicted, strict=True)
    drawn = [a.line for pair in pairs for a in pair if len(a.line.get_xdata())]
    assert len(static) == len(drawn) == 5  # 3 measured + SGD's and Momentum's predictions
    for mine, theirs in zip(drawn, static, strict=True):
        np.testing.assert_array_equal(mine.get_xydata(), theirs.get_xydata())


def test_steps_and_start_sliders_reach_the_runner():
    explorer = OptimizerExplorer("Momentum", "bowl")
    explorer.sliders["steps"].value = 7
    explorer.sliders["x"].value = 3.0
    traj = explorer.trajectory
    assert len(traj.points) == 8
    assert traj.points[0, 0] == pytest.approx(3.0)
    assert explorer.view.paths[0].start.get_xdata()[0] == pytest.approx(3.0)
    assert explorer.view.ax_gap.get_xlim() == (0.0, 7.0)


def test_surface_menu_moves_start_sliders_and_redraws_once():
    explorer = OptimizerExplorer("Adam", "bowl")
    png, n = explorer.image.value, explorer.updates
    explorer.surface_menu.value = "rosenbrock"
    surface = get_surface("rosenbrock")
    assert explorer.updates == n + 1
    assert (explorer.x_slider.min, explorer.x_slider.max) == surface.bounds[0]
    assert (explorer.y_slider.min, explorer.y_slider.max) == surface.bounds[1]
    assert explorer.x_slider.value == pytest.approx(surface.start[0])
    assert explorer.trajectory.surface == "rosenbrock"
    assert explorer.image.value != png
    assert explorer.ax.get_xlim() == surface.bounds[0]


def test_reset_restores_initial_values_and_picture():
    explorer = OptimizerExplorer("RMSProp", "bowl", steps=30)
    png, summary = explorer.image.value, explorer.summary_text
    explorer.sliders["lr"].value = 0.9
    explorer.sliders["rho"].value = 0.1
    explorer.surface_menu.value = "saddle"
    n = explorer.updates
    explorer.reset_button.click()
    assert explorer.updates == n + 1
    assert explorer.surface_menu.value == "bowl"
    assert explorer.summary_text == summary
    assert explorer.image.value == png


@pytest.mark.parametrize(
    "make",
    [
        lambda: CompareExplorer(("SGD", "Adam"), "bowl", steps=20, start=(50, 0)),
        lambda: SincExplorer(lr=0.05, steps=20),
        lambda: BatchSizeExplorer(batch_size=8, lr=0.1, steps=40, seed=1),
    ],
    ids=["compare", "sinc", "batch"],
)
def test_generic_reset_restores_every_control_of_every_explorer(make):
    explorer = make()
    before = settings(explorer)
    png = explorer.image.value
    with explorer.hold():
        for slider in explorer.sliders.values():
            slider.value = ends(slider)[1]
        if "surface" in explorer.controls:
            explorer.controls["surface"].value = "ellipse"
    explorer.reset()
    assert settings(explorer) == before
    assert explorer.image.value == png


def test_hold_groups_changes_into_one_update():
    explorer = OptimizerExplorer("Momentum", "bowl")
    n = explorer.updates
    with explorer.hold():
        explorer.sliders["lr"].value = 0.05
        explorer.sliders["alpha"].value = 0.5
        explorer.sliders["steps"].value = 20
    assert explorer.updates == n + 1
    assert explorer.trajectory.label == "Momentum(lr=0.05, alpha=0.5)"


def test_unexpected_error_is_shown_in_the_summary(monkeypatch):
    explorer = OptimizerExplorer("SGD")
    png = explorer.image.value

    def boom(values):
        raise RuntimeError("boom")

    monkeypatch.setattr(explorer, "compute", boom)
    explorer.sliders["lr"].value = 0.5
    assert isinstance(explorer.error, RuntimeError)
    assert "RuntimeError: boom" in explorer.summary.value
    assert explorer.image.value == png


def test_unknown_names_and_bad_values_are_value_errors():
    with pytest.raises(ValueError, match="optimizer must be one of"):
        OptimizerExplorer("Nesterov")
    with pytest.raises(ValueError, match="surface must be one of"):
        OptimizerExplorer("SGD", "sinc")
    with pytest.raises(ValueError, match="not sliders of SGD"):
        OptimizerExplorer("SGD", beta1=0.5)
    with pytest.raises(ValueError, match="lr"):
        OptimizerExplorer("SGD", lr=-1.0)
    with pytest.raises(ValueError, match="alpha"):
        OptimizerExplorer("Momentum", alpha=1.5)
    with pytest.raises(ValueError, match="steps"):
        OptimizerExplorer("SGD", steps=0)
    with pytest.raises(ValueError, match="start"):
        OptimizerExplorer("SGD", start=(1.0, 2.0, 3.0))
    with pytest.raises(ValueError, match="far="):  # the runner's own check, at construction
        OptimizerExplorer("SGD", start=(5000.0, 0.0))


# ------------------------------------------------------------ values outside the ranges
def test_start_outside_the_slider_range_widens_it_instead_of_clipping():
    explorer = OptimizerExplorer("SGD", "bowl", lr=0.1, steps=10, start=(50, 0))
    assert explorer.x_slider.value == 50 and explorer.x_slider.max >= 50
    assert explorer.trajectory.points[0].tolist() == [50.0, 0.0]
    assert explorer.ax.get_xlim()[1] >= 50  # the start is in the picture
    explorer.surface_menu.value = "ellipse"  # another surface: back to its own bounds
    assert (explorer.x_slider.min, explorer.x_slider.max) == get_surface("ellipse").bounds[0]


def test_lr_outside_the_slider_range_widens_it_instead_of_clipping():
    explorer = OptimizerExplorer("SGD", "bowl", lr=100.0, steps=5)
    slider = explorer.sliders["lr"]
    assert slider.value == pytest.approx(100.0) and 10**slider.max >= 100.0 - 1e-6
    assert explorer.trajectory.label.startswith("SGD(lr=100")
    assert explorer.trajectory.diverged
    compare = CompareExplorer(("SGD", "Adam"), "bowl", lrs={"Adam": 1e-6})
    assert compare.lr_sliders["Adam"].value == pytest.approx(1e-6)
    assert compare.trajectories[1].label.startswith("Adam(lr=1e-06")


@pytest.mark.parametrize("lr", [0.95, 1.5, 0.3, 1e-4, 10.0, 0.0123])
def test_lr_slider_grid_passes_through_its_start_value(lr):
    # the browser snaps a log slider to min + k * step; the start value must be on that grid
    slider = OptimizerExplorer("SGD", "bowl", lr=lr, steps=3).sliders["lr"]
    k = (np.log10(lr) - slider.min) / slider.step
    assert abs(k - round(k)) < 1e-6
    assert -4.0 - 1e-9 <= slider.min and slider.max <= 1.0 + 1e-9
    assert slider.max - slider.min > 4.9


@pytest.mark.parametrize("alpha", [0.403, 0.9, 0.0, 0.99])
def test_hyperparameter_slider_grid_passes_through_its_start_value(alpha):
    # Polyak's best alpha for the bowl, 0.403, must not become 0.40 in the browser
    slider = OptimizerExplorer("Momentum", "bowl", alpha=alpha, steps=3).sliders["alpha"]
    k = (alpha - slider.min) / slider.step
    assert abs(k - round(k)) < 1e-6
    assert 0.0 <= slider.min and slider.max <= 0.99 and slider.max - slider.min > 0.97
    assert slider.readout_format == (".3f" if alpha == 0.403 else ".2f")


def test_slider_float_noise_stays_out_of_labels():
    explorer = OptimizerExplorer("Momentum", "bowl", steps=5)
    explorer.sliders["alpha"].value = 0.9000000000000001  # what the front-end sends for 0.9
    assert "alpha=0.9)" in explorer.summary_text
    assert "0.9000000000000001" not in explorer.summary_text


# ------------------------------------------------------------ theory beside the picture
def test_predicted_line_has_the_theory_slope_on_the_bowl():
    explorer = OptimizerExplorer("SGD", "bowl", lr=0.5, steps=40)
    rate = float(theory.sgd_rate_at(theory.analyze("bowl"), 0.5))
    assert explorer.result.rates == [pytest.approx(rate)]
    t, y = (np.asarray(v, dtype=float) for v in explorer.view.predicted[0].line.get_data())
    slope = np.diff(np.log10(y)) / np.diff(t)
    np.testing.assert_allclose(slope, 2 * np.log10(rate), rtol=1e-9)
    assert y[0] == pytest.approx(explorer.trajectory.losses[0])  # starts at the measured gap
    # Momentum on the ellipse: the heavy-ball spectral radius
    explorer = OptimizerExplorer("Momentum", "ellipse", lr=0.1, alpha=0.5, steps=30)
    rate = float(theory.momentum_rate_at(theory.analyze("ellipse"), 0.1, 0.5))
    t, y = (np.asarray(v, dtype=float) for v in explorer.view.predicted[0].line.get_data())
    np.testing.assert_allclose(np.diff(np.log10(y)), 2 * np.log10(rate), rtol=1e-9)


def test_no_predicted_line_where_no_theory_applies():
    for explorer in (
        OptimizerExplorer("Adam", "bowl"),
        OptimizerExplorer("SGD", "rosenbrock", lr=1e-3),
    ):
        assert explorer.result.rates == [None]
        assert len(explorer.view.predicted[0].line.get_xdata()) == 0
    saddle = OptimizerExplorer("SGD", "saddle", lr=0.1, start=(-1.5, 0.0))
    assert saddle.view.ax_gap.get_yscale() == "linear"  # no minimum: the loss, not a gap
    assert saddle.result.readouts == [None]


def test_readout_tells_where_the_learning_rate_stands():
    assert OptimizerExplorer("SGD", "bowl", lr=0.95, steps=5).summary_text.endswith(
        "SGD: η·λmax = 1.90 (SGD is stable below 2), rate 0.905 per step"
    )
    text = OptimizerExplorer("Momentum", "bowl", lr=1.58, alpha=0.9, steps=5).summary_text
    assert "η·λmax = 3.16 (Momentum is stable below 2(1+α) = 3.80)" in text
    text = OptimizerExplorer("SGD", "rosenbrock", lr=1e-3, steps=5).summary_text
    assert text.endswith("SGD: η·λmax = 1.00 at the minimum (1, 1); SGD is stable below 2 there")
    assert "η·λmax" not in OptimizerExplorer("Adam", "bowl", steps=5).summary_text
    sgd = SincExplorer(lr=0.05, steps=5)
    curvature = theory.analyze("sinc")
    assert f"η·λmax = {0.05 * curvature.lambda_max:.2f} at the minimum" in sgd.summary_text
    assert widgets.stability_readout(SGD(lr=0.1), "abs") is None
    assert widgets.predicted_rate(Momentum(lr=0.1), "bowl") == pytest.approx(
        float(theory.momentum_rate_at(theory.analyze("bowl"), 0.1, 0.9))
    )


# ----------------------------------------------------------------------- display
@pytest.mark.parametrize(
    "make",
    [
        lambda: OptimizerExplorer("Adam"),
        lambda: CompareExplorer(),
        lambda: SincExplorer(),
        lambda: BatchSizeExplorer(steps=50),
        lambda: Playground(),
    ],
    ids=["optimizer", "compare", "sinc", "batch", "playground"],
)
def test_text_fallback_and_widget_view(make):
    obj = make()
    bundle = obj._repr_mimebundle_()
    assert bundle["text/plain"] == FALLBACK_TEXT
    assert "VBox" not in bundle["text/plain"]
    view = bundle["application/vnd.jupyter.widget-view+json"]
    assert view["model_id"] == obj.widget.model_id
    explorer = getattr(obj, "explorer", obj)
    assert "lecture-plot" in explorer.image._dom_classes
    assert "lecture-summary" in explorer.summary._dom_classes
    assert "widget-output" in explorer.plot_box._dom_classes
    assert explorer.summary_text and explorer.error is None


def test_widgets_never_touch_pyplot():
    before = plt.get_fignums()
    explorer = OptimizerExplorer("Adam")
    explorer.sliders["lr"].value = 0.01
    CompareExplorer()
    assert plt.get_fignums() == before


def test_png_bytes_is_lossless():
    rgba = np.random.default_rng(0).integers(0, 256, size=(7, 5, 4), dtype=np.uint8)
    with Image.open(io.BytesIO(png_bytes(rgba))) as image:
        assert image.mode == "RGB"
        np.testing.assert_array_equal(np.asarray(image), rgba[..., :3])


def test_the_picture_is_the_figure_drawn_in_full():
    explorer = OptimizerExplorer("SGD", "bowl", lr=1.2, steps=30)  # diverged: a note too
    with Image.open(io.BytesIO(explorer.image.value)) as image:
        blitted = np.asarray(image.convert("RGB"), dtype=int)
    figure = explorer.view.figure
    for i, artist in enumerate(figure.dynamic):  # drawn last, in the same order as the blit
        artist.set_animated(False)
        artist.set_zorder(100 + i)
    figure.canvas.draw()
    full = np.asarray(figure.canvas.buffer_rgba())[..., :3].astype(int)
    assert (np.abs(blitted - full) > 8).any(axis=2).sum() <= 20  # of 257,400 pixels


# ------------------------------------------------------------------ other explorers
def test_compare_explorer_lines_match_each_runner_trajectory():
    explorer = CompareExplorer(("SGD", "Momentum", "COCOB"), "bowl", steps=25)
    assert list(explorer.lr_sliders) == ["SGD", "Momentum"]  # COCOB has no learning rate
    assert {id(s) for s in all_sliders(explorer.widget)} == {
        id(s) for s in explorer.sliders.values()
    }
    png = explorer.image.value
    explorer.lr_sliders["Momentum"].value = 0.02
    assert explorer.image.value != png
    opts = [OPTIMIZERS["SGD"](lr=0.95), OPTIMIZERS["Momentum"](lr=0.02), OPTIMIZERS["COCOB"]()]
    expected = [run(o, "bowl", steps=25) for o in opts]
    for path, traj in zip(explorer.view.paths, expected, strict=True):
        np.testing.assert_allclose(path_xy(path), traj.points)
    assert explorer.summary_text.split("\n")[:3] == [t.summary() for t in expected]
    assert explorer.view.legend.labels == ["SGD (lr 0.95)", "Momentum (lr 0.02)", "COCOB (no lr)"]


def test_compare_explorer_reruns_only_the_optimizer_whose_lr_moved():
    explorer = CompareExplorer(("SGD", "Adam"), "bowl", steps=20)
    sgd, adam = explorer.trajectories
    explorer.lr_sliders["SGD"].value = 0.5
    assert explorer.trajectories[1] is adam and explorer.trajectories[0] is not sgd
    assert explorer.trajectories[0].label == "SGD(lr=0.5)"


def test_compare_explorer_marks_each_diverged_run():
    explorer = CompareExplorer(("SGD", "Adam"), "bowl")
    explorer.lr_sliders["SGD"].value = 5.0
    sgd, adam = explorer.trajectories
    assert sgd.diverged and not adam.diverged
    notes = [p.note.artist for p in explorer.view.paths]
    assert notes[0].get_text() == f"SGD: diverged at step {sgd.diverged_at}"
    assert not notes[1].get_visible() or adam.stall is not None
    assert explorer.view.legend.labels[0] == "SGD (lr 5)"


def test_sinc_explorer_follows_the_learning_rate():
    explorer = SincExplorer(lr=0.05, steps=30)
    assert set(explorer.sliders) == {"lr", "steps", "x0"}
    png, summary = explorer.image.value, explorer.summary_text
    explorer.lr_slider.value = 2.0
    expected = run(OPTIMIZERS["SGD"](lr=2.0), "sinc", start=[2.0], steps=30)
    assert explorer.summary_text.split("\n")[0] == expected.summary()
    assert explorer.summary_text != summary
    assert explorer.image.value != png
    np.testing.assert_allclose(path_xy(explorer.view.path)[:, 0], expected.points[:, 0])
    np.testing.assert_allclose(path_xy(explorer.view.path)[:, 1], expected.losses)
    np.testing.assert_allclose(explorer.view.iterates.line.get_ydata(), expected.points[:, 0])
    lo, hi = explorer.ax_curve.get_xlim()
    assert lo <= expected.points.min() and hi >= expected.points.max()
    for end in ends(explorer.lr_slider):
        explorer.lr_slider.value = end
        assert explorer.error is None and explorer.summary_text.startswith("SGD(")


def test_batch_size_explorer_shows_the_minibatch_run():
    explorer = BatchSizeExplorer(batch_size=8, lr=0.1, steps=60, seed=1)
    png = explorer.image.value
    explorer.batch_slider.value = 128
    expected = minibatch_run(batch_size=128, steps=60, lr=0.1, seed=1)
    assert explorer.image.value != png
    np.testing.assert_allclose(explorer.view.batch.line.get_ydata(), expected.batch_losses)
    np.testing.assert_allclose(explorer.view.full.line.get_ydata(), expected.losses)
    assert explorer.summary_text == expected.summary()
    for slider in explorer.sliders.values():
        for end in ends(slider):
            slider.value = end
            assert explorer.error is None, explorer.error


def test_batch_size_explorer_at_its_largest_lr_shows_the_divergence_without_warnings():
    explorer = BatchSizeExplorer(batch_size=8, lr=0.1, steps=200, seed=0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        explorer.lr_slider.value = ends(explorer.lr_slider)[1]
    run_ = explorer.run
    assert explorer.error is None and run_.diverged
    assert f"diverged at step {run_.diverged_at}" in explorer.summary_text
    note = explorer.view.note.artist
    assert note.get_visible() and note.get_text() == f"diverged at step {run_.diverged_at}"
    assert len(explorer.view.full.cross.get_xdata()) == 1


def test_playground_swaps_presets():
    playground = Playground("anisotropic valley")
    first = playground.explorer
    playground.menu.value = "saddle trap"
    assert playground.explorer is not first
    assert playground.box.children == (playground.explorer.widget,)
    assert playground.explorer.trajectory.stall == "saddle"
    assert "saddle" in playground.explorer.summary_text
    for name in widgets.PRESETS:
        explorer = widgets.preset(name)
        assert explorer.error is None, (name, explorer.error)


def test_the_notebooks_call_forms_still_work():
    calls = [
        lambda: OptimizerExplorer("SGD", "bowl", lr=0.95, steps=50),
        lambda: OptimizerExplorer("COCOB", "bowl", alpha=100.0, steps=50),
        lambda: CompareExplorer(("SGD", "Momentum"), "bowl", lrs={"SGD": 0.5}),
        lambda: SincExplorer(lr=0.3, steps=30, x0=2.0),
        lambda: BatchSizeExplorer(batch_size=8, lr=0.1, steps=200, seed=0),
    ]  # Playground("saddle trap") and preset(name): test_playground_swaps_presets
    for call in calls:
        assert call().error is None


def test_readout_never_rounds_onto_the_stability_limit():
    from lecture_lib.optimizers import SGD
    from lecture_lib.readout import stability_readout

    # Rosenbrock's lambda_max at (1, 1) is about 1001.6: lr 0.002 is just above SGD's limit there
    text = stability_readout(SGD(lr=0.002), "rosenbrock")
    assert "η·λmax = 2.003 at the minimum (1, 1)" in text
    assert "η·λmax = 1.90 (" in stability_readout(SGD(lr=0.95), "bowl")
