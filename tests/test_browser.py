"""The widgets in a real browser: JupyterLab in headless Chromium runs every notebook.

One private JupyterLab server per session (127.0.0.1, random port and token, throw-away settings,
a cleared copy of notebooks/). For each notebook with widgets: run all cells, then assert every
cell ran, no errors, every widget rendered, each explorer's plot and summary follow its slider, and
the page loaded nothing from outside 127.0.0.1. (A notebook without widgets, e.g. 09-11, has
nothing a browser adds to nbval's run and the stored-notebook checks, so it is not run twice.)
Chromium missing -> skip, or fail when LECTURE_REQUIRE_BROWSER=1 (CI). LECTURE_SCREENSHOTS=1 also
saves the README's screenshots to img/.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from urllib.parse import urlparse

import nbformat
import pytest
from browser import fixture
from browser.jupyterlab import (
    CHROMIUM_ARGS,
    INSTALL_HINT,
    WIDGET_ERROR,
    WIDGET_FAILURE_TEXTS,
    NotebookPage,
    find_chromium,
    move_slider,
    notebook_path,
    start_server,
)
from conftest import INTERACTIVE_SOURCE, NOTEBOOKS, ROOT, skip_or_fail

pytestmark = pytest.mark.browser

ARTIFACTS = ROOT / "tests" / "browser_artifacts"
LOCAL_SCHEMES = {"data", "blob", "about"}
# README screenshots (LECTURE_SCREENSHOTS=1): file name -> (notebook name part, cell source part).
SCREENSHOTS = {
    "screenshot_explorer.png": ("momentum", None),
    "screenshot_playground.png": ("playground", "Playground("),
}


@pytest.fixture(scope="session")
def chromium() -> str:
    path = find_chromium()
    if path is None:
        skip_or_fail(INSTALL_HINT)
    return path


@pytest.fixture(scope="session")
def lab(chromium):
    server = start_server(NOTEBOOKS, {fixture.NAME: fixture.notebook()})
    yield server
    server.stop()


@pytest.fixture(scope="session")
def browser(chromium):
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:  # pragma: no cover - playwright is a test dependency
        skip_or_fail("playwright is not installed: pip install -e .[test]")
    with sync_playwright() as playwright:
        try:
            browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        except Exception as error:  # report how to fix it, whatever went wrong
            skip_or_fail(f"Chromium at {chromium} did not start ({error}). {INSTALL_HINT}")
        yield browser
        browser.close()


@pytest.fixture
def open_notebook(request, browser, lab):
    """Open a notebook in a fresh browser context; record its requests; clean up after."""
    context = browser.new_context(viewport={"width": 1280, "height": 1000})
    context.set_default_timeout(60_000)
    requests: list[str] = []
    console: list[str] = []
    context.on("request", lambda r: requests.append(r.url))
    pages = []

    def _open(name: str) -> NotebookPage:
        page = context.new_page()
        page.on("console", lambda m: console.append(m.text) if m.type == "error" else None)
        pages.append(page)
        nbpage = NotebookPage(page, lab, name)
        nbpage.requests, nbpage.console = requests, console
        return nbpage.open()

    yield _open
    report = getattr(request.node, "rep_call", None)
    if pages and report is not None and report.failed:
        ARTIFACTS.mkdir(exist_ok=True)
        safe = re.sub(r"[^\w.-]+", "_", request.node.name)
        pages[-1].screenshot(path=str(ARTIFACTS / f"{safe}.png"), full_page=True)
        (ARTIFACTS / f"{safe}.console.txt").write_text("\n".join(console), encoding="utf-8")
    context.close()
    lab.shutdown_kernels()


def assert_offline(nbpage: NotebookPage) -> None:
    outside = sorted(
        {
            url
            for url in nbpage.requests
            if urlparse(url).scheme not in LOCAL_SCHEMES and urlparse(url).hostname != "127.0.0.1"
        }
    )
    assert not outside, f"{nbpage.notebook} loaded from outside 127.0.0.1: {outside}"


def run_and_check(nbpage: NotebookPage) -> list:
    """Run all cells and assert the notebook ran cleanly; return its explorer cells."""
    state = nbpage.run_all()
    code = [c for c in state["cells"] if not c["empty"]]
    problems = []
    for cell in code:
        where = f"cell {cell['index']} ({cell['source'][:60]!r})"
        allowed = "raises-exception" in cell["tags"]
        for out in cell["outputs"]:
            if out["type"] == "error" and not allowed:
                problems.append(f"{where}: {out['ename']}: {out['evalue']}")
            if out["name"] == "stderr" and "Traceback" in out["text"]:
                problems.append(f"{where}: traceback on stderr: {out['text'][-300:]}")
    assert not problems, f"{nbpage.notebook}: errors in the browser:\n" + "\n".join(problems)
    counts = [c["count"] for c in code]
    assert counts == list(range(1, len(code) + 1)), (
        f"{nbpage.notebook}: not every cell ran, in order (execution counts {counts}); "
        "the kernel may not have been ready when 'run all' was sent"
    )
    text = nbpage.wait_widgets_rendered()
    failures = [t for t in WIDGET_FAILURE_TEXTS if t in text]
    assert not failures, (
        f"{nbpage.notebook}: widget front-end failure, the page shows {failures}; "
        f"browser console errors: {nbpage.console[-5:]}"
    )
    errors = nbpage.panel.locator(WIDGET_ERROR).count()
    assert errors == 0, (
        f"{nbpage.notebook}: {errors} widget(s) failed to render: {nbpage.console[-5:]}"
    )
    views = sum(
        "application/vnd.jupyter.widget-view+json" in o["mimes"] for c in code for o in c["outputs"]
    )
    rendered = nbpage.panel.locator(".jp-OutputArea-output .jupyter-widgets").count()
    assert rendered >= views, f"{nbpage.notebook}: {views} widget outputs but {rendered} rendered"
    broken = nbpage.broken_markdown_images()
    assert not broken, (
        f"{nbpage.notebook}: images in markdown did not load: {broken} (JupyterLab serves only "
        "files below its root folder; the root must contain notebooks/ and img/)"
    )
    return nbpage.explorer_cells()


def check_explorers(nbpage: NotebookPage, explorers: list) -> None:
    for number, cell in enumerate(explorers, 1):
        cell.scroll_into_view_if_needed()
        move = move_slider(nbpage, cell)
        where = f"{nbpage.notebook}: explorer {number} of {len(explorers)} ({move.key})"
        assert move.plot_after != move.plot_before, f"{where}: the plot did not change"
        if move.summary_before is not None:
            assert move.summary_after != move.summary_before, f"{where}: the summary did not change"
    text = nbpage.output_text()
    failures = [t for t in WIDGET_FAILURE_TEXTS if t in text]
    assert not failures, f"{nbpage.notebook}: after moving sliders the page shows {failures}"


def save_readme_screenshots(nbpage: NotebookPage, explorers: list) -> None:
    if os.environ.get("LECTURE_SCREENSHOTS") != "1":
        return
    stem = Path(nbpage.notebook).stem.lower()
    for filename, (name_part, source_part) in SCREENSHOTS.items():
        if name_part not in stem:
            continue
        if source_part is None:
            target = explorers[0].locator(".jp-OutputArea") if explorers else None
        else:
            cells = nbpage.panel.locator(".jp-CodeCell").filter(
                has=nbpage.page.locator(".jp-InputArea", has_text=source_part)
            )
            target = cells.first.locator(".jp-OutputArea") if cells.count() else None
        if target is not None:
            target.scroll_into_view_if_needed()
            target.screenshot(path=str(ROOT / "img" / filename))


def test_harness_explorer_renders_and_follows_its_slider(open_notebook):
    """Always runs: proves the widget front-end renders and talks to the kernel."""
    nbpage = open_notebook(fixture.NAME)
    explorers = run_and_check(nbpage)
    assert len(explorers) == 2, "the fixture notebook's two explorers were not found on the page"
    plain, lecture = (e.locator(".lecture-summary").inner_text().strip() for e in explorers)
    assert re.fullmatch(r"final \(-?\d+\.\d{3}, -?\d+\.\d{3}\)", plain), plain
    assert lecture.startswith("Momentum(lr="), lecture
    check_explorers(nbpage, explorers)
    # the lr moved; alpha = 0.403 (off the 0.01 grid from 0) was not snapped to 0.40 by the browser
    after = explorers[1].locator(".lecture-summary").inner_text().strip()
    assert after != lecture and "alpha=0.403)" in after, after
    assert_offline(nbpage)


def has_widgets(path: Path) -> bool:
    """True when a code cell builds an explorer or another widget (the browser's part of the
    checks); a notebook without widgets is run by nbval and checked statically instead."""
    nb = nbformat.read(path, as_version=4)
    return any(c.cell_type == "code" and INTERACTIVE_SOURCE.search(c.source) for c in nb.cells)


WIDGET_NOTEBOOKS = [p for p in NOTEBOOKS if has_widgets(p)]


@pytest.mark.parametrize("notebook", WIDGET_NOTEBOOKS, ids=[p.name for p in WIDGET_NOTEBOOKS])
def test_notebook_runs_in_jupyterlab(open_notebook, notebook):
    nbpage = open_notebook(notebook_path(notebook))
    explorers = run_and_check(nbpage)
    save_readme_screenshots(nbpage, explorers)  # before the sliders move: the default view
    check_explorers(nbpage, explorers)
    assert_offline(nbpage)
