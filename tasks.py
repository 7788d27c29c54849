"""Tiny cross-platform task runner: the same commands with or without ``make``.

    python tasks.py lab         open the lecture in JupyterLab (127.0.0.1, token kept on);
                                extra arguments go to jupyter lab, e.g. --no-browser --port 9000
    python tasks.py test        run the whole test suite (unit tests, notebooks, browser)
    python tasks.py notebooks   re-execute every notebook from a fresh kernel and store outputs
    python tasks.py figures     regenerate every image in img/
    python tasks.py bench       print the benchmark tables
    python tasks.py lint        ruff

Each command first makes ``.venv`` from the Python running this file (3.10 or newer) and
installs the project into it in editable mode with its test extras; it reinstalls only when
``pyproject.toml`` has changed since the last install.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
STAMP = VENV / ".lecture-lib-installed"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PY = BIN / ("python.exe" if os.name == "nt" else "python")


def _digest() -> str:
    return hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()


def ensure_venv() -> None:
    """Create .venv and install the project into it unless it is already up to date."""
    if sys.version_info < (3, 10):  # noqa: UP036 - tasks.py runs on whatever python3 is
        sys.exit(f"Python 3.10 or newer is needed; this is {sys.version.split()[0]}.")
    if not PY.exists():
        print(f"Creating {VENV.name} with {sys.executable}", flush=True)
        try:
            venv.EnvBuilder(with_pip=True).create(VENV)
        except (OSError, subprocess.CalledProcessError) as exc:
            shutil.rmtree(VENV, ignore_errors=True)
            sys.exit(
                f"Could not create {VENV} ({exc}).\nOn Debian/Ubuntu install the venv module "
                "first: sudo apt install python3-venv"
            )
    if STAMP.exists() and STAMP.read_text() == _digest():
        return
    print("Installing lecture_lib and its dependencies into .venv", flush=True)
    pip = [str(PY), "-m", "pip", "--disable-pip-version-check"]
    for step in (["install", "-q", "--upgrade", "pip"], ["install", "-q", "-e", ".[test]"]):
        if subprocess.call([*pip, *step], cwd=ROOT) != 0:
            sys.exit(
                "Installing into .venv failed (see pip's message above). The first run needs the "
                "internet; later runs work offline. Fix the cause, then run the command again."
            )
    STAMP.write_text(_digest())


def _run(*args: str, one_thread: bool = False) -> int:
    env = dict(os.environ)
    if one_thread:
        # The notebooks' small matrix products run fastest, and reproduce bit for bit, on one BLAS
        # thread; on a busy 2-core machine several threads made a notebook 5-10x slower.
        for name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
            env.setdefault(name, "1")
    return subprocess.call([str(PY), *args], cwd=ROOT, env=env)


def lab() -> int:
    args = [
        "-m",
        "jupyter",
        "lab",
        "--ServerApp.ip=127.0.0.1",
        # root = the project, so notebooks' ../img/ pictures are served; open on the overview
        f"--ServerApp.root_dir={ROOT}",
        "--LabApp.default_url=/lab/tree/notebooks/00_overview.ipynb",
    ]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        args.append("--allow-root")  # containers and CI machines run as root
    return _run(*args, *sys.argv[2:])


def test() -> int:
    return _run("-m", "pytest", *sys.argv[2:], one_thread=True)


def notebooks() -> int:
    return _run("-m", "lecture_lib.notebook_runner", *sys.argv[2:], one_thread=True)


def figures() -> int:
    return _run("-m", "lecture_lib.figures", *sys.argv[2:])


def bench() -> int:
    status = 0
    for script in sorted((ROOT / "benchmarks").glob("*.py")):
        print(f"\n== {script.name} ==", flush=True)
        status |= _run(str(script))
    return status


def lint() -> int:
    return _run("-m", "ruff", "check", ".") or _run("-m", "ruff", "format", "--check", ".")


COMMANDS = {
    "lab": lab,
    "test": test,
    "notebooks": notebooks,
    "figures": figures,
    "bench": bench,
    "lint": lint,
}

if __name__ == "__main__":
    if len(sys.argv) < 2 or sys.argv[1] not in COMMANDS:
        sys.exit(__doc__)
    ensure_venv()
    sys.exit(COMMANDS[sys.argv[1]]())
