"""A class on one JupyterHub: N students drag the Momentum explorer's lr slider at once.

    python benchmarks/classroom_load.py --students 1 2 4 8 --seconds 25
    python benchmarks/classroom_load.py --students 4 --seconds 20 --find-knee 32

For each N: a fresh JupyterHub (pip ``jupyterhub`` 6.1.1) with ``configurable-http-proxy`` 5.3.0
(npm), everything on 127.0.0.1, dummy authentication with a random password, the local-process
(``simple``) spawner, users student1..studentN. Each student logs in with the password, starts
their single-user server (``jupyterhub-singleuser`` of this Python environment, so the project is
installed), opens ``notebooks/03_momentum.ipynb`` (contents API + session, as JupyterLab does),
runs every cell over the kernel websocket, then drags the explorer's lr slider at a human pace
(``--rate`` moves per second, back and forth over 17 grid positions, each student at a random
phase) for ``--seconds``, sending the widget ``comm_msg`` updates JupyterLab sends with the
ipywidgets 8 throttle and echo rules (see ``classroom/student.py``).

Latency of a move = ``comm_msg`` sent -> the Image widget's ``update`` with the new PNG received.
Memory = resident set (VmRSS, /proc) of each student's single-user server + kernel after the drag
(PSS, which shares common pages fairly, beside it). CPU = cores busy during the drag: the students'
servers + kernels, hub + proxy, this load client, and the rest of the machine ("other": work that
is not this benchmark; on a shared machine it competes with the students).

Nagle's algorithm: jupyter-server does not set TCP_NODELAY on the kernel websocket; with a Python
client a small frame can then wait for the client's delayed ACK (issue 13 measured ~40 ms of a
~48 ms update that way, against ~3 ms of such delay in JupyterLab + Chromium). To measure what a
browser student sees, the load client sets TCP_NODELAY on its socket and the single-user servers
use a kernel websocket connection class that calls ``set_nodelay(True)``
(``classroom/nodelay.py``); the proxy already sets it on both its sockets. ``--keep-nagle``
measures without the two, to show the artefact.

The knee: the largest N whose p95 stays <= ``--p95-limit`` ms (150), per core of this machine.
``--find-knee MAX`` keeps adding students (x1.5, then bisecting) until p95 passes the limit.

Installs jupyterhub (pip, into this Python) and the proxy (npm, into ``.hub/``) when missing;
``--no-install`` only checks. Hub state (sqlite, cookie secret, homes, logs) lives in a temporary
folder that is removed; the hub, the proxy and every server and kernel are stopped when the
script ends, also on Ctrl+C, SIGTERM or an error.
"""

from __future__ import annotations

import argparse
import atexit
import os
import signal
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from classroom import install
from classroom.harness import NOTEBOOK, ClassResult, run_class
from classroom.student import StudentError

CORES = os.cpu_count() or 1
HUBS: list = []  # hubs to stop at exit, whatever happens


def _stop_hubs() -> None:
    for hub in HUBS:
        hub.close()


def _exit_on_signal(signum, _frame) -> None:
    raise SystemExit(128 + signum)  # unwinds through every finally, then atexit


def table(results: list[ClassResult]) -> str:
    head = (
        "| students | moves | sent | images | p50 ms | p95 ms | max ms | server MB | kernel MB "
        "| MB/student | PSS MB/student | CPU students | CPU hub+proxy | CPU client | CPU other "
        "| ready s |"
    )
    rows = [head, "|" + "---:|" * (head.count("|") - 1)]
    for r in results:
        hub_proxy = r.cpu.get("hub", 0) + r.cpu.get("proxy", 0)
        ours = r.cpu.get("students", 0) + hub_proxy + r.cpu.get("client", 0)
        rows.append(
            f"| {r.students} | {r.moves} | {r.sent} | {r.images} | {r.percentile(50):.0f} "
            f"| {r.percentile(95):.0f} | {max(r.latencies, default=0):.0f} | {r.server_mb:.0f} "
            f"| {r.kernel_mb:.0f} | {r.mb_per_student:.0f} | {r.pss_mb:.0f} "
            f"| {r.cpu.get('students', 0):.2f} | {hub_proxy:.2f} | {r.cpu.get('client', 0):.2f} "
            f"| {max(0.0, r.cpu.get('machine', 0) - ours):.2f} | {r.spawn_s + r.notebook_s:.0f} |"
        )
    return "\n".join(rows)


