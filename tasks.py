"""Tiny cross-platform task runner: the same commands with or without ``make``.

    python tasks.py lab         open the lecture in JupyterLab (127.0.0.1, token kept on);
                                extra arguments go to jupyter lab, e.g. --no-browser --port 9000
    python tasks.py test        run the whole test suite (unit tests, notebooks, browser);
                                extra arguments go to pytest, e.g. -m "not browser" or -n 0
    python tasks.py notebooks   re-execute every notebook from a fresh kernel and store outputs
    python tasks.py figures     regenerate every image in img/
    python tasks.py bench       print the quick benchmark tables; `bench NAME [ARGS]` runs
                                benchmarks/NAME.py (e.g. which_optimizer, classroom_load)
    python tasks.py lint        ruff check + ruff format --check (developer task, also in CI)
    python tasks.py lock        re-resolve the lock constraints.txt after editing pyproject.toml;
                                `python tasks.py lock --upgrade` moves every pin to the newest
                                release (then run `make notebooks` and `make test`)

Each command first makes ``.venv`` from the Python running this file (3.11 or newer) and
installs the project into it in editable mode with the extras it needs (``test``; ``dev`` for
lint), every package at the version pinned in ``constraints.txt``. It reinstalls only when
``pyproject.toml`` or ``constraints.txt`` changed since the last install.
"""

from __future__ import annotations

import hashlib
import os
import re
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
PYPROJECT = ROOT / "pyproject.toml"
#: The lock: every package of the runtime, test, dev and hub lists at one exact version, any OS.
LOCK = ROOT / "constraints.txt"
#: The oldest Python the lock is resolved for (= requires-python; the stored outputs' Python).
LOCK_PYTHON = "3.11"
LOCK_EXTRAS = ("test", "dev", "hub")
#: How the lock is written (uv: one resolution valid on Linux, macOS and Windows; "fewest" keeps
#: one version of each package across Python versions, the one the stored outputs were made with).
LOCK_COMMAND = [
    "pip",
    "compile",
    "pyproject.toml",
    *(arg for extra in LOCK_EXTRAS for arg in ("--extra", extra)),
    "--universal",
    "--fork-strategy",
    "fewest",
    "--python-version",
    LOCK_PYTHON,
    "--custom-compile-command",
    "python tasks.py lock",
    "--output-file",
    LOCK.name,
    "--quiet",
]


def _digest() -> str:
    """Changes whenever pyproject.toml or the lock changes: then .venv is brought up to date."""
    h = hashlib.sha256()
    for file in (PYPROJECT, LOCK):
        h.update(file.read_bytes() if file.exists() else b"")
    return h.hexdigest()


def _stamp() -> tuple[str, set[str]]:
    """The digest and the extras of the last install (the stamp: one per line)."""
    if not STAMP.exists():
        return "", set()
    digest, *extras = STAMP.read_text().split() or [""]
    return digest, set(extras)


def make_venv() -> None:
    """Create .venv with the Python running this file (no packages yet)."""
    if sys.version_info < (3, 11):  # noqa: UP036 - tasks.py runs on whatever python3 is
        sys.exit(f"Python 3.11 or newer is needed; this is {sys.version.split()[0]}.")
    if PY.exists():
        return
    print(f"Creating {VENV.name} with {sys.executable}", flush=True)
    try:
        venv.EnvBuilder(with_pip=True).create(VENV)
    except (OSError, subprocess.CalledProcessError) as exc:
        shutil.rmtree(VENV, ignore_errors=True)
        sys.exit(
            f"Could not create {VENV} ({exc}).\nOn Debian/Ubuntu install the venv module "
            "first: sudo apt install python3-venv"
        )


def _pip(*args: str) -> int:
    return subprocess.call([str(PY), "-m", "pip", "--disable-pip-version-check", *args], cwd=ROOT)


def ensure_venv(extras: tuple[str, ...] = ("test",)) -> None:
    """Create .venv and install the project with ``extras``, pinned by the lock, if needed."""
    make_venv()
    if not LOCK.exists():
        sys.exit(f"The lock {LOCK.name} is missing; write it with: python tasks.py lock")
    digest, installed = _stamp()
    if digest == _digest() and set(extras) <= installed:
        return
    wanted = sorted(installed | set(extras))  # keep what an earlier command installed
    print(f"Installing lecture_lib[{','.join(wanted)}] into .venv from {LOCK.name}", flush=True)
    if _pip("install", "-q", "-c", LOCK.name, "-e", f".[{','.join(wanted)}]") != 0:
        sys.exit(
            "Installing into .venv failed (see pip's message above). The first run needs the "
            "internet; later runs work offline. Fix the cause, then run the command again."
        )
    STAMP.write_text("\n".join([_digest(), *wanted]) + "\n")


