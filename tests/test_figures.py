"""``python -m lecture_lib.figures`` writes its images, byte-identical from run to run."""

from __future__ import annotations

import subprocess
import sys

import pytest
from PIL import Image

from lecture_lib import figures

pytestmark = pytest.mark.viz


def test_every_figure_is_written_and_identical_twice(tmp_path):
    first = figures.generate(tmp_path / "a")
    second = figures.generate(tmp_path / "b")
    assert [p.relative_to(tmp_path / "a") for p in first] == [
        p.relative_to(tmp_path / "b") for p in second
    ]
    names = {str(p.relative_to(tmp_path / "a")) for p in first}
    assert {
        "week_5/sgd_explicit.png",
        "week_5/bad_learning_rate.png",
        "week_5/minibatch_fluctuation.png",
        "race.gif",
    } <= names
    for a, b in zip(first, second, strict=True):
        assert a.read_bytes() == b.read_bytes(), a.name
        with Image.open(a) as image:
            assert image.size[0] >= 300
    gif = tmp_path / "a" / "race.gif"
    assert gif.stat().st_size <= 1_000_000
    with Image.open(gif) as image:
        assert 10 <= image.n_frames <= 120


def test_png_has_no_software_metadata(tmp_path):
    (path,) = figures.generate(tmp_path, only=["bad_learning_rate"])
    with Image.open(path) as image:
        assert "Software" not in image.info


def test_command_line_out_only_and_list(tmp_path):
    cmd = [sys.executable, "-m", "lecture_lib.figures", "--out", str(tmp_path)]
    done = subprocess.run([*cmd, "--only", "sgd_explicit"], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "week_5" / "sgd_explicit.png").is_file()
    assert not (tmp_path / "race.gif").exists()
    listing = subprocess.run([*cmd, "--list"], capture_output=True, text=True, check=True)
    assert "race.gif" in listing.stdout
    bad = subprocess.run([*cmd, "--only", "nope"], capture_output=True, text=True)
    assert bad.returncode == 2 and "unknown figures" in bad.stderr
