"""The explorers driven programmatically, as the browser would drive them: set a slider's value,
then check the picture, the plotted data and the summary against the runner's own trajectory."""

from __future__ import annotations

import html

import ipywidgets as W
import matplotlib.pyplot as plt
import numpy as np
import pytest

from lecture_lib import widgets
from lecture_lib.optimizers import OPTIMIZERS
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


def summary_of(trajs) -> str:
    return "<br>".join(html.escape(t.summary()) for t in trajs)


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
    for h, slider in explorer.hyper_sliders.items():
        kind = W.FloatLogSlider if h == "lr" else W.FloatSlider
        assert type(slider) is kind, (h, type(slider))
        assert slider.continuous_update
    assert explorer.error is None


@pytest.mark.parametrize("name", list(OPTIMIZERS))
def test_every_slider_at_both_ends_gives_a_summary_not_an_exception(name):
    explorer = OptimizerExplorer(name, "bowl")
    for key, slider in explorer.sliders.items():
        for end in ends(slider):
            slider.value = end
            assert explorer.error is None, (key, end, explorer.error)
            assert explorer.summary_text.startswith(f"{name}("), explorer.summary_text
            traj = explorer.trajectory
            assert explorer.summary.value == summary_of([traj])
            assert np.all(np.isfinite(traj.points))


def test_too_large_learning_rate_reports_divergence():
    explorer = OptimizerExplorer("SGD", "bowl")
    explorer.sliders["lr"].value = ends(explorer.sliders["lr"])[1]
    assert 10**0.95 - 1e-9 <= explorer.sliders["lr"].value <= 10.0  # within a step of 10
    traj = explorer.trajectory
    assert traj.diverged
    assert f"diverged at step {traj.diverged_at}" in explorer.summary_text
    assert explorer.annotation.get_visible()
    assert explorer.annotation.get_text() == f"diverged at step {traj.diverged_at}"


# --------------------------------------------------------------------- driven updates
def test_slider_move_updates_picture_data_and_summary():
    explorer = OptimizerExplorer("Adam", "bowl", steps=40)
    png, summary, n = explorer.image.value, explorer.summary.value, explorer.updates
    explorer.sliders["lr"].value = 0.05
    explorer.sliders["beta1"].value = 0.5
    assert explorer.updates == n + 2
    assert explorer.image.value != png
    assert explorer.image.value[:8] == b"\x89PNG\r\n\x1a\n"
    expected = run(
        OPTIMIZERS["Adam"](lr=0.05, beta1=0.5), get_surface("bowl"), start=[-7.0, 2.0], steps=40
    )
    np.testing.assert_allclose(explorer.path_line.get_xdata(), expected.points[:, 0])
    np.testing.assert_allclose(explorer.path_line.get_ydata(), expected.points[:, 1])
    np.testing.assert_allclose(explorer.end_marker.get_xdata(), expected.points[-1:, 0])
    assert explorer.summary.value != summary
    assert explorer.summary_text == expected.summary()
    assert explorer.summary.value == summary_of([expected])


def test_steps_and_start_sliders_reach_the_runner():
    explorer = OptimizerExplorer("Momentum", "bowl")
    explorer.sliders["steps"].value = 7
    explorer.sliders["x"].value = 3.0
    traj = explorer.trajectory
    assert len(traj.points) == 8
    assert traj.points[0, 0] == pytest.approx(3.0)
    assert explorer.start_marker.get_xdata()[0] == pytest.approx(3.0)


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


def test_unexpected_error_is_shown_in_the_summary(monkeypatch):
    explorer = OptimizerExplorer("SGD")
    png = explorer.image.value

    def boom():
        raise RuntimeError("boom")

    monkeypatch.setattr(explorer, "_compute", boom)
    explorer.sliders["lr"].value = 0.5
    assert isinstance(explorer.error, RuntimeError)
    assert "RuntimeError: boom" in explorer.summary.value
    assert explorer.image.value == png


