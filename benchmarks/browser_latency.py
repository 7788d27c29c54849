"""Slider key press -> new plot in the browser, for every explorer of every notebook.

    python benchmarks/browser_latency.py [NOTEBOOK ...] [--presses 9] [--fixture]

Starts the same private JupyterLab as the browser tests (tests/browser/jupyterlab.py) in headless
Chromium. For each notebook (default: every notebook in notebooks/ that shows an explorer) it opens
a notebook made of that notebook's explorer cells only (the cells whose last line builds an
explorer, exactly as written there, after one import cell), runs it, then presses an arrow key on
each explorer's first slider N times. Only the explorer cells: the measurement does not depend on
the rest of the notebook (MNIST training, other figures), and the same calls can be measured
against an older ``lecture_lib``. Times are taken inside the page: from the ``keydown`` event to
the plot ``<img>``'s new ``src`` (and to the new image decoded), waiting for the kernel to go idle
between presses. The path covers the front-end, the websocket, the kernel's callback (runner +
drawing + PNG encoding), and back.

Where the time goes: after each explorer's presses the script asks the kernel for the explorer's
own per-update timings (``Explorer.timings``: run, draw, encode; medians over the same presses);
*transport* is key->src minus their sum (front-end, websocket, message handling). An explorer
without ``timings`` (an older lecture_lib, e.g. ``PYTHONPATH=/path/to/old/checkout``) shows "-".

``--fixture`` adds the harness notebook's bare-ipywidgets explorer as a reference row.
``--against CHECKOUT`` measures another version too, e.g. before and after a change::

    git worktree add /tmp/before <commit>
    python benchmarks/browser_latency.py --against /tmp/before

Its kernels import ``CHECKOUT/lecture_lib`` (through ``PYTHONPATH``) and run the explorer cells of
``CHECKOUT/notebooks``; the two versions take turns notebook by notebook, so that both see the
same machine load, and the table gives both medians and their ratio.
Target (issue 12): every explorer's median key->src <= 60 ms. Without Chromium it prints how to
install it and exits 0.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import sys
from dataclasses import dataclass
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from browser import fixture  # noqa: E402
from browser.jupyterlab import (  # noqa: E402
    CHROMIUM_ARGS,
    HANDLE,
    INSTALL_HINT,
    PLOT,
    READOUT,
    SLIDER,
    LabServer,
    NotebookPage,
    find_chromium,
    start_server,
)

TARGET_MS = 60.0
# A cell that shows an explorer: its last line builds one (``OptimizerExplorer("SGD", ...)``).
EXPLORER_CALL = re.compile(r"^\w*(Explorer|Playground|preset)\(")
IMPORTS = "from lecture_lib.optimizers import OPTIMIZERS\nfrom lecture_lib.widgets import *"

# Per explorer cell: the keydown time, then when the plot's src changes and the image is decoded.
JS_INSTRUMENT = """([cell, selector, slot]) => {
  window.__latency = window.__latency || {};
  const last = cell.querySelector(selector).getAttribute('src');
  const st = {t0: null, last, src: [], decoded: []};
  window.__latency[slot] = st;
  const check = () => {
    const img = cell.querySelector(selector);
    if (!img) return;
    const src = img.getAttribute('src');
    if (src === st.last) return;
    st.last = src;
    if (st.t0 === null) return;
    const t0 = st.t0;
    st.t0 = null;
    st.src.push(performance.now() - t0);
    img.decode().then(() => st.decoded.push(performance.now() - t0), () => {});
  };
  new MutationObserver(check).observe(cell, {subtree: true, childList: true, attributes: true,
                                             attributeFilter: ['src']});
  cell.addEventListener('keydown', () => { st.t0 = performance.now(); }, true);
}"""

# Runs Python in the notebook's kernel (not in a cell) and returns what it printed.
JS_KERNEL_EXEC = """async (code) => {
  const k = window.jupyterapp.shell.currentWidget.sessionContext.session.kernel;
  let out = '';
  const future = k.requestExecute({code, silent: false, store_history: false});
  future.onIOPub = (msg) => { if (msg.header.msg_type === 'stream') out += msg.content.text; };
  await future.done;
  return out;
}"""

# The explorer updated most recently (the one just measured): medians of its last n updates, ms.
KERNEL_TIMINGS = """
import gc as _gc, json as _json, statistics as _st
try:
    from lecture_lib.explorer import Explorer as _E
