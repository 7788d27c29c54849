"""A small class on a real JupyterHub: the harness of benchmarks/classroom_load.py, 2 students.

Both students log in with the dummy password, start their servers, run notebook 03 over the
kernel websocket and drag the Momentum explorer's lr slider for a few seconds. Every update sent
must get its new image back, and nothing of the run may be left afterwards. Latency is measured
but not asserted (speed belongs to the benchmark). Skips when jupyterhub or
configurable-http-proxy cannot be installed (no npm, offline); LECTURE_REQUIRE_HUB=1 (CI) turns
the skip into a failure.
"""

from __future__ import annotations

import math
import os
import sys

import pytest
from conftest import ROOT

sys.path.insert(0, str(ROOT / "benchmarks"))

from classroom import install, procs  # neither imports jupyterhub

pytestmark = pytest.mark.hub

STUDENTS, SECONDS, RATE = 2, 3.0, 5.0


def hub_required() -> bool:
    return os.environ.get("LECTURE_REQUIRE_HUB", "").strip() not in ("", "0", "false", "no")


@pytest.fixture(scope="module")
def proxy():
    try:
        return install.ensure_all(install=True)
    except install.HubUnavailable as error:
        if hub_required():
            pytest.fail(f"{error} (LECTURE_REQUIRE_HUB is set, so this is a failure)")
        pytest.skip(f"no JupyterHub for the classroom test: {error}")


@pytest.fixture(scope="module")
def small_class(proxy):
    from classroom.harness import run_class

    return run_class(STUDENTS, SECONDS, proxy, rate=RATE)


def test_every_slider_update_gets_its_image_back(small_class):
    moves = STUDENTS * round(SECONDS * RATE)
    assert small_class.moves == moves
    # moves made while an update is in flight are merged into the next one (ipywidgets 8); an
    # update that sends back the value the kernel already has needs no image (``repeats``)
    assert 0 < small_class.sent <= small_class.sent + small_class.repeats <= moves
    assert small_class.images == small_class.sent, (
        f"{small_class.sent - small_class.images} of {small_class.sent} slider updates got no "
        "new image"
    )
    assert small_class.bad_images == 0, "an image update did not carry a PNG"


def test_latency_memory_and_cpu_were_measured(small_class):
    latencies = small_class.latencies
    assert len(latencies) == small_class.sent
    assert all(0 < ms < 60_000 and math.isfinite(ms) for ms in latencies)
    line = small_class.line()
    assert line.startswith(f"students {STUDENTS}: p50 ") and line.endswith(" MB/student")
    # a single-user server and a kernel that has drawn a plot take tens of MB each
    assert small_class.server_mb > 20 and small_class.kernel_mb > 20
    assert small_class.cpu["students"] > 0


def test_nothing_is_left_running(small_class):
    assert procs.run_processes(small_class.run_id) == []
    assert not small_class.state_dir.exists(), "the hub's temporary folder was not removed"