def test_unknown_names_are_value_errors():
    with pytest.raises(ValueError, match="optimizer must be one of"):
        OptimizerExplorer("Nesterov")
    with pytest.raises(ValueError, match="surface must be one of"):
        OptimizerExplorer("SGD", "sinc")
    with pytest.raises(ValueError, match="not sliders of SGD"):
        OptimizerExplorer("SGD", beta1=0.5)


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
    assert explorer.summary_text and explorer.error is None


def test_widgets_never_touch_pyplot():
    before = plt.get_fignums()
    explorer = OptimizerExplorer("Adam")
    explorer.sliders["lr"].value = 0.01
    CompareExplorer()
    assert plt.get_fignums() == before


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
    expected = [run(o, get_surface("bowl"), steps=25) for o in opts]
    for line, traj in zip(explorer.path_lines, expected, strict=True):
        np.testing.assert_allclose(line.get_xydata(), traj.points)
    assert explorer.summary.value == summary_of(expected)
    legend = [t.get_text() for t in explorer.ax.get_legend().get_texts()]
    assert legend == ["SGD", "Momentum", "COCOB"]


def test_compare_explorer_marks_each_diverged_run():
    explorer = CompareExplorer(("SGD", "Adam"), "bowl")
    explorer.lr_sliders["SGD"].value = 5.0
    sgd, adam = explorer.trajectories
    assert sgd.diverged and not adam.diverged
    assert explorer.annotations[0].get_text() == f"SGD: diverged at step {sgd.diverged_at}"
    assert not explorer.annotations[1].get_visible() or adam.stall is not None


def test_sinc_explorer_follows_the_learning_rate():
    explorer = SincExplorer(lr=0.05, steps=30)
    assert set(explorer.sliders) == {"lr", "steps", "x0"}
    png, summary = explorer.image.value, explorer.summary_text
    explorer.lr_slider.value = 2.0
    expected = run(OPTIMIZERS["SGD"](lr=2.0), get_surface("sinc"), start=[2.0], steps=30)
    assert explorer.summary_text == expected.summary() != summary
    assert explorer.image.value != png
    np.testing.assert_allclose(explorer.path_line.get_xdata(), expected.points[:, 0])
    np.testing.assert_allclose(explorer.path_line.get_ydata(), expected.losses)
    np.testing.assert_allclose(explorer.x_line.get_ydata(), expected.points[:, 0])
    for end in ends(explorer.lr_slider):
        explorer.lr_slider.value = end
        assert explorer.error is None and explorer.summary_text.startswith("SGD(")


def test_batch_size_explorer_shows_the_minibatch_run():
    explorer = BatchSizeExplorer(batch_size=8, lr=0.1, steps=60, seed=1)
    png = explorer.image.value
    explorer.batch_slider.value = 128
    expected = minibatch_run(batch_size=128, steps=60, lr=0.1, seed=1)
    assert explorer.image.value != png
    np.testing.assert_allclose(explorer.batch_line.get_ydata(), expected.batch_losses)
    np.testing.assert_allclose(explorer.full_line.get_ydata(), expected.losses)
    assert "128" in explorer.summary_text
    for slider in explorer.sliders.values():
        for end in ends(slider):
            slider.value = end
            assert explorer.error is None, explorer.error


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


def test_slider_float_noise_stays_out_of_labels():
    explorer = OptimizerExplorer("Momentum", "bowl", steps=5)
    explorer.sliders["alpha"].value = 0.9000000000000001  # what the front-end sends for 0.9
    assert "alpha=0.9)" in explorer.summary_text
    assert "0.9000000000000001" not in explorer.summary_text


@pytest.mark.parametrize("lr", [0.95, 1.5, 0.3, 1e-4, 10.0, 0.0123])
def test_lr_slider_grid_passes_through_its_start_value(lr):
    # the browser snaps a log slider to min + k * step; the start value must be on that grid
    slider = OptimizerExplorer("SGD", "bowl", lr=lr, steps=3).sliders["lr"]
    k = (np.log10(lr) - slider.min) / slider.step
    assert abs(k - round(k)) < 1e-6
    assert -4.0 - 1e-9 <= slider.min and slider.max <= 1.0 + 1e-9
    assert slider.max - slider.min > 4.9