except ImportError:
    _E = None
_live = [o for o in _gc.get_objects() if _E and isinstance(o, _E) and o.timings] if _E else []
if _live:
    _t = list(max(_live, key=lambda o: o.timings[-1].at).timings)[-{n}:]
    print(_json.dumps({{k: 1e3 * _st.median(getattr(u, k) for u in _t)
                       for k in ("run", "draw", "encode")}}))
else:
    print("{{}}")
"""


def measure(nbpage: NotebookPage, cell, slot: int, presses: int) -> dict[str, list[float]]:
    plot = f".jp-OutputArea :is({PLOT})"
    nbpage.page.evaluate(JS_INSTRUMENT, [cell.element_handle(), plot, slot])
    slider = cell.locator(f".jp-OutputArea {SLIDER}").first
    handle, readout = slider.locator(HANDLE).first, slider.locator(READOUT).first
    key = "ArrowRight"
    for press in range(presses):
        if press == presses // 2:
            key = "ArrowLeft"  # sweep back: values stay in range
        value = readout.inner_text()
        since = nbpage.idle_count()
        handle.press(key)
        if readout.inner_text() == value:  # at the end of the range: turn around
            key = "ArrowLeft" if key == "ArrowRight" else "ArrowRight"
            handle.press(key)
        nbpage.page.wait_for_function(
            f"() => window.__latency[{slot}].src.length >= {press + 1}", timeout=30_000, polling=5
        )
        nbpage.wait_idle(since, quiet=0.05)
    return nbpage.page.evaluate(f"() => window.__latency[{slot}]")


def kernel_breakdown(nbpage: NotebookPage, presses: int) -> dict[str, float]:
    out = nbpage.page.evaluate(JS_KERNEL_EXEC, KERNEL_TIMINGS.format(n=presses))
    return json.loads(out.strip().splitlines()[-1]) if out.strip() else {}


@dataclass
class Measured:
    """One explorer's medians (ms) over the presses; ``parts``: run/draw/encode, {} if unknown."""

    label: str
    src: float
    decoded: float
    parts: dict[str, float]


def row(name: str, m: Measured | None, before: Measured | None, against: bool) -> str:
    if m is None:
        return f"{name:<44} (no explorer here in this version)"
    if m.parts:
        kernel = sum(m.parts.values())
        split = " ".join(f"{m.parts[k]:6.1f}" for k in ("run", "draw", "encode"))
        split += f" {m.src - kernel:9.1f}"
    else:
        split = f"{'-':>6} {'-':>6} {'-':>6} {'-':>9}"
    verdict = "ok" if m.src <= TARGET_MS else "SLOW"
    if not against:
        return f"{name:<44} {m.src:>7.1f} {m.decoded:>7.1f}  {split}   {verdict}"
    old = f"{before.src:>7.1f} {m.src / before.src:>6.2f}" if before else f"{'-':>7} {'-':>6}"
    return f"{name:<44} {old} {m.src:>7.1f} {m.decoded:>7.1f}  {split}   {verdict}"


def explorer_cells(path: Path) -> list[str]:
    """The sources of the code cells of ``path`` whose last line builds an explorer."""
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    found = []
    for cell in cells:
        lines = [ln for ln in "".join(cell["source"]).splitlines() if ln.strip()]
        if cell["cell_type"] == "code" and lines and EXPLORER_CALL.match(lines[-1]):
            found.append("\n".join(lines))
    return found


def bench_notebooks(paths: list[Path]) -> dict[str, nbformat.NotebookNode]:
    """One notebook per notebook with explorers: the import cell, then its explorer cells."""
    out = {}
    for path in paths:
        cells = explorer_cells(path)
        if cells:
            nb = nbformat.v4.new_notebook()
            nb.metadata["kernelspec"] = {
                "name": "python3",
                "display_name": "Python 3",
                "language": "python",
            }
            nb.cells = [nbformat.v4.new_code_cell(c) for c in (IMPORTS, *cells)]
            out[f"bench/{path.name}"] = nb
    return out


