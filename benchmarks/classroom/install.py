"""Install what the classroom benchmark needs, pinned, into the project (never by hand).

- ``jupyterhub`` (PyPI) into the Python environment that runs the benchmark (the project's
  ``.venv`` with ``make bench`` or ``.venv/bin/python benchmarks/classroom_load.py``);
- ``configurable-http-proxy`` (npm) into ``.hub/`` in the project folder (gitignored).

Both steps do nothing when the pinned version is already there. pip honours the project's lock
(``constraints.txt``, where pyproject's ``hub`` extra pins jupyterhub and its dependencies).
``HubUnavailable`` says why one cannot be installed (npm missing, offline, ...), so a test can
skip with that reason.

    .venv/bin/python benchmarks/classroom/install.py     # install both now (e.g. in CI)
"""

from __future__ import annotations

import importlib.metadata
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LOCK = ROOT / "constraints.txt"
PROXY_VERSION = "5.3.0"


def _locked(name: str) -> str:
    """The version of ``name`` pinned in the lock (pyproject's ``hub`` extra pins jupyterhub)."""
    for line in LOCK.read_text(encoding="utf-8").splitlines():
        if line.startswith(f"{name}=="):
            return line.split("==", 1)[1].split(";")[0].strip()
    raise RuntimeError(f"{name} is not pinned in {LOCK.name}; run: python tasks.py lock")


JUPYTERHUB_VERSION = _locked("jupyterhub")
PROXY_DIR = ROOT / ".hub"
PROXY_BIN = PROXY_DIR / "node_modules" / ".bin" / "configurable-http-proxy"
INSTALL_TIMEOUT = 600  # seconds per installer call


class HubUnavailable(RuntimeError):
    """JupyterHub or configurable-http-proxy is missing and could not be installed."""


def installed_jupyterhub() -> str | None:
    try:
        return importlib.metadata.version("jupyterhub")
    except importlib.metadata.PackageNotFoundError:
        return None


def installed_proxy() -> str | None:
    manifest = PROXY_DIR / "node_modules" / "configurable-http-proxy" / "package.json"
    if not (manifest.is_file() and PROXY_BIN.exists()):
        return None
    return json.loads(manifest.read_text(encoding="utf-8")).get("version")


def _call(command: list[str], what: str) -> None:
    print(f"installing {what}: {' '.join(command)}", file=sys.stderr, flush=True)
    try:
        done = subprocess.run(
            command, cwd=ROOT, capture_output=True, text=True, timeout=INSTALL_TIMEOUT
        )
    except (OSError, subprocess.TimeoutExpired) as error:
        raise HubUnavailable(f"could not install {what}: {error}") from None
    if done.returncode != 0:
        tail = "\n".join((done.stderr or done.stdout).strip().splitlines()[-8:])
        raise HubUnavailable(f"could not install {what} (exit {done.returncode}):\n{tail}")


def ensure_jupyterhub(install: bool = True) -> None:
    """Make ``import jupyterhub`` work in this Python at the pinned version."""
    version = installed_jupyterhub()
    if version == JUPYTERHUB_VERSION:
        return
    if not install:
        raise HubUnavailable(
            f"jupyterhub {JUPYTERHUB_VERSION} is not installed in {sys.prefix} (found {version}); "
            "run without --no-install, or: "
            f"{sys.executable} -m pip install jupyterhub=={JUPYTERHUB_VERSION}"
        )
    pip = [sys.executable, "-m", "pip", "install", "-q", "--disable-pip-version-check"]
    pip += ["-c", str(LOCK)]
    _call([*pip, f"jupyterhub=={JUPYTERHUB_VERSION}"], f"jupyterhub {JUPYTERHUB_VERSION}")
    importlib.invalidate_caches()
    if installed_jupyterhub() != JUPYTERHUB_VERSION:
        raise HubUnavailable(f"pip ran but jupyterhub {JUPYTERHUB_VERSION} is not importable")


def ensure_proxy(install: bool = True) -> Path:
    """Return the path of ``configurable-http-proxy``, installing it into ``.hub/`` if needed."""
    if installed_proxy() == PROXY_VERSION:
        return PROXY_BIN
    if not install:
        raise HubUnavailable(
            f"configurable-http-proxy {PROXY_VERSION} is not in {PROXY_DIR}; run without "
            f"--no-install, or: npm install --prefix .hub configurable-http-proxy@{PROXY_VERSION}"
        )
    npm = shutil.which("npm")
    if npm is None:
        raise HubUnavailable(
            "npm is not installed, so configurable-http-proxy cannot be installed "
            "(Debian/Ubuntu: apt-get install nodejs npm)"
        )
    PROXY_DIR.mkdir(exist_ok=True)
    command = [npm, "install", "--prefix", str(PROXY_DIR), "--no-audit", "--no-fund"]
    _call([*command, f"configurable-http-proxy@{PROXY_VERSION}"], "configurable-http-proxy")
    if installed_proxy() != PROXY_VERSION:
        raise HubUnavailable(f"npm ran but {PROXY_BIN} is not version {PROXY_VERSION}")
    return PROXY_BIN


def ensure_all(install: bool = True) -> Path:
    """Install (or check, with ``install=False``) both; return the proxy's path."""
    if os.name != "posix":
        raise HubUnavailable("the classroom benchmark runs on Linux/macOS (JupyterHub is POSIX)")
    ensure_jupyterhub(install)
    return ensure_proxy(install)


if __name__ == "__main__":
    try:
        print(f"configurable-http-proxy {PROXY_VERSION}: {ensure_all()}")
    except HubUnavailable as error:
        sys.exit(f"install.py: {error}")
    print(f"jupyterhub {installed_jupyterhub()}: {sys.prefix}")