def _knee(results: list[ClassResult], limit: float) -> tuple[int, int | None]:
    """(largest N with p95 <= limit, or 0; smallest failing N above it, or None)."""
    best = max((r.students for r in results if r.percentile(95) <= limit), default=0)
    above = [r.students for r in results if r.students > best]
    return best, min(above, default=None)


def knee(results: list[ClassResult], limit: float) -> str:
    best, first_fail = _knee(results, limit)
    if best == 0:
        fewest = min(r.students for r in results)
        return f"knee: p95 > {limit:.0f} ms already at {fewest} student(s)"
    bound = f"; {first_fail} fail" if first_fail else " (the largest N tested: not reached)"
    below = sorted(r.students for r in results if r.students < best and r.percentile(95) > limit)
    noisy = (
        f" (but {', '.join(map(str, below))} failed: other load on the machine? run again)"
        if below
        else ""
    )
    return (
        f"knee: p95 <= {limit:.0f} ms up to {best} students on {CORES} cores = "
        f"{best / CORES:.1f} students per core{bound}{noisy}"
    )


def sizing(results: list[ClassResult], limit: float) -> str:
    """Cores and memory per 10 dragging students, from the knee and the largest MB/student."""
    best, first_fail = _knee(results, limit)
    mb = max(r.mb_per_student for r in results)
    hub_mb = max(r.hub_mb for r in results)
    cpu = max(r.cpu.get("students", 0.0) / r.students for r in results)
    cores = f"{10 * CORES / best:.1f} cores" if best else "more than the cores here"
    if best and first_fail is None:
        cores = "at most " + cores
    return (
        f"sizing: per 10 actively dragging students {cores} (p95 <= {limit:.0f} ms), "
        f"{(10 * mb + hub_mb) / 1000:.1f} GB ({mb:.0f} MB/student + {hub_mb:.0f} MB hub and "
        f"proxy); busy CPU {cpu:.2f} cores per dragging student"
    )


def _next_n(results: list[ClassResult], limit: float, most: int) -> int | None:
    """The next class size for --find-knee: x1.5 above the knee, then bisect below a fail."""
    lo, hi = _knee(results, limit)
    if lo == 0:
        return None
    if hi is None:
        n = min(most, max(lo + 1, round(lo * 1.5)))
        return n if n > lo else None
    n = (lo + hi) // 2
    return n if lo < n < hi else None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--students", type=int, nargs="+", default=[1, 2, 4, 8], metavar="N")
    parser.add_argument("--seconds", type=float, default=20.0, help="drag time per N (20)")
    parser.add_argument("--rate", type=float, default=5.0, help="slider moves per second (5)")
    parser.add_argument("--notebook", type=Path, default=NOTEBOOK)
    parser.add_argument("--p95-limit", type=float, default=150.0, help="knee criterion, ms")
    parser.add_argument("--find-knee", type=int, default=0, metavar="MAX", help="search up to MAX")
    parser.add_argument("--keep-nagle", action="store_true", help="no TCP_NODELAY (artefact)")
    parser.add_argument("--no-install", action="store_true", help="do not pip/npm install")
    args = parser.parse_args(argv)
    if not all(1 <= n <= 200 for n in args.students):
        parser.error(f"--students must be integers in 1..200, got {args.students}")
    if not (1.0 <= args.seconds <= 600.0):
        parser.error(f"--seconds must be in 1..600, got {args.seconds}")
    if not (0.5 <= args.rate <= 50.0):
        parser.error(f"--rate must be in 0.5..50 moves per second, got {args.rate}")
    if not 0 <= args.find_knee <= 200:
        parser.error(f"--find-knee must be in 0..200, got {args.find_knee}")
    if not args.notebook.is_file():
        parser.error(f"--notebook: no such file {args.notebook}")
    try:
        proxy = install.ensure_all(install=not args.no_install)
    except install.HubUnavailable as error:
        print(f"classroom_load: {error}", file=sys.stderr)
        return 2
    atexit.register(_stop_hubs)
    for signum in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, _exit_on_signal)

    try:
        results = _run_all(args, proxy)
    except KeyboardInterrupt:
        print("\ninterrupted: the hub, the proxy and every server were stopped", file=sys.stderr)
        return 130
    _report(args, results)
    return 1 if any(r.images < r.sent for r in results) else 0


