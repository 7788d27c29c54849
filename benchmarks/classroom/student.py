"""One student: open a notebook through the hub, run it, drag a slider as JupyterLab would.

Over the kernel websocket (``/user/<name>/api/kernels/<id>/channels``, the
``v1.kernel.websocket.jupyter.org`` protocol JupyterLab 4 uses, TCP_NODELAY on this end) the
client sends the messages JupyterLab sends:

- ``execute_request`` per code cell, one after the other; a cell is done when both its shell
  ``execute_reply`` and its iopub ``status: idle`` have arrived (they may come in either order);
- for a slider move, ``comm_msg`` with ``{"method": "update", "state": {"value": v},
  "buffer_paths": []}`` to the slider's model, with the ipywidgets 8 front-end rules: at most one
  update in flight per model (the next one waits for the kernel's ``idle`` of the previous one,
  later moves replace the waiting value), and an ``echo_update`` is applied only when it answers
  the latest update sent for that attribute and no newer value is waiting.

Latency of a move = from sending its ``comm_msg`` to receiving the Image widget's ``update`` whose
parent is that message (the new PNG, which arrives as a binary buffer). An update that sends back
the value the kernel already has (the slider went there and back while an update was in flight)
changes nothing in the kernel, so no image is due: it is counted in ``repeats``, not timed.
"""

from __future__ import annotations

import asyncio
import json
import math
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import quote

from jupyter_server.services.kernels.connection.base import (
    deserialize_msg_from_ws_v1,
    serialize_msg_to_ws_v1,
)
from tornado.httpclient import AsyncHTTPClient, HTTPRequest
from tornado.websocket import websocket_connect

PROTOCOL = "v1.kernel.websocket.jupyter.org"
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


class StudentError(RuntimeError):
    """Something a student's browser would show as broken (an error, a missing widget, ...)."""


def _pack(obj) -> bytes:
    return json.dumps(obj).encode()


def _put_buffers(state: dict, paths: list, buffers: list) -> None:
    for path, buffer in zip(paths, buffers, strict=False):
        target = state
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = buffer


@dataclass
class Model:
    """A widget model as the front-end keeps it (state + ipywidgets 8 throttle/echo fields)."""

    comm_id: str
    state: dict
    pending: int = 0  # updates sent whose kernel 'idle' has not arrived (throttle: 1)
    buffer: dict | None = None  # state waiting to be sent
    expected_echo: dict[str, str] = field(default_factory=dict)  # attribute -> msg_id


@dataclass
class Call:
    """An execute_request waiting for its reply and its idle, in either order."""

    reply: dict | None = None
    idle: bool = False
    done: asyncio.Event = field(default_factory=asyncio.Event)
    errors: list[str] = field(default_factory=list)


