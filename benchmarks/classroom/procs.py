"""Processes of one benchmark run, read from /proc (Linux): found, measured, stopped.

Every process the run starts (hub, proxy, single-user servers, kernels) inherits one environment
variable, ``LECTURE_CLASSROOM_RUN=<random id>``. JupyterHub starts the proxy and each server in
a new session and jupyter_client does the same for kernels, so process groups do not reach them;
the marker does, even for a process whose parent has died. Only processes carrying this run's
marker are ever signalled, each by its pid.
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys
import time
from dataclasses import dataclass
from pathlib import Path

MARKER = "LECTURE_CLASSROOM_RUN"
PROC = Path("/proc")
PR_SET_PDEATHSIG = 1
PAGE_KB = os.sysconf("SC_PAGE_SIZE") // 1024 if hasattr(os, "sysconf") else 4
TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


@dataclass(frozen=True)
class Proc:
    """One process: pid, role (hub, proxy, server, kernel), its hub user ('' for hub/proxy)."""

    pid: int
    role: str
    user: str


def _environ(pid: int) -> dict[str, str]:
    try:
        raw = (PROC / str(pid) / "environ").read_bytes()
    except OSError:  # gone, or not ours
        return {}
    pairs = (item.split(b"=", 1) for item in raw.split(b"\0") if b"=" in item)
    return {k.decode(errors="replace"): v.decode(errors="replace") for k, v in pairs}


def _cmdline(pid: int) -> list[str]:
    try:
        raw = (PROC / str(pid) / "cmdline").read_bytes()
    except OSError:
        return []
    return [part.decode(errors="replace") for part in raw.split(b"\0") if part]


def _role(cmdline: list[str]) -> str:
    text = " ".join(cmdline)
    if "ipykernel" in text:
        return "kernel"
    if "jupyterhub-singleuser" in text:
        return "server"
    if "configurable-http-proxy" in text:
        return "proxy"
    if "jupyterhub" in text:
        return "hub"
    return "other"


def run_processes(run_id: str) -> list[Proc]:
    """Every live process that carries this run's marker, with its role and hub user."""
    found = []
    for entry in PROC.iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        env = _environ(int(entry.name))
        if env.get(MARKER) != run_id:
            continue
        role = _role(_cmdline(int(entry.name)))
        found.append(Proc(int(entry.name), role, env.get("JUPYTERHUB_USER", "")))
    return found


def rss_mb(pid: int) -> float:
    """Resident memory (VmRSS) in MB (10**6 bytes); 0 when the process is gone."""
    try:
        for line in (PROC / str(pid) / "status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024 / 1e6
    except OSError:
        pass
    return 0.0


def pss_mb(pid: int) -> float:
    """Proportional set size in MB: shared pages divided among the processes sharing them."""
    try:
        for line in (PROC / str(pid) / "smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1]) * 1024 / 1e6
    except OSError:
        pass
    return 0.0


def cpu_seconds(pid: int) -> float:
    """User + system CPU time the process has used so far, in seconds (0 when gone)."""
    try:
        stat = (PROC / str(pid) / "stat").read_text()
    except OSError:
        return 0.0
    fields = stat[stat.rindex(")") + 2 :].split()  # after "pid (comm) "
    return (int(fields[11]) + int(fields[12])) / TICKS  # utime, stime


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return _state(pid) not in ("Z", "X", "")


def _state(pid: int) -> str:
    try:
        stat = (PROC / str(pid) / "stat").read_text()
    except OSError:
        return ""
    return stat[stat.rindex(")") + 2 :].split()[0]


def stop_all(run_id: str, timeout: float = 10.0, *, but: tuple[str, ...] = ()) -> list[int]:
    """SIGTERM every process of this run (except the roles in ``but``), SIGKILL those still
    alive after ``timeout`` s. Returns the pids signalled (empty when none was left)."""
    pids = [p.pid for p in run_processes(run_id) if p.role not in but]
    for pid in pids:
        _signal(pid, run_id, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and any(alive(pid) for pid in pids):
        time.sleep(0.1)
    for pid in pids:
        if alive(pid):
            _signal(pid, run_id, signal.SIGKILL)
    return pids


def _signal(pid: int, run_id: str, sig: int) -> None:
    if _environ(pid).get(MARKER) != run_id:  # the pid was reused by another process
        return
    try:
        os.kill(pid, sig)
    except (ProcessLookupError, PermissionError):
        pass


def die_with_parent() -> None:
    """In a child between fork and exec: get SIGTERM when the parent dies (Linux only)."""
    if sys.platform != "linux":
        return
    try:
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    except (OSError, AttributeError):
        pass