def _run_all(args: argparse.Namespace, proxy: Path) -> list[ClassResult]:
    results: list[ClassResult] = []
    todo = sorted(set(args.students))
    for _ in range(len(todo) + 12):  # the listed sizes, then at most 12 knee-search runs
        if not todo:
            n = _next_n(results, args.p95_limit, args.find_knee) if args.find_knee else None
            if n is None or n in {r.students for r in results}:
                break
            todo = [n]
        n = todo.pop(0)
        result = _run_one(n, args, proxy)
        if result is None:
            print(f"   {n} students could not start twice: no more sizes", file=sys.stderr)
            break
        results.append(result)
        print(f"   {result.line()}", file=sys.stderr, flush=True)
    return sorted(results, key=lambda r: r.students)


def _run_one(n: int, args: argparse.Namespace, proxy: Path) -> ClassResult | None:
    """One class of ``n``, on a fresh hub; a second fresh hub if a student's kernel failed.

    When many kernels start at once, two can be handed the same free port by the kernel
    manager (it picks ports, then the kernel binds them later): one kernel dies with "Address
    already in use". That is a start-up race of the benchmark, not a measurement: try again."""
    for attempt in (1, 2):
        print(f"-- {n} student(s): starting the hub ...", file=sys.stderr, flush=True)
        try:
            return run_class(
                n,
                args.seconds,
                proxy,
                rate=args.rate,
                notebook=args.notebook,
                nodelay=not args.keep_nagle,
                on_hub=HUBS.append,
            )
        except StudentError as error:
            print(f"   attempt {attempt} of 2 failed: {error}", file=sys.stderr, flush=True)
        finally:
            HUBS.clear()
    return None


def _report(args: argparse.Namespace, results: list[ClassResult]) -> None:
    nagle = "Nagle on (--keep-nagle)" if args.keep_nagle else "TCP_NODELAY on both ends"
    print(
        f"JupyterHub {install.JUPYTERHUB_VERSION} + configurable-http-proxy "
        f"{install.PROXY_VERSION} on 127.0.0.1, {CORES} cores; {args.notebook.name}, lr slider "
        f"at {args.rate:g} moves/s for {args.seconds:g} s per student; {nagle}"
    )
    print("latency = comm_msg sent -> new image received; MB = resident (VmRSS) after the drag;")
    print("CPU = cores busy during the drag (other = the rest of the machine, not this benchmark);")
    print("ready s = from asking for the servers until every student's notebook had run\n")
    print(table(results))
    print()
    for r in results:
        if r.images < r.sent:
            print(f"students {r.students}: {r.sent - r.images} of {r.sent} updates got no image")
        if r.repeats:
            print(
                f"students {r.students}: {r.repeats} more update(s) sent back the value the kernel "
                "already had (moves merged while the kernel was busy); no new image is due"
            )
    print(knee(results, args.p95_limit))
    print(sizing(results, args.p95_limit))
    for r in results:
        print(r.line())


if __name__ == "__main__":
    sys.exit(main())