def bench_notebook(browser, server, name: str, presses: int) -> list[Measured]:
    page = browser.new_page(viewport={"width": 1280, "height": 1000})
    try:
        nbpage = NotebookPage(page, server, name).open()
        nbpage.run_all()
        found = []
        for slot, cell in enumerate(nbpage.explorer_cells()):
            cell.scroll_into_view_if_needed()
            source = cell.locator(".jp-InputArea").inner_text()
            call = re.search(r"\w*(Explorer|Playground|preset)\([^)]*\)?", source)
            label = call.group(0) if call else "bare ipywidgets explorer (reference)"
            result = measure(nbpage, cell, slot, presses)
            parts = kernel_breakdown(nbpage, presses) if call else {}
            decoded = statistics.median(result["decoded"]) if result["decoded"] else float("nan")
            found.append(Measured(label, statistics.median(result["src"]), decoded, parts))
        if not found:
            raise RuntimeError(f"{name}: no explorer rendered (did a cell fail?)")
        return found
    finally:
        page.close()
        server.shutdown_kernels()


def start_with(pythonpath: Path | None, notebooks: dict) -> LabServer:
    """A server whose kernels import ``lecture_lib`` from ``pythonpath`` (None: as installed)."""
    saved = os.environ.get("PYTHONPATH")
    if pythonpath is not None:
        os.environ["PYTHONPATH"] = str(pythonpath)
    try:
        return start_server([], notebooks)
    finally:
        if saved is None:
            os.environ.pop("PYTHONPATH", None)
        else:
            os.environ["PYTHONPATH"] = saved


def bench_all(browser, servers: dict, names: list[str], presses: int, against: bool) -> None:
    """Every notebook, in both versions when ``against``, alternating which goes first.

    ``servers``: version -> (server, the names of the notebooks it serves)."""
    for i, name in enumerate(names):
        order = ["after", "before"] if i % 2 == 0 else ["before", "after"]
        got = {
            version: bench_notebook(browser, servers[version][0], name, presses)
            for version in order
            if version in servers and name in servers[version][1]
        }
        after, before = got.get("after", []), got.get("before", [])
        for k in range(max(len(after), len(before))):
            mine = after[k] if k < len(after) else None
            old = before[k] if k < len(before) else None
            label = (mine or old).label
            print(row(f"{Path(name).stem[:10]} {label[:33]}", mine, old, against), flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("notebooks", nargs="*", type=Path, help="default: notebooks/*.ipynb")
    parser.add_argument("--presses", type=int, default=9, help="key presses per explorer (9)")
    parser.add_argument("--fixture", action="store_true", help="add the harness reference row")
    parser.add_argument(
        "--against",
        type=Path,
        help="another checkout (e.g. a git worktree of an older commit): measure its lecture_lib "
        "on its notebooks too, notebook by notebook in turn with this one",
    )
    args = parser.parse_args(argv)
    if args.presses < 5:
        parser.error(f"--presses must be an int >= 5, got {args.presses}")
    paths = args.notebooks or sorted((ROOT / "notebooks").glob("*.ipynb"))
    chromium = find_chromium()
    if chromium is None:
        print(f"skipped: {INSTALL_HINT}")
        return 0
    from playwright.sync_api import sync_playwright

    versions = {"after": (None, bench_notebooks(paths))}
    if args.against is not None:
        old = sorted((args.against / "notebooks").glob("*.ipynb"))
        versions["before"] = (args.against, bench_notebooks(old))
    if args.fixture:
        for _, notebooks in versions.values():
            notebooks[fixture.NAME] = fixture.notebook()
    names = list(dict.fromkeys(n for _, nbs in versions.values() for n in sorted(nbs)))
    servers = {}
    print("slider key press -> changed plot <img>, median ms over the presses, headless Chromium")
    head = f"{'before':>7} {'ratio':>6} " if args.against else ""
    print(
        f"{'notebook explorer':<44} {head}{'->src':>7} {'->dec':>7}  "
        f"{'run':>6} {'draw':>6} {'encode':>6} {'transport':>9}"
    )
    try:
        for version, (pythonpath, notebooks) in versions.items():
            servers[version] = (start_with(pythonpath, notebooks), set(notebooks))
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
            bench_all(browser, servers, names, args.presses, args.against is not None)
            browser.close()
    finally:
        for server, _ in servers.values():
            server.stop()
    print(f"target: every explorer's median key->src <= {TARGET_MS:.0f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
