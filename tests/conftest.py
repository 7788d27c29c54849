"""Shared pytest hooks: markers for nbval items, reports for failure screenshots, browser skips."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# LECTURE_NOTEBOOK_DIR points the notebook checks at another folder (e.g. drafts in /tmp).
NOTEBOOK_DIR = Path(os.environ.get("LECTURE_NOTEBOOK_DIR") or ROOT / "notebooks")
NOTEBOOKS = sorted(NOTEBOOK_DIR.glob("*.ipynb"))


def pytest_collection_modifyitems(config, items):
    """nbval's cells carry the ``notebooks`` marker, so ``-m "not notebooks"`` skips them."""
    for item in items:
        if item.path.suffix == ".ipynb":
            item.add_marker(pytest.mark.notebooks)


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
