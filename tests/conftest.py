"""Shared pytest hooks: markers for nbval items, reports for failure screenshots, browser skips."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from xdist.scheduler import LoadScopeScheduling

ROOT = Path(__file__).resolve().parents[1]
# LECTURE_NOTEBOOK_DIR points the notebook checks at another folder (e.g. drafts in /tmp).
NOTEBOOK_DIR = Path(os.environ.get("LECTURE_NOTEBOOK_DIR") or ROOT / "notebooks")
NOTEBOOKS = sorted(NOTEBOOK_DIR.glob("*.ipynb"))
# A code cell that builds a live widget (an explorer, the playground, plain ipywidgets).
INTERACTIVE_SOURCE = re.compile(r"Explorer|Playground|ipywidgets|widgets\.|interact")


def pytest_collection_modifyitems(config, items):
    """nbval's cells carry the ``notebooks`` marker, so ``-m "not notebooks"`` skips them."""
    for item in items:
        if item.path.suffix == ".ipynb":
            item.add_marker(pytest.mark.notebooks)


class _BrowserTestsApart(LoadScopeScheduling):
    """``--dist loadscope`` (``make test`` runs two pytest-xdist workers), except that each
    browser test is a unit of its own: the cells of a notebook stay on one worker (they share a
    kernel), every test module too (its module fixtures run once), and the browser tests, the
    longest part of the suite, spread over both workers (each starts its own JupyterLab)."""

    def _split_scope(self, nodeid: str) -> str:
        if nodeid.startswith("tests/test_browser.py::"):
            return nodeid
        return super()._split_scope(nodeid)


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config, log):
    if config.getvalue("dist") == "loadscope":
        return _BrowserTestsApart(config, log)
    return None


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    """Keep each phase's report on the item (``item.rep_call``) for fixtures' teardown."""
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


def browser_required() -> bool:
    """True in CI (``LECTURE_REQUIRE_BROWSER=1``): a missing browser fails instead of skipping."""
    return os.environ.get("LECTURE_REQUIRE_BROWSER", "").strip() not in ("", "0", "false", "no")


def skip_or_fail(message: str) -> None:
    if browser_required():
        pytest.fail(f"{message} (LECTURE_REQUIRE_BROWSER is set, so this is a failure)")
    pytest.skip(message)
