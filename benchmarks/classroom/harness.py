"""One class: a fresh hub, N students open and run the notebook, then all drag together.

``run_class(students, seconds, ...)`` returns a ``ClassResult`` with every latency, memory and
CPU figure; the hub and every process it started are gone when it returns (or raises).
"""

from __future__ import annotations

import asyncio
import os
import random
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from . import procs
from .hub import Hub
from .student import Student, StudentError

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOK = ROOT / "notebooks" / "03_momentum.ipynb"


@dataclass
class ClassResult:
    """Figures of one run; latencies in ms, memory in MB, CPU in cores (1.0 = one core busy)."""

    students: int
    seconds: float
    rate: float
    latencies: list[float] = field(default_factory=list)
    moves: int = 0  # slider positions the students set
    sent: int = 0  # updates sent that change the value (moves during one in flight are merged)
    repeats: int = 0  # updates sent with the value the kernel already had: no new image due
    images: int = 0  # of those, how many got their new image back
    bad_images: int = 0  # image updates that did not carry a PNG
    spawn_s: float = 0.0  # until every server was ready
    notebook_s: float = 0.0  # until every student's notebook had run
    server_mb: float = 0.0  # mean resident memory of a single-user server
    kernel_mb: float = 0.0  # mean resident memory of a kernel
    pss_mb: float = 0.0  # mean proportional set size of server + kernel
    hub_mb: float = 0.0  # resident memory of the hub + the proxy
    cpu: dict[str, float] = field(default_factory=dict)  # role -> cores during the drag
    run_id: str = ""
    state_dir: Path = Path()  # the hub's temporary folder (removed at the end)

    @property
    def mb_per_student(self) -> float:
        return self.server_mb + self.kernel_mb

    def percentile(self, q: float) -> float:
        return float(np.percentile(self.latencies, q)) if self.latencies else float("nan")

    def line(self) -> str:
        """``students 4: p50 38 ms, p95 95 ms, max 140 ms, 210 MB/student``"""
        return (
            f"students {self.students}: p50 {self.percentile(50):.0f} ms, "
            f"p95 {self.percentile(95):.0f} ms, max {max(self.latencies, default=0):.0f} ms, "
            f"{self.mb_per_student:.0f} MB/student"
        )


def _cpu_snapshot(run_id: str) -> dict[str, float]:
    totals: dict[str, float] = {}
    for proc in procs.run_processes(run_id):
        role = proc.role if proc.role in ("hub", "proxy") else "students"
        totals[role] = totals.get(role, 0.0) + procs.cpu_seconds(proc.pid)
    user, system = os.times()[:2]
    totals["client"] = user + system
    totals["machine"] = _machine_busy_seconds()
    return totals


def _machine_busy_seconds() -> float:
    with open("/proc/stat") as stat:
        fields = [int(x) for x in stat.readline().split()[1:]]
    idle = fields[3] + fields[4]  # idle + iowait
    return (sum(fields[:8]) - idle) / procs.TICKS


def _memory(result: ClassResult, run_id: str) -> None:
    servers, kernels, pss = [], [], []
    for proc in procs.run_processes(run_id):
        if proc.role == "server":
            servers.append(procs.rss_mb(proc.pid))
        elif proc.role == "kernel":
            kernels.append(procs.rss_mb(proc.pid))
        if proc.role in ("server", "kernel"):
            pss.append(procs.pss_mb(proc.pid))
        if proc.role in ("hub", "proxy"):
            result.hub_mb += procs.rss_mb(proc.pid)
    if len(servers) != result.students or len(kernels) != result.students:
        raise StudentError(
            f"expected {result.students} servers and kernels, found {len(servers)} servers "
            f"and {len(kernels)} kernels of this run"
        )
    result.server_mb = float(np.mean(servers))
    result.kernel_mb = float(np.mean(kernels))
    result.pss_mb = float(np.sum(pss)) / result.students


async def _drive(hub: Hub, tokens: dict[str, str], result: ClassResult, **opts) -> None:
    students = [Student(hub.url, u, tokens[u], nodelay=hub.nodelay) for u in hub.users]
    path = f"notebooks/{opts['notebook'].name}"
    t0 = time.monotonic()
    try:
        await asyncio.gather(*(s.open(path) for s in students))
        await asyncio.gather(*(s.run_notebook(opts["cell_timeout"]) for s in students))
        for student in students:
            student.find_explorer()
        result.notebook_s = time.monotonic() - t0
        before, t1 = _cpu_snapshot(hub.run_id), time.monotonic()
        rng = random.Random(0)  # students do not move in lockstep: a random phase each
        await asyncio.gather(
            *(
                s.drag(result.seconds, result.rate, rng.uniform(0, 1 / result.rate), 60.0)
                for s in students
            )
        )
        after, wall = _cpu_snapshot(hub.run_id), time.monotonic() - t1
        result.cpu = {k: (after.get(k, 0.0) - before.get(k, 0.0)) / wall for k in after}
        _memory(result, hub.run_id)
    finally:
        await asyncio.gather(*(s.close() for s in students))
    for student in students:
        result.latencies += student.latencies_ms()
        result.moves += student.moves
        result.sent += len(student.sent)
        result.repeats += student.repeats
        result.images += len(student.images)
        result.bad_images += student.bad_images


def run_class(
    students: int,
    seconds: float,
    proxy: Path,
    *,
    rate: float = 5.0,
    notebook: Path = NOTEBOOK,
    cell_timeout: float = 300.0,
    nodelay: bool = True,
    on_hub=None,
) -> ClassResult:
    """Start a hub for ``students``, run the class, stop everything; ``on_hub(hub)`` is called
    once the hub is up (the caller can register it for cleanup on signals)."""
    result = ClassResult(students, seconds, rate)
    hub = Hub(students, proxy, timeout=max(120.0, 30.0 * students), nodelay=nodelay)
    result.run_id, result.state_dir = hub.run_id, hub.state
    try:
        if on_hub is not None:
            on_hub(hub)
        hub.start(Path(notebook))
        tokens = {user: hub.login(user) for user in hub.users}
        result.spawn_s = hub.start_servers(tokens)
        asyncio.run(_drive(hub, tokens, result, notebook=Path(notebook), cell_timeout=cell_timeout))
    except Exception as error:
        error.add_note(f"hub log (last lines):\n{hub.log()}")
        raise
    finally:
        hub.close()
    return result