class Student:
    """``Student(hub_url, user, token)``; ``open``, ``run_notebook``, ``drag``, ``close``."""

    def __init__(self, hub_url: str, user: str, token: str, *, nodelay: bool = True):
        self.base = f"{hub_url}/user/{user}"
        self.nodelay = nodelay
        self.user, self.token = user, token
        self.session = uuid.uuid4().hex
        self.ws = None
        self.notebook: dict = {}
        self.models: dict[str, Model] = {}
        self.views: list[str] = []  # model ids displayed by the notebook
        self.calls: dict[str, Call] = {}
        self.slider_msgs: dict[str, str] = {}  # msg_id -> slider comm id (for idle)
        self.sent: dict[str, float] = {}  # slider update msg_id -> time sent (value changed)
        self.repeats = 0  # updates sent with the value the kernel already had
        self.kernel_value = None  # the slider value the kernel has (after our updates)
        self.images: dict[str, float] = {}  # slider update msg_id -> time its image arrived
        self.image_id = self.slider_id = ""
        self.moves = 0
        self.bad_images = 0  # image updates whose value is not a PNG
        self.failure = ""  # the first problem seen while handling a message

    # -- HTTP and websocket
    async def _http(self, method: str, path: str, body=None) -> dict:
        request = HTTPRequest(
            self.base + path,
            method=method,
            body=None if body is None else json.dumps(body),
            headers={"Authorization": f"token {self.token}"},
            request_timeout=120,
        )
        response = await AsyncHTTPClient().fetch(request)
        return json.loads(response.body)

    async def open(self, path: str, timeout: float = 120.0) -> None:
        """Open the notebook like JupyterLab: read it, start a session (kernel), connect."""
        model = await self._http("GET", f"/api/contents/{quote(path)}?content=1")
        self.notebook = model["content"]
        name = path.rsplit("/", 1)[-1]
        body = {"path": path, "name": name, "type": "notebook", "kernel": {"name": "python3"}}
        session = await self._http("POST", "/api/sessions", body)
        kernel = session["kernel"]["id"]
        url = self.base.replace("http", "ws", 1) + f"/api/kernels/{kernel}/channels"
        request = HTTPRequest(
            f"{url}?session_id={self.session}",
            headers={"Authorization": f"token {self.token}"},
            request_timeout=timeout,
        )
        self.ws = await websocket_connect(
            request, on_message_callback=self._on_message, subprotocols=[PROTOCOL]
        )
        if self.ws.selected_subprotocol != PROTOCOL:
            raise StudentError(f"{self.user}: server chose {self.ws.selected_subprotocol!r}")
        self.ws.protocol.set_nodelay(self.nodelay)  # browsers set TCP_NODELAY; see nodelay.py
        await self._request("kernel_info_request", {}, timeout)

    async def close(self) -> None:
        if self.ws is not None:
            self.ws.close()
            self.ws = None

    def _send(self, msg_type: str, content: dict, channel: str = "shell") -> str:
        header = {
            "msg_id": uuid.uuid4().hex,
            "msg_type": msg_type,
            "username": self.user,
            "session": self.session,
            "date": datetime.now(UTC).isoformat(),
            "version": "5.3",
        }
        msg = {"header": header, "parent_header": {}, "metadata": {}, "content": content}
        self.ws.write_message(serialize_msg_to_ws_v1(msg, channel, _pack), binary=True)
        return header["msg_id"]

    async def _request(self, msg_type: str, content: dict, timeout: float) -> Call:
        msg_id = self._send(msg_type, content)
        call = self.calls[msg_id] = Call()
        try:
            await asyncio.wait_for(call.done.wait(), timeout)
        except TimeoutError:
            raise StudentError(f"{self.user}: no reply to {msg_type} in {timeout:.0f} s") from None
        finally:
            self.calls.pop(msg_id, None)
        self.check()
        return call

    def check(self) -> None:
        """Raise the first problem seen while handling messages, if any."""
        if self.failure:
            raise StudentError(self.failure)

    # -- incoming
    def _on_message(self, raw) -> None:
        now = time.perf_counter()
        if raw is None:
            self._fail(f"{self.user}: the kernel websocket was closed")
            return
        try:
            self._dispatch(raw, now)
        except Exception as error:  # tornado would only log it
            self._fail(f"{self.user}: {type(error).__name__} while reading a message: {error}")

    def _fail(self, reason: str) -> None:
        """Keep the first problem and wake every waiting request (``check`` raises it)."""
        self.failure = self.failure or reason
        for call in self.calls.values():
            call.done.set()

    def _dispatch(self, raw: bytes, now: float) -> None:
        channel, parts = deserialize_msg_from_ws_v1(raw)
        header, parent, _meta, content = (json.loads(p) for p in parts[:4])
        msg = {"header": header, "parent": parent, "content": content, "buffers": parts[4:]}
        parent_id = parent.get("msg_id", "")
        kind = header["msg_type"]
        if channel == "shell" and parent_id in self.calls:
            self.calls[parent_id].reply = content
            self._maybe_done(parent_id)
        elif channel == "iopub":
            if kind == "status" and content["execution_state"] == "idle":
                self._on_idle(parent_id)
            elif kind == "error" and parent_id in self.calls:
                self.calls[parent_id].errors.append(f"{content['ename']}: {content['evalue']}")
            elif kind in ("display_data", "execute_result") and WIDGET_VIEW in content["data"]:
                self.views.append(content["data"][WIDGET_VIEW]["model_id"])
            elif kind == "comm_open" and content.get("target_name") == "jupyter.widget":
                data = content["data"]
                _put_buffers(data["state"], data.get("buffer_paths", []), msg["buffers"])
                self.models[content["comm_id"]] = Model(content["comm_id"], data["state"])
            elif kind == "comm_msg" and content["comm_id"] in self.models:
                self._on_comm(self.models[content["comm_id"]], msg, now)

    def _maybe_done(self, msg_id: str) -> None:
        call = self.calls[msg_id]
        if call.reply is not None and call.idle:
            call.done.set()

    def _on_idle(self, parent_id: str) -> None:
        if parent_id in self.calls:
            self.calls[parent_id].idle = True
            self._maybe_done(parent_id)
        comm_id = self.slider_msgs.pop(parent_id, None)
        if comm_id is not None:  # ipywidgets 8 WidgetModel._handle_status
            model = self.models[comm_id]
            model.pending = max(0, model.pending - 1)
            if model.buffer is not None and model.pending < 1:
                state, model.buffer = model.buffer, None
                self._send_update(model, state)

    def _on_comm(self, model: Model, msg: dict, now: float) -> None:
        data = msg["content"]["data"]
        method = data.get("method")
        if method not in ("update", "echo_update"):
            return
        state = data.get("state", {})
        _put_buffers(state, data.get("buffer_paths", []), msg["buffers"])
        parent_id = msg["parent"].get("msg_id", "")
        if method == "echo_update":  # ipywidgets 8 WidgetModel._handle_comm_msg
            for attr in [a for a in state if a in model.expected_echo]:
                if model.expected_echo[attr] != parent_id:
                    del state[attr]  # an echo of an older update: ignore
                else:
                    del model.expected_echo[attr]
                    if model.buffer is not None and attr in model.buffer:
                        del state[attr]  # a newer value is about to be sent
        model.state.update(state)
        if model.comm_id == self.image_id and "value" in state and parent_id in self.sent:
            self.images.setdefault(parent_id, now)
            self.bad_images += not bytes(state["value"]).startswith(PNG_MAGIC)

    # -- the notebook
    async def run_notebook(self, cell_timeout: float) -> int:
        """Run every code cell in order; return how many ran. Errors stop the run."""
        cells = [c for c in self.notebook["cells"] if c["cell_type"] == "code"]
        for number, cell in enumerate(cells, 1):
            source = cell["source"] if isinstance(cell["source"], str) else "".join(cell["source"])
            content = {
                "code": source,
                "silent": False,
                "store_history": True,
                "user_expressions": {},
                "allow_stdin": False,
                "stop_on_error": True,
            }
            call = await self._request("execute_request", content, cell_timeout)
            if call.reply.get("status") != "ok":
                reason = "; ".join(call.errors) or call.reply.get("status")
                raise StudentError(f"{self.user}: code cell {number} failed: {reason}")
        return len(cells)

    def find_explorer(self, slider_prefix: str = "lr") -> None:
        """Find the displayed explorer's log slider (description starting with ``slider_prefix``)
        and its plot (Image with the ``lecture-plot`` class)."""
        for model_id in self._descendants(self.views):
            state = self.models[model_id].state
            name = state.get("_model_name")
            if name == "FloatLogSliderModel" and state.get("description", "").startswith(
                slider_prefix
            ):
                self.slider_id = self.slider_id or model_id
            if name == "ImageModel" and "lecture-plot" in state.get("_dom_classes", []):
                self.image_id = self.image_id or model_id
        if not (self.slider_id and self.image_id):
            raise StudentError(
                f"{self.user}: no explorer with a {slider_prefix!r} log slider and a plot among "
                f"{len(self.views)} displayed widgets ({len(self.models)} models)"
            )
        if not bytes(self.models[self.image_id].state.get("value", b"")).startswith(PNG_MAGIC):
            raise StudentError(f"{self.user}: the explorer's plot holds no PNG")
        self.kernel_value = self.models[self.slider_id].state["value"]

    def _descendants(self, roots: list[str]) -> list[str]:
        seen, todo = [], list(roots)
        while todo and len(seen) < 10_000:
            model_id = todo.pop()
            if model_id in seen or model_id not in self.models:
                continue
            seen.append(model_id)
            for value in self.models[model_id].state.values():
                refs = value if isinstance(value, list) else [value]
                todo += [r[len("IPY_MODEL_") :] for r in refs if str(r).startswith("IPY_MODEL_")]
        return seen

    # -- the slider
    def _send_update(self, model: Model, state: dict) -> None:
        content = {
            "comm_id": model.comm_id,
            "data": {"method": "update", "state": state, "buffer_paths": []},
        }
        t0 = time.perf_counter()
        msg_id = self._send("comm_msg", content)
        if state.get("value", self.kernel_value) != self.kernel_value:
            self.sent[msg_id] = t0
            self.kernel_value = state["value"]
        else:  # after merged moves the slider came back to the value the kernel already has:
            self.repeats += 1  # the kernel's widget does not change, so no new image comes
        self.slider_msgs[msg_id] = model.comm_id
        model.pending += 1
        for attr in state:  # rememberLastUpdateFor
            model.expected_echo[attr] = msg_id

    def move_slider(self, value: float) -> None:
        """The user sets the slider: send now, or wait behind the update in flight."""
        model = self.models[self.slider_id]
        model.state["value"] = value
        self.moves += 1
        if model.pending >= 1:
            model.buffer = {**(model.buffer or {}), "value": value}
        else:
            self._send_update(model, {"value": value})

    def slider_path(self, span: int = 8) -> list[float]:
        """Values a drag passes through: the log slider's grid (``base ** exponent``, as the
        front-end computes it) up to ``span`` steps above and below its start, there and back,
        beginning with the step after the start."""
        state = self.models[self.slider_id].state
        base, step = state["base"], state["step"]
        lo, hi = state["min"], state["max"]
        start = round((math.log(state["value"], base) - lo) / step)
        ks = list(range(max(0, start - span), min(round((hi - lo) / step), start + span) + 1))
        if len(ks) < 2:
            raise StudentError(f"{self.user}: the slider has fewer than two positions")
        cycle = ks + ks[-2:0:-1]  # there and back
        first = ks.index(start) + 1
        return [base ** (lo + k * step) for k in cycle[first:] + cycle[:first]]

    async def drag(self, seconds: float, rate: float, phase: float, drain: float) -> None:
        """Move the slider ``rate`` times a second for ``seconds`` (back and forth over its
        values), starting ``phase`` s late; then wait up to ``drain`` s for the last images."""
        path = self.slider_path()
        start = asyncio.get_running_loop().time() + phase
        for tick in range(round(seconds * rate)):
            delay = start + tick / rate - asyncio.get_running_loop().time()
            await asyncio.sleep(max(0.0, delay))
            self.move_slider(path[tick % len(path)])
        deadline = asyncio.get_running_loop().time() + drain
        model = self.models[self.slider_id]
        while asyncio.get_running_loop().time() < deadline and (
            model.pending or model.buffer or len(self.images) < len(self.sent)
        ):
            self.check()
            await asyncio.sleep(0.02)
        self.check()

    def latencies_ms(self) -> list[float]:
        return [(self.images[m] - t) * 1e3 for m, t in self.sent.items() if m in self.images]
