"""Drive a private JupyterLab in headless Chromium: the server, the browser, one notebook.

Used by ``tests/test_browser.py`` and ``benchmarks/browser_latency.py``. Nothing here touches the
repository's stored notebooks: the server's root is a temporary copy with outputs cleared.

Facts this module relies on (JupyterLab 4.6, ipywidgets 8.1, playwright 1.65, chromium 156):
``--LabApp.expose_app_in_browser=True`` gives ``window.jupyterapp``; before "run all" the session
context must be ready and the kernel idle *and* connected (the toolbar indicator alone is not
enough); ``notebook:run-all-cells`` runs the notebook; windowing is switched off in the settings so
every cell (and every widget) is in the DOM.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
from playwright.sync_api import TimeoutError as PlaywrightTimeout

CHROMIUM_CANDIDATES = ("/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
    # Offline by construction: every host name but the loopback address fails to resolve.
    "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1",
]
INSTALL_HINT = (
    "Chromium was not found. Install it with `sudo apt-get install chromium` (Debian/Ubuntu), or "
    "point LECTURE_CHROMIUM at a Chrome/Chromium executable, e.g. "
    "LECTURE_CHROMIUM=/usr/bin/google-chrome."
)

PANEL = ".jp-NotebookPanel:not(.lm-mod-hidden)"
SLIDER = ".widget-slider"
HANDLE = ".noUi-handle"
READOUT = ".widget-readout"
PLOT = "img.lecture-plot, .lecture-plot img, img.widget-image, .widget-output img"
SUMMARY = ".lecture-summary"
# What the page shows when the widget front-end fails: a model the manager cannot find, a view
# that threw ("Click to show javascript error."), a widget never rendered, or its text repr
# (ipywidgets' own, or lecture_lib.widgets.FALLBACK_TEXT).
WIDGET_FAILURE_TEXTS = (
    "Error displaying widget",
    "Interactive explorer — run this cell",
    "Click to show javascript error",
    "Loading widget",
    "children=(",
)
WIDGET_ERROR = ".jupyter-widgets-error-widget"

# User settings of the private server: autosave off, news and update checks off, every cell in
# the DOM (no windowing), no dialogs about the kernel.
LAB_SETTINGS = {
    "@jupyterlab/docmanager-extension/plugin": {"autosave": False},
    "@jupyterlab/apputils-extension/notification": {"fetchNews": "false", "checkForUpdates": False},
    "@jupyterlab/notebook-extension/tracker": {"windowingMode": "none"},
}


def find_chromium() -> str | None:
    """Path of the Chromium to drive: $LECTURE_CHROMIUM, else the usual Debian/Ubuntu paths."""
    configured = os.environ.get("LECTURE_CHROMIUM")
    if configured:
        return configured if Path(configured).is_file() else None
    for candidate in CHROMIUM_CANDIDATES:
        if Path(candidate).is_file():
            return candidate
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    return found


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


NOTEBOOK_FOLDER = "notebooks"
# referenced from the notebooks as ../img/... (markdown) and ../benchmarks/results/... (09)
ASSET_FOLDERS = ("img", "benchmarks/results")


def prepare_root(
    root: Path, notebooks: list[Path], extra: dict[str, nbformat.NotebookNode]
) -> None:
    """Lay ``root`` out like the repository: ``notebooks/`` with cleared copies of ``notebooks``
    (and their folder's other files) next to copies of the asset folders (``img/``)."""
    folder = root / NOTEBOOK_FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    for source in notebooks:
        for item in source.parent.iterdir():  # data files next to the notebooks travel along
            if item.suffix != ".ipynb" and item.is_file():
                shutil.copy2(item, folder / item.name)
        for asset in ASSET_FOLDERS:
            if (source.parent.parent / asset).is_dir() and not (root / asset).exists():
                shutil.copytree(source.parent.parent / asset, root / asset)
        nbformat.write(cleared(nbformat.read(source, as_version=4)), folder / source.name)
    for name, nb in extra.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(cleared(nb), root / name)


def cleared(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """A copy of ``nb`` without outputs, execution counts or saved widget state."""
    nb = nbformat.from_dict(json.loads(json.dumps(nb)))
    nb.metadata.pop("widgets", None)
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
    return nb


@dataclass
class LabServer:
    """A JupyterLab server on 127.0.0.1 with a random port and token, in throw-away folders."""

    root: Path
    home: Path
    port: int = field(default_factory=_free_port)
    token: str = field(default_factory=lambda: secrets.token_hex(24))
    process: subprocess.Popen | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def url(self, notebook: str) -> str:
        return f"{self.base_url}/lab/tree/{notebook}?reset&token={self.token}"

    def _env(self) -> dict[str, str]:
        env = dict(os.environ)
        for key in ("MPLBACKEND", "JUPYTER_PATH", "JUPYTER_CONFIG_PATH"):
            env.pop(key, None)  # kernels use matplotlib's inline backend, as for a student
        env.update(
            JUPYTER_CONFIG_DIR=str(self.home / "config"),
            JUPYTER_DATA_DIR=str(self.home / "data"),
            JUPYTER_RUNTIME_DIR=str(self.home / "runtime"),
            JUPYTERLAB_SETTINGS_DIR=str(self.home / "settings"),
            JUPYTERLAB_WORKSPACES_DIR=str(self.home / "workspaces"),
            IPYTHONDIR=str(self.home / "ipython"),
            PYTHONUNBUFFERED="1",
        )
        return env

    def start(self, timeout: float = 90.0) -> LabServer:
        for plugin, values in LAB_SETTINGS.items():
            path = self.home / "settings" / f"{plugin}.jupyterlab-settings"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(values), encoding="utf-8")
        args = [
            sys.executable,
            "-m",
            "jupyter",
            "lab",
            "--no-browser",
            "--ServerApp.ip=127.0.0.1",
            f"--ServerApp.port={self.port}",
            "--ServerApp.port_retries=0",
            f"--ServerApp.root_dir={self.root}",
            f"--IdentityProvider.token={self.token}",
            "--LabApp.expose_app_in_browser=True",
            "--LabApp.news_url=None",
            "--LabApp.check_for_updates_class=jupyterlab.handlers.announcements.NeverCheckForUpdate",
            "--ServerApp.terminals_enabled=False",
        ]
        if hasattr(os, "geteuid") and os.geteuid() == 0:
            args.append("--allow-root")
        self.log_path = self.home / "server.log"
        with open(self.log_path, "wb") as log:
            self.process = subprocess.Popen(
                args,
                env=self._env(),
                cwd=self.root,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,  # our own process group: Ctrl-C in pytest does not hit it
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"JupyterLab exited at start:\n{self.log()}")
            try:
                self.api("GET", "/api/status")
                return self
            except (urllib.error.URLError, ConnectionError, OSError):
                time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"JupyterLab did not answer within {timeout:.0f} s:\n{self.log()}")

    def log(self) -> str:
        try:
            return self.log_path.read_text(encoding="utf-8", errors="replace")[-5000:]
        except OSError:
            return ""

    def api(self, method: str, path: str, timeout: float = 10.0):
        request = urllib.request.Request(
            self.base_url + path,
            method=method,
            headers={"Authorization": f"token {self.token}"},
            data=b"" if method == "POST" else None,
        )
        with urllib.request.urlopen(request, timeout=timeout) as response:
            body = response.read()
        return json.loads(body) if body else None

    def shutdown_kernels(self) -> None:
        """End every session (and so every kernel) of this server."""
        try:
            for session in self.api("GET", "/api/sessions"):
                self.api("DELETE", f"/api/sessions/{session['id']}", timeout=30)
        except (urllib.error.URLError, OSError):
            pass

    def stop(self) -> None:
        """Shut the kernels and the server down; end the server process we started if needed."""
        if self.process is None or self.process.poll() is not None:
            return
        self.shutdown_kernels()
        try:
            self.api("POST", "/api/shutdown")
        except (urllib.error.URLError, OSError):
            pass
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)