def _run(*args: str, one_thread: bool = False) -> int:
    env = dict(os.environ)
    if one_thread:
        # The notebooks' small matrix products run fastest, and reproduce bit for bit, on one BLAS
        # thread; on a busy 2-core machine several threads made a notebook 5-10x slower. Values
        # set by the caller win (CI runs the notebooks a second time with two threads).
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


def _workers(args: list[str]) -> list[str]:
    """Two pytest-xdist workers unless the caller chose (-n / --numprocesses / -p no:xdist) or
    the machine has a single core. loadscope: each notebook and each test module on one worker;
    tests/conftest.py lets the browser tests spread over both."""
    chosen = any(re.match(r"(-n|--numprocesses|no:xdist)", a) for a in args)
    if chosen or (os.cpu_count() or 1) < 2:
        return []
    return ["-n", "2", "--dist", "loadscope"]


def test() -> int:
    args = sys.argv[2:]
    return _run("-m", "pytest", *_workers(args), *args, one_thread=True)


def notebooks() -> int:
    return _run(str(ROOT / "tools" / "run_notebooks.py"), *sys.argv[2:], one_thread=True)


def figures() -> int:
    return _run(str(ROOT / "tools" / "make_figures.py"), *sys.argv[2:])


#: `make bench` runs these (a minute or two); the others take minutes to most of an hour or need a
#: browser or a second checkout, and run by name: python tasks.py bench classroom_load --help
QUICK_BENCHMARKS = ("sweep", "widget_latency", "train_step")


def bench() -> int:
    """The quick benchmarks, or ``bench NAME [ARGS...]``: benchmarks/NAME.py with its arguments."""
    if len(sys.argv) > 2:
        script = ROOT / "benchmarks" / f"{sys.argv[2].removesuffix('.py')}.py"
        if not script.is_file():
            names = sorted(p.stem for p in (ROOT / "benchmarks").glob("*.py"))
            sys.exit(f"no benchmark {sys.argv[2]!r}; choose one of {', '.join(names)}")
        return _run(str(script), *sys.argv[3:])
    status = 0
    for name in QUICK_BENCHMARKS:
        print(f"\n== {name}.py ==", flush=True)
        status |= _run(str(ROOT / "benchmarks" / f"{name}.py"))
    return status


def lint() -> int:
    return _run("-m", "ruff", "check", ".") or _run("-m", "ruff", "format", "--check", ".")


def lock() -> int:
    """Write constraints.txt with the uv pinned in pyproject's dev extra (installed into .venv).

    Without arguments, pins already in the lock are kept where pyproject.toml still allows them;
    ``--upgrade`` (or ``--upgrade-package NAME``) moves them to the newest releases.
    """
    make_venv()
    pin = re.search(r'"(uv==[^"]+)"', PYPROJECT.read_text(encoding="utf-8"))
    if pin is None:
        sys.exit('pyproject.toml\'s dev extra must pin uv exactly, e.g. "uv==0.13.9"')
    if _pip("install", "-q", pin.group(1)) != 0:
        sys.exit(f"Could not install {pin.group(1)} into .venv (see pip's message above).")
    status = _run("-m", "uv", *LOCK_COMMAND, *sys.argv[2:])
    if status == 0:
        print(f"wrote {LOCK.name}; .venv follows it at the next command (make test)")
    return status


COMMANDS = {
    "lab": lab,
    "test": test,
    "notebooks": notebooks,
    "figures": figures,
    "bench": bench,
    "lint": lint,
    "lock": lock,
}
#: Extras each command needs in .venv (besides the runtime dependencies).
EXTRAS = {"lint": ("dev",)}

if __name__ == "__main__":
    if len(sys.argv) < 2 or sys.argv[1] not in COMMANDS:
        sys.exit(__doc__)
    if sys.argv[1] != "lock":  # the lock is written from pyproject.toml alone
        ensure_venv(EXTRAS.get(sys.argv[1], ("test",)))
    sys.exit(COMMANDS[sys.argv[1]]())
