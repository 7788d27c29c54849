"""A throw-away JupyterHub on 127.0.0.1 for N students, and its REST API.

Configuration (written to a temporary folder that also holds the sqlite database, the cookie
secret, the proxy's pid file, the students' homes and the logs; removed by ``close``):

- the hub, its proxy (``configurable-http-proxy``) and every single-user server listen on
  127.0.0.1 only, on free ports;
- dummy authentication with a random password, users ``student1`` ... ``studentN``;
- the ``simple`` local-process spawner: each student's server is ``jupyterhub-singleuser`` of the
  Python running this benchmark (the project's environment, so ``lecture_lib`` is installed), with
  the TCP_NODELAY kernel websocket (see ``nodelay.py``) and one BLAS thread per kernel;
- a service token with the admin role, used to start and watch the servers.

``close`` stops every process of this run (found by an environment marker, see ``procs.py``) and
removes the folder. Should this script be killed outright, the hub gets SIGTERM from the kernel
(``PR_SET_PDEATHSIG``) and stops the proxy and the servers, whose kernels then exit too.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

from . import procs

BENCHMARKS = Path(__file__).resolve().parents[1]
NODELAY_CLASS = "classroom.nodelay.NoDelayConnection"

CONFIG = """\
c = get_config()  # noqa: F821
c.JupyterHub.bind_url = "http://127.0.0.1:{port}"
c.JupyterHub.hub_bind_url = "http://127.0.0.1:{hub_port}"
c.ConfigurableHTTPProxy.api_url = "http://127.0.0.1:{api_port}"
c.ConfigurableHTTPProxy.command = [{proxy!r}]
c.ConfigurableHTTPProxy.pid_file = {state!r} + "/proxy.pid"
c.JupyterHub.db_url = "sqlite:///" + {state!r} + "/jupyterhub.sqlite"
c.JupyterHub.cookie_secret_file = {state!r} + "/cookie_secret"
c.JupyterHub.pid_file = {state!r} + "/hub.pid"
c.JupyterHub.authenticator_class = "dummy"
c.DummyAuthenticator.password = {password!r}
c.Authenticator.allowed_users = set({users!r})
c.JupyterHub.spawner_class = "classroom.spawner.ClassroomSpawner"
c.LocalProcessSpawner.interrupt_timeout = 5
c.SimpleLocalProcessSpawner.home_dir_template = {state!r} + "/home/{{username}}"
c.Spawner.ip = "127.0.0.1"
c.Spawner.cmd = [{singleuser!r}]
c.Spawner.args = {args!r}
c.Spawner.environment = {environment!r}
c.Spawner.start_timeout = {timeout}
c.Spawner.http_timeout = {timeout}
c.JupyterHub.services = [{{"name": "classroom-load", "api_token": {token!r}}}]
c.JupyterHub.load_roles = [{{"name": "admin", "services": ["classroom-load"]}}]
c.JupyterHub.cleanup_servers = True
c.JupyterHub.cleanup_proxy = True
"""


class HubError(RuntimeError):
    """The hub did not start or a server did not come up; the message has the log's tail."""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _python_path() -> str:
    """benchmarks/ (for the ``classroom`` package) in front of the caller's PYTHONPATH."""
    return os.pathsep.join([str(BENCHMARKS), *filter(None, [os.environ.get("PYTHONPATH")])])


