"""``tools/make_figures.py`` (make figures) writes its images, byte-identical from run to run."""

from __future__ import annotations

import subprocess
import sys

import make_figures as figures
import pytest
from PIL import Image

pytestmark = pytest.mark.viz


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    """Every figure, written once: (output folder, paths written)."""
    out = tmp_path_factory.mktemp("img")
    return out, figures.generate(out)


def test_every_figure_is_written(generated):
    out, paths = generated
    names = {str(p.relative_to(out)) for p in paths}
    assert names == {rel for rel, _ in figures.FIGURES.values()}
    assert {
        "week_5/sgd_explicit.png",
        "week_5/bad_learning_rate.png",
        "week_5/minibatch_fluctuation.png",
        "race.gif",
    } <= names
    for path in paths:
        with Image.open(path) as image:
            assert image.size[0] >= 300
    gif = out / "race.gif"
    assert gif.stat().st_size <= 1_000_000
    with Image.open(gif) as image:
        assert 10 <= image.n_frames <= 120


def test_a_second_run_writes_identical_bytes(generated, tmp_path):
    """Deterministic: every PNG again, byte for byte. (The GIF writer's determinism, same frames
    -> same bytes, is tested on a small race in test_plots; the 41-frame race is not redone.)"""
    out, paths = generated
    pngs = [name for name, (rel, _) in figures.FIGURES.items() if rel.endswith(".png")]
    assert len(pngs) == len(paths) - 1
    for again in figures.generate(tmp_path, only=pngs):
        first = out / again.relative_to(tmp_path)
        assert again.read_bytes() == first.read_bytes(), again.name


def test_png_has_no_software_metadata(tmp_path):
    (path,) = figures.generate(tmp_path, only=["bad_learning_rate"])
    with Image.open(path) as image:
        assert "Software" not in image.info


def test_command_line_out_only_and_list(tmp_path):
    cmd = [sys.executable, str(figures.ROOT / "tools" / "make_figures.py"), "--out", str(tmp_path)]
    done = subprocess.run([*cmd, "--only", "sgd_explicit"], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "week_5" / "sgd_explicit.png").is_file()
    assert not (tmp_path / "race.gif").exists()
    listing = subprocess.run([*cmd, "--list"], capture_output=True, text=True, check=True)
    assert "race.gif" in listing.stdout
    bad = subprocess.run([*cmd, "--only", "nope"], capture_output=True, text=True)
    assert bad.returncode == 2 and "unknown figures" in bad.stderr
