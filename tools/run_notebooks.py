"""Re-execute the lecture notebooks top to bottom on a fresh kernel and store their outputs.

    python tools/run_notebooks.py                  # every notebooks/*.ipynb (= make notebooks)
    python tools/run_notebooks.py notebooks/03_momentum.ipynb
    python tools/run_notebooks.py --check          # run in memory, list what would change

A repository chore, not part of the installed package: run it with the project's environment
(``make notebooks`` / ``python tasks.py notebooks`` use ``.venv``).

Each notebook runs with nbclient on a new ``python3`` kernel of *this* Python environment, in the
notebook's own folder, with matplotlib's inline backend (a global ``MPLBACKEND`` is ignored) and a
per-cell timeout. Consecutive stdout (stderr) chunks are merged into one output, so the stored
file does not depend on when ipykernel flushed. Stored notebooks keep no machine state: saved
widget state (``metadata.widgets``) and timing metadata are removed, and a widget output keeps only
its ``text/plain`` fallback (a live widget needs a running kernel anyway; without one, JupyterLab
would show "Error displaying widget: model not found"). A cell tagged ``live-measurement`` (e.g. a
speed-up measured on the student's computer) is run but stored without output, so no timing is
stored; nbval ignores its output. A file is rewritten only when its content
changed. On an error the run stops for that notebook, the file is left as it was, and the message
names the notebook, the cell number and the exception.
"""

from __future__ import annotations

import argparse
import os
import sys
from dataclasses import dataclass
from pathlib import Path

import nbformat
from jupyter_client.kernelspec import KernelSpec, KernelSpecManager
from jupyter_client.manager import AsyncKernelManager
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError
from traitlets import default

__all__ = ["NotebookRunError", "Result", "clean", "default_notebooks", "execute", "main", "run"]

WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
# Cell metadata written by nbclient (record_timing) or JupyterLab extensions; never stored.
VOLATILE_CELL_METADATA = ("execution", "ExecuteTime", "scrolled", "collapsed")
LIVE = "live-measurement"  # cell tag: run, but stored without output


class NotebookRunError(RuntimeError):
    """A notebook failed: ``notebook``, 1-based ``cell`` among all cells, and what went wrong."""

    def __init__(self, notebook: Path, cell: int | None, source: str, reason: str):
        self.notebook, self.cell, self.reason = notebook, cell, reason
        where = f"{notebook}" if cell is None else f"{notebook}, cell {cell}"
        head = "\n".join(f"    {line}" for line in source.splitlines()[:6])
        super().__init__(f"{where}: {reason}" + (f"\n  source:\n{head}" if head else ""))