def start_server(notebooks: list[Path], extra: dict[str, nbformat.NotebookNode]) -> LabServer:
    """Start a server on a copy of the repository's layout: ``notebooks/<name>`` holds cleared
    copies of ``notebooks`` (open them as ``notebook_path(path)``), ``extra`` maps root-relative
    names to further notebooks."""
    home = Path(tempfile.mkdtemp(prefix="lecture-lab-"))
    root = home / "root"
    prepare_root(root, notebooks, extra)
    return LabServer(root=root, home=home).start()


def notebook_path(path: Path) -> str:
    """The server path of a repository notebook copied by :func:`start_server`."""
    return f"{NOTEBOOK_FOLDER}/{path.name}"


# --- the page side ---------------------------------------------------------------------------

JS_SESSION = """() => {
  const app = window.jupyterapp;
  const w = app && app.shell.currentWidget;
  if (!w || !w.sessionContext || !w.context) return null;
  const sc = w.sessionContext;
  const k = sc.session && sc.session.kernel;
  return {path: w.context.path, contextReady: w.context.isReady, sessionReady: sc.isReady,
          status: k ? k.status : null, connection: k ? k.connectionStatus : null};
}"""

JS_CELLS = """() => {
  const w = window.jupyterapp.shell.currentWidget;
  const k = w.sessionContext.session && w.sessionContext.session.kernel;
  const cells = [];
  w.content.widgets.forEach((cell, index) => {
    const m = cell.model;
    if (m.type !== 'code') return;
    const source = m.sharedModel.getSource();
    const outputs = m.outputs.toJSON().map(o => ({
      type: o.output_type, name: o.name || null,
      text: Array.isArray(o.text) ? o.text.join('') : (o.text || ''),
      ename: o.ename || null, evalue: o.evalue || null,
      mimes: Object.keys(o.data || {})}));
    cells.push({index, source: source.slice(0, 120), empty: source.trim() === '',
                count: m.executionCount, running: m.executionState === 'running',
                tags: m.getMetadata('tags') || [], outputs});
  });
  return {status: k ? k.status : null, connection: k ? k.connectionStatus : null, cells};
}"""

