"""Kernel memory per notebook: each notebook runs top to bottom on a fresh kernel, then the
kernel's resident memory is read from /proc (Linux).

    python benchmarks/kernel_memory.py                  # every notebooks/*.ipynb
    python benchmarks/kernel_memory.py notebooks/09_which_optimizer.ipynb --limit 200

The kernel is ipykernel of the Python running this script (the project's ``.venv`` with
``make bench``), started by nbclient in the notebook's folder with one BLAS thread (as
``make notebooks`` and the benchmark hub run it) and matplotlib's inline backend. Printed per
notebook: resident memory (VmRSS) after the last cell, the peak during the run (VmHWM), and the
seconds the run took. On a JupyterHub every open notebook holds one such kernel, so this is the
per-student memory that a notebook adds to the single-user server (see the README's
"On a JupyterHub"). Target (issue 13): every kernel <= ``--limit`` MB (200).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))

from run_notebooks import CurrentEnvKernelManager  # noqa: E402  (tools/ is not a package)


def _status_mb(pid: int, field: str) -> float:
    """A ``/proc/<pid>/status`` memory field (kB) in MB (10**6 bytes)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1]) * 1024 / 1e6
    raise RuntimeError(f"/proc/{pid}/status has no {field}")


def _kernel_env() -> dict[str, str]:
    env = dict(os.environ)
    env.pop("MPLBACKEND", None)  # ipykernel then uses the inline backend, as in JupyterLab
    for name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        env[name] = "1"
    env["PYDEVD_DISABLE_FILE_VALIDATION"] = "1"
    return env


def measure(path: Path, timeout: float) -> tuple[float, float, float, str]:
    """Run ``path`` on a fresh kernel; return (RSS MB after the run, peak MB, seconds, error)."""
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(
        nb,
        kernel_name="python3",
        kernel_manager_class=CurrentEnvKernelManager,
        timeout=int(timeout),
        startup_timeout=120,
        allow_errors=False,
        resources={"metadata": {"path": str(path.parent.resolve())}},
    )
    client.reset_execution_trackers()
    error = ""
    t0 = time.perf_counter()
    with client.setup_kernel(env=_kernel_env()):
        pid = client.km.provisioner.pid
        for index, cell in enumerate(nb.cells):
            try:
                client.execute_cell(cell, index)
            except (CellExecutionError, CellTimeoutError, DeadKernelError) as exc:
                reason = getattr(exc, "ename", type(exc).__name__)
                detail = str(getattr(exc, "evalue", ""))[:60]
                error = f"cell {index + 1}: {reason}" + (f": {detail}" if detail else "")
                break
        seconds = time.perf_counter() - t0
        rss, peak = _status_mb(pid, "VmRSS"), _status_mb(pid, "VmHWM")
    return rss, peak, seconds, error


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("notebooks", nargs="*", type=Path, help="default: notebooks/*.ipynb")
    parser.add_argument("--limit", type=float, default=200.0, help="target MB per kernel (200)")
    parser.add_argument("--timeout", type=float, default=600.0, help="seconds per cell (600)")
    args = parser.parse_args(argv)
    paths = args.notebooks or sorted((ROOT / "notebooks").glob("*.ipynb"))
    missing = [str(p) for p in paths if not p.is_file()]
    if missing:
        parser.error(f"no such notebook: {', '.join(missing)}")
    if not (args.limit > 0 and args.timeout > 0):
        parser.error(f"--limit and --timeout must be > 0, got {args.limit}, {args.timeout}")
    if not Path("/proc/self/status").is_file():
        print("skipped: kernel memory is read from /proc (Linux only)")
        return 0
    print("kernel resident memory after running each notebook on a fresh kernel (one BLAS thread)")
    print()
    print(f"| notebook | after the run, MB | peak, MB | run, s | <= {args.limit:.0f} MB |")
    print("|---|---:|---:|---:|---|")
    over = 0
    for path in paths:
        rss, peak, seconds, error = measure(path, args.timeout)
        verdict = "stopped" if error else ("yes" if rss <= args.limit else "NO")
        over += rss > args.limit or bool(error)
        note = f" (stopped at {error})" if error else ""
        print(f"| {path.stem}{note} | {rss:.0f} | {peak:.0f} | {seconds:.0f} | {verdict} |")
    return 1 if over else 0


if __name__ == "__main__":
    sys.exit(main())