class Hub:
    """``Hub(students, proxy)``: ``start()``, ``start_servers()``, ``close()`` (idempotent)."""

    def __init__(self, students: int, proxy: Path, *, timeout: float = 300.0, nodelay: bool = True):
        self.users = [f"student{i + 1}" for i in range(students)]
        self.proxy, self.timeout, self.nodelay = Path(proxy), float(timeout), nodelay
        self.run_id = secrets.token_hex(8)
        self.password = secrets.token_urlsafe(16)
        self.token = secrets.token_hex(32)
        self.state = Path(tempfile.mkdtemp(prefix="classroom-hub-"))
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen | None = None
        self.log_path = self.state / "jupyterhub.log"
        self.closed = False

    # -- lifecycle
    def start(self, notebook: Path) -> None:
        """Write the config, give every student a copy of ``notebook``, start the hub."""
        for user in self.users:
            home = self.state / "home" / user / "notebooks"
            home.mkdir(parents=True)
            shutil.copy2(notebook, home / notebook.name)
        config = self.state / "jupyterhub_config.py"
        config.write_text(self._config(), encoding="utf-8")
        env = dict(os.environ, PYTHONPATH=_python_path())
        env[procs.MARKER] = self.run_id
        env.pop("JUPYTERHUB_API_TOKEN", None)
        with open(self.log_path, "wb") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "jupyterhub", "-f", str(config)],
                cwd=self.state,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # Ctrl+C reaches only this script, which stops the hub
                preexec_fn=procs.die_with_parent,  # the hub stops if this script is killed
            )
        self._wait_for_hub(timeout=60.0)

    def _config(self) -> str:
        environment = {
            procs.MARKER: self.run_id,
            "PYTHONPATH": _python_path(),
            "OPENBLAS_NUM_THREADS": "1",
            "OMP_NUM_THREADS": "1",
            "MKL_NUM_THREADS": "1",
            "PYDEVD_DISABLE_FILE_VALIDATION": "1",
        }
        args = ["--ServerApp.answer_yes=True"]  # stop on the hub's SIGINT, no prompt
        if self.nodelay:
            args.append(f"--ServerApp.kernel_websocket_connection_class={NODELAY_CLASS}")
        if hasattr(os, "geteuid") and os.geteuid() == 0:
            args.append("--allow-root")  # containers and CI run as root
        return CONFIG.format(
            port=self.port,
            hub_port=free_port(),
            api_port=free_port(),
            proxy=str(self.proxy),
            state=str(self.state),
            password=self.password,
            users=self.users,
            singleuser=str(Path(sys.executable).parent / "jupyterhub-singleuser"),
            args=args,
            environment=environment,
            timeout=int(self.timeout),
            token=self.token,
        )

    def _wait_for_hub(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise HubError(f"jupyterhub exited with {self.process.returncode}\n{self.log()}")
            try:
                self.api("GET", "/")
                return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                time.sleep(0.25)
        raise HubError(f"jupyterhub did not answer within {timeout:.0f} s\n{self.log()}")

    def close(self) -> None:
        """Stop the hub, the proxy, every server and kernel of this run, remove the folder.

        Proxy, servers and kernels get SIGTERM at once (SIGKILL after 10 s), then the hub (whose
        own cleanup would wait for each server in turn). Safe to call twice (``finally`` and
        ``atexit``); Ctrl+C cannot interrupt it.
        """
        if self.closed:
            return
        main = threading.current_thread() is threading.main_thread()
        previous = signal.signal(signal.SIGINT, signal.SIG_IGN) if main else None
        try:
            procs.stop_all(self.run_id, timeout=10.0, but=("hub",))
            if self.process is not None and self.process.poll() is None:
                self.process.terminate()
                try:
                    self.process.wait(timeout=2)
                except subprocess.TimeoutExpired:
                    self.process.kill()
                    self.process.wait(timeout=5)
            procs.stop_all(self.run_id, timeout=5.0)  # anything started meanwhile
            shutil.rmtree(self.state, ignore_errors=True)
            self.closed = True
        finally:
            if main:
                signal.signal(signal.SIGINT, previous)

    def log(self, lines: int = 30) -> str:
        try:
            text = self.log_path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return "(no hub log)"
        return "\n".join(text.splitlines()[-lines:])

    # -- REST API
    def api(self, method: str, path: str, body=None, *, token: str | None = None):
        """Call the hub's REST API (``/hub/api`` + path) through the proxy; return parsed JSON."""
        request = urllib.request.Request(
            f"{self.url}/hub/api{path}",
            method=method,
            data=None if body is None else json.dumps(body).encode(),
            headers={"Content-Type": "application/json"},
        )
        if token is not False:
            request.add_header("Authorization", f"token {token or self.token}")
        with urllib.request.urlopen(request, timeout=30) as response:
            payload = response.read()
        return json.loads(payload) if payload else None

    def login(self, user: str) -> str:
        """Log ``user`` in with the dummy password; return a fresh API token of that user."""
        auth = {"auth": {"username": user, "password": self.password}, "note": "classroom-load"}
        return self.api("POST", f"/users/{user}/tokens", auth, token=False)["token"]

    def start_servers(self, tokens: dict[str, str]) -> float:
        """Ask for every student's server (each with its own token); wait until all are ready.

        Returns the seconds until the last one was ready.
        """
        t0 = time.monotonic()
        for user in self.users:
            self.api("POST", f"/users/{user}/server", {}, token=tokens[user])
        waiting = set(self.users)
        deadline = t0 + self.timeout
        while waiting and time.monotonic() < deadline:
            for user in sorted(waiting):
                server = self.api("GET", f"/users/{user}")["servers"].get("", {})
                if server.get("ready"):
                    waiting.discard(user)
            if self.process.poll() is not None:
                raise HubError(f"jupyterhub exited with {self.process.returncode}\n{self.log()}")
            time.sleep(0.5 if waiting else 0)
        if waiting:
            raise HubError(f"servers not ready after {self.timeout:.0f} s: {sorted(waiting)}")
        return time.monotonic() - t0