class _CurrentEnvKernelSpecs(KernelSpecManager):
    """Resolve every kernel name to ipykernel in the running interpreter (like nbval's
    ``--nbval-current-env``): a user-installed ``python3`` spec cannot point elsewhere."""

    def get_kernel_spec(self, kernel_name: str) -> KernelSpec:
        return KernelSpec(
            argv=[sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
            display_name="Python 3 (ipykernel)",
            language="python",
            resource_dir="",
        )


class CurrentEnvKernelManager(AsyncKernelManager):
    @default("kernel_spec_manager")
    def _current_env_specs(self) -> KernelSpecManager:
        return _CurrentEnvKernelSpecs()


def default_notebooks() -> list[Path]:
    """``notebooks/*.ipynb`` of the current folder, else of the repository holding this script."""
    for base in (Path.cwd(), Path(__file__).resolve().parents[1]):
        if (base / "notebooks").is_dir():
            return sorted((base / "notebooks").glob("*.ipynb"))
    return []


def _kernel_env() -> dict[str, str]:
    env = dict(os.environ)
    env.pop("MPLBACKEND", None)  # ipykernel then selects the inline backend
    env["PYDEVD_DISABLE_FILE_VALIDATION"] = "1"  # no debugger warning on the kernel's stderr
    return env


def execute(path: Path, *, timeout: float = 300.0) -> nbformat.NotebookNode:
    """Execute the notebook at ``path`` on a fresh kernel; return the cleaned, executed copy.

    Raises NotebookRunError naming the cell when a cell fails (unless it is tagged
    ``raises-exception``), exceeds ``timeout`` seconds, or the kernel dies.
    """
    path = Path(path)
    if not (isinstance(timeout, int | float) and timeout > 0):
        raise ValueError(f"timeout must be a number of seconds > 0, got {timeout!r}")
    nb = nbformat.read(path, as_version=4)
    current: dict[str, int] = {}
    client = NotebookClient(
        nb,
        kernel_name="python3",
        kernel_manager_class=CurrentEnvKernelManager,  # nbclient owns it and shuts it down
        timeout=int(timeout),
        startup_timeout=120,
        allow_errors=False,
        record_timing=False,
        store_widget_state=False,
        coalesce_streams=True,  # one stream output per name: how ipykernel splits it is timing
        resources={"metadata": {"path": str(path.parent.resolve())}},
        on_cell_start=lambda cell, cell_index: current.update(index=cell_index),
    )
    try:
        client.execute(env=_kernel_env())
    except (CellExecutionError, CellTimeoutError, DeadKernelError, TimeoutError) as error:
        index = current.get("index")
        source = nb.cells[index].source if index is not None else ""
        if isinstance(error, CellExecutionError):
            reason = f"{error.ename}: {error.evalue}"
        elif isinstance(error, DeadKernelError):
            reason = f"the kernel died ({error})"
        else:
            reason = f"timed out after {timeout:g} s"
        raise NotebookRunError(path, None if index is None else index + 1, source, reason) from None
    return clean(nb)


def clean(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Remove saved widget state, timing metadata, widget views (keeping ``text/plain``) and the
    outputs of live measurements."""
    nb.metadata.pop("widgets", None)
    for cell in nb.cells:
        for key in VOLATILE_CELL_METADATA:
            cell.metadata.pop(key, None)
        if LIVE in cell.metadata.get("tags", []):
            cell.outputs = []
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            if WIDGET_VIEW in data and "text/plain" in data:
                del data[WIDGET_VIEW]
    return nb


@dataclass
class Result:
    path: Path
    status: str  # "updated", "unchanged", "would change", "failed"
    message: str = ""


def run(paths: list[Path], *, timeout: float = 300.0, check: bool = False) -> list[Result]:
    """Execute each notebook; write it back when its content changed (unless ``check``)."""
    results = []
    for path in map(Path, paths):
        print(f"running {path} ...", flush=True)
        try:
            nb = execute(path, timeout=timeout)
        except NotebookRunError as error:
            results.append(Result(path, "failed", str(error)))
            print(f"FAILED {error}", file=sys.stderr, flush=True)
            continue
        nbformat.validate(nb)
        text = nbformat.writes(nb)
        text = text if text.endswith("\n") else text + "\n"
        old = path.read_text(encoding="utf-8")
        if text == old:
            results.append(Result(path, "unchanged"))
        elif check:
            results.append(Result(path, "would change"))
        else:
            path.write_text(text, encoding="utf-8", newline="\n")
            results.append(Result(path, "updated"))
        print(f"  {results[-1].status}", flush=True)
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python tools/run_notebooks.py", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("notebooks", nargs="*", type=Path, help="default: notebooks/*.ipynb")
    parser.add_argument("--timeout", type=float, default=300.0, help="seconds per cell (300)")
    parser.add_argument(
        "--check", action="store_true", help="write nothing; exit 1 if a notebook would change"
    )
    args = parser.parse_args(argv)
    paths = args.notebooks or default_notebooks()
    missing = [p for p in paths if not p.is_file()]
    if missing:
        parser.error(f"no such notebook: {', '.join(map(str, missing))}")
    if not paths:
        print("no notebooks found (looked for notebooks/*.ipynb)")
        return 0
    results = run(paths, timeout=args.timeout, check=args.check)
    print()
    for result in results:
        print(f"{result.status:>12}  {result.path}")
    failed = [r for r in results if r.status == "failed"]
    changed = [r for r in results if r.status == "would change"]
    if failed:
        print(f"\n{len(failed)} notebook(s) failed:", file=sys.stderr)
        for result in failed:
            print(result.message, file=sys.stderr)
    return 1 if failed or (args.check and changed) else 0


if __name__ == "__main__":
    sys.exit(main())