# Counts the kernel's busy -> idle transitions seen by this page (one per executed request).
JS_WATCH_KERNEL = """() => {
  const w = window.jupyterapp.shell.currentWidget;
  const k = w.sessionContext.session.kernel;
  if (window.__lectureIdle === undefined) {
    window.__lectureIdle = 0;
    k.statusChanged.connect((_, s) => { if (s === 'idle') window.__lectureIdle += 1; });
  }
  return window.__lectureIdle;
}"""

JS_KERNEL_STATUS = """() => {
  const w = window.jupyterapp.shell.currentWidget;
  const k = w.sessionContext.session && w.sessionContext.session.kernel;
  return {status: k ? k.status : null, idle: window.__lectureIdle || 0};
}"""


class NotebookPage:
    """One notebook opened in JupyterLab, with helpers to run it and poke its widgets."""

    def __init__(self, page, server: LabServer, notebook: str):
        self.page = page
        self.server = server
        self.notebook = notebook
        self.panel = page.locator(PANEL)

    def open(self, timeout: float = 120.0) -> NotebookPage:
        """Load the page and wait until the kernel is ready, idle and connected."""
        self.page.goto(self.server.url(self.notebook), wait_until="domcontentloaded")
        self.wait_kernel_ready(timeout)
        self.page.evaluate(JS_WATCH_KERNEL)
        return self

    def wait_kernel_ready(self, timeout: float = 120.0) -> None:
        name = Path(self.notebook).name
        self.page.wait_for_function(
            f"""() => {{
              const s = ({JS_SESSION})();
              return s && s.path.endsWith({json.dumps(name)}) && s.contextReady
                && s.sessionReady && s.status === 'idle' && s.connection === 'connected';
            }}""",
            timeout=timeout * 1000,
            polling=100,
        )

    def cells(self) -> dict:
        return self.page.evaluate(JS_CELLS)

    def run_all(self, timeout: float = 600.0) -> dict:
        """Run every cell; return the final cell states once all ran (or one failed)."""
        self.page.evaluate("() => window.jupyterapp.commands.execute('notebook:run-all-cells')")
        deadline = time.monotonic() + timeout
        state = self.cells()
        while time.monotonic() < deadline:
            state = self.cells()
            code = [c for c in state["cells"] if not c["empty"]]
            failed = any(o["type"] == "error" for c in code for o in c["outputs"])
            settled = not any(c["running"] for c in code)
            done = all(c["count"] is not None for c in code) and settled
            if (done or failed) and state["status"] == "idle":
                return state
            time.sleep(0.1)
        raise TimeoutError(f"{self.notebook}: cells still running after {timeout:.0f} s")

    def wait_idle(self, since: int, timeout: float = 60.0, quiet: float = 0.15) -> None:
        """Wait until the kernel went idle after ``since`` and stayed idle for ``quiet`` s."""
        deadline = time.monotonic() + timeout
        idle_since = None
        last = None
        while time.monotonic() < deadline:
            status = self.page.evaluate(JS_KERNEL_STATUS)
            if status["status"] == "idle" and status["idle"] > since:
                if last != status["idle"]:
                    last, idle_since = status["idle"], time.monotonic()
                elif time.monotonic() - idle_since >= quiet:
                    return
            else:
                idle_since = None
            time.sleep(0.02)
        raise TimeoutError(f"{self.notebook}: kernel busy for more than {timeout:.0f} s")

    def idle_count(self) -> int:
        return self.page.evaluate(JS_KERNEL_STATUS)["idle"]

    def output_text(self) -> str:
        """The text of every code cell's output area (markdown may quote failure messages)."""
        return "\n".join(self.panel.locator(".jp-CodeCell .jp-OutputArea").all_inner_texts())

    def wait_widgets_rendered(self, timeout: float = 30.0) -> str:
        """Wait for "Loading widget..." placeholders to go; return the outputs' text."""
        deadline = time.monotonic() + timeout
        text = self.output_text()
        while "Loading widget" in text and time.monotonic() < deadline:
            time.sleep(0.1)
            text = self.output_text()
        return text

    def broken_markdown_images(self, timeout: float = 15.0) -> list[str]:
        """``src`` of every image in rendered markdown that did not load (after ``timeout``)."""
        js = """() => [...document.querySelectorAll(
            '.jp-NotebookPanel:not(.lm-mod-hidden) .jp-MarkdownOutput img')]
          .map(i => ({src: i.getAttribute('src'), done: i.complete, width: i.naturalWidth}))"""
        deadline = time.monotonic() + timeout
        images = self.page.evaluate(js)
        while not all(i["done"] for i in images) and time.monotonic() < deadline:
            time.sleep(0.1)
            images = self.page.evaluate(js)
        return [i["src"].split("?")[0] for i in images if not i["done"] or i["width"] == 0]

    def explorer_cells(self) -> list:
        """Locators of the code cells whose output holds a slider and a plot image."""
        cells = self.panel.locator(".jp-CodeCell")
        found = []
        for i in range(cells.count()):
            cell = cells.nth(i)
            output = cell.locator(".jp-OutputArea")
            if output.locator(SLIDER).count() and output.locator(PLOT).count():
                found.append(cell)
        return found


@dataclass
class SliderMove:
    key: str
    plot_before: str
    plot_after: str
    summary_before: str | None
    summary_after: str | None


def plot_src(cell) -> str:
    return cell.locator(f".jp-OutputArea :is({PLOT})").first.get_attribute("src") or ""


def summary_text(cell) -> str | None:
    summary = cell.locator(f".jp-OutputArea {SUMMARY}")
    return summary.first.inner_text() if summary.count() else None


JS_PLOT_CHANGED = """([cell, selector, before]) => {
  const img = cell.querySelector(selector);
  return img !== null && (img.getAttribute('src') || '') !== before;
}"""


def move_slider(nbpage: NotebookPage, cell, timeout: float = 30.0) -> SliderMove:
    """Press an arrow key on the cell's first slider; wait for the plot and the kernel to settle.

    Tries ArrowRight, then ArrowLeft when the readout shows the slider did not move (at its end).
    """
    slider = cell.locator(f".jp-OutputArea {SLIDER}").first
    handle, readout = slider.locator(HANDLE).first, slider.locator(READOUT).first
    plot_before, summary_before = plot_src(cell), summary_text(cell)
    for key in ("ArrowRight", "ArrowLeft"):
        value = readout.inner_text()
        since = nbpage.idle_count()
        handle.press(key)
        if readout.inner_text() == value:
            continue
        try:
            nbpage.page.wait_for_function(
                JS_PLOT_CHANGED,
                arg=[cell.element_handle(), f".jp-OutputArea :is({PLOT})", plot_before],
                timeout=timeout * 1000,
                polling=20,
            )
        except PlaywrightTimeout:
            raise AssertionError(
                f"{nbpage.notebook}: the slider moved ({value} -> {readout.inner_text()}) "
                f"but the plot did not change within {timeout:.0f} s"
            ) from None
        nbpage.wait_idle(since, timeout)
        return SliderMove(key, plot_before, plot_src(cell), summary_before, summary_text(cell))
    raise AssertionError(
        f"{nbpage.notebook}: the slider's readout did not move with either arrow key"
    )
