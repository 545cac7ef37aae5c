"""A simulated browser tab speaking Reflex 0.10.1's socket.io protocol, as the compiled
`.web/utils/state.js` and `context.jsx` do:

* one socket.io connection per tab to `/_event?token=<uuid4>`, namespace `/_event`, websocket;
* the CONNECT packet's auth carries `{"event": <hydrate_and_load>, "state_schema": <hash>}`; on the
  first connect the hydrate payload holds `hashes` (the compiled initial state's per-state hashes,
  so the server only sends what differs) and `vars` (the browser's cookies for `rx.Cookie` vars,
  keyed `<full state name>.<var>_rx_state_`);
* an event is `{"name": "<full state name>.<handler>", "payload": {...},
  "router_data": {"pathname": ..., "asPath": ...}}`, emitted as socket.io event "event";
* the server answers with "event" messages `{"delta": {state: {var_rx_state_: value}}, "events": [...]}`
  — one delta per handler (none when nothing changed), then any frontend events (`_redirect`, …).
* a client-side navigation (e.g. after `_redirect`) sends `update_vars_internal` with the cookies,
  then `on_load_internal`; the page's on_load handlers follow on the server, and
  `is_hydrated` flips back to true at the end.
"""

from __future__ import annotations

import asyncio
import json
import re
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import socketio

ROOT_STATE = "reflex___state____state"
HYDRATE = f"{ROOT_STATE}.hydrate_and_load"
UPDATE_VARS = f"{ROOT_STATE}.reflex___state____update_vars_internal_state.update_vars_internal"
ON_LOAD_INTERNAL = f"{ROOT_STATE}.reflex___state____on_load_internal_state.on_load_internal"
FIELD = "_rx_state_"
IS_HYDRATED = "is_hydrated" + FIELD


@dataclass(frozen=True)
class Frontend:
    """What the compiled frontend sends on connect (read from the build's context.jsx)."""

    initial_state_hashes: list[str]
    state_schema: str
    cookies: dict[str, str]  # "<state>.<var>_rx_state_" -> cookie name

    @classmethod
    def from_web_dir(cls, web_dir: Path) -> "Frontend":
        text = (web_dir / "utils" / "context.jsx").read_text()
        hashes = re.search(r"export const initialStateHashes = (\[.*?\])", text)
        schema = re.search(r'export const stateSchema = ("[^"]*")', text)
        storage = re.search(r"export const clientStorage = (\{.*\})\s*$", text, re.M)
        cookies = {}
        if storage:
            cookies = {k: v.get("name", k) for k, v in json.loads(storage.group(1)).get("cookies", {}).items()}
        return cls(json.loads(hashes.group(1)) if hashes else [], json.loads(schema.group(1)) if schema else "",
                   cookies)


class ProtocolError(Exception):
    """The server answered, but not what the step expected (e.g. redirected to /login)."""


@dataclass
class Update:
    at: float
    delta: dict[str, dict[str, Any]]
    events: list[dict[str, Any]]

    def redirect(self) -> str | None:
        for ev in self.events:
            if ev.get("name") == "_redirect":
                return (ev.get("payload") or {}).get("path")
        return None


@dataclass
class Browser:
    """One tab: its own token, cookie jar and copy of the state the server has sent."""

    url: str
    frontend: Frontend
    token: str = field(default_factory=lambda: str(uuid.uuid4()))
    cookies: dict[str, str] = field(default_factory=dict)  # cookie name -> value
    state: dict[str, dict[str, Any]] = field(default_factory=dict)
    path: str = "/"

    def __post_init__(self) -> None:
        self._sio = socketio.AsyncClient(reconnection=False, request_timeout=60)
        self._updates: asyncio.Queue[Update] = asyncio.Queue()
        self._sio.on("event", self._on_event, namespace="/_event")

    async def _on_event(self, data: Any) -> None:
        if isinstance(data, str):
            data = json.loads(data)
        update = Update(time.perf_counter(), data.get("delta") or {}, data.get("events") or [])
        self._apply(update)
        self._updates.put_nowait(update)

    def _apply(self, update: Update) -> None:
        """Merge the delta like the frontend's reducers, and store cookie vars like the browser."""
        # Like applyClientStorageDelta: a snapshot sent before hydration ends never writes storage.
        writes_storage = update.delta.get(ROOT_STATE, {}).get(IS_HYDRATED) is not False
        for state_name, values in update.delta.items():
            self.state.setdefault(state_name, {}).update(values)
            for var, value in values.items():
                cookie = self.frontend.cookies.get(f"{state_name}.{var}")
                if cookie is not None and writes_storage:
                    if value in ("", None):
                        self.cookies.pop(cookie, None)
                    else:
                        self.cookies[cookie] = str(value)
        for ev in update.events:
            if ev.get("name") == "_remove_cookie":
                self.cookies.pop((ev.get("payload") or {}).get("key"), None)

    def value(self, state_name: str, var: str, default: Any = None) -> Any:
        return self.state.get(state_name, {}).get(var + FIELD, default)

    def _client_storage_vars(self) -> dict[str, str]:
        by_name = {name: key for key, name in self.frontend.cookies.items()}
        return {by_name[name]: value for name, value in self.cookies.items() if name in by_name}

    def _router(self, path: str) -> dict[str, str]:
        return {"pathname": path.split("?")[0], "asPath": path}

    def _drain(self) -> None:
        while not self._updates.empty():
            self._updates.get_nowait()

    async def _wait(self, t0: float, done: Callable[[Update, list[Update]], bool], timeout: float) -> float:
        seen: list[Update] = []
        deadline = t0 + timeout
        while True:
            remaining = deadline - time.perf_counter()
            if remaining <= 0:
                raise TimeoutError(f"no complete answer within {timeout:.0f} s ({len(seen)} updates)")
            update = await asyncio.wait_for(self._updates.get(), remaining)
            seen.append(update)
            if done(update, seen):
                return (update.at - t0) * 1000.0

    @staticmethod
    def _hydrated(update: Update, seen: list[Update]) -> bool:
        return update.delta.get(ROOT_STATE, {}).get(IS_HYDRATED) is True

    async def open(self, path: str, timeout: float = 60) -> float:
        """Open `path` as a fresh page load: connect, hydrate, run its on_load; ms until hydrated."""
        self.path = path
        payload: dict[str, Any] = {"hashes": self.frontend.initial_state_hashes}
        if storage := self._client_storage_vars():
            payload["vars"] = storage
        boot = {"name": HYDRATE, "payload": payload, "router_data": self._router(path)}
        headers = {}
        if self.cookies:  # the browser sends its cookies with the websocket upgrade too
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        t0 = time.perf_counter()
        await self._sio.connect(f"{self.url}?token={self.token}", headers=headers, transports=["websocket"],
                                namespaces=["/_event"], socketio_path="/_event", wait_timeout=timeout,
                                auth={"event": boot, "state_schema": self.frontend.state_schema})
        return await self._wait(t0, self._hydrated, timeout)

    async def call(self, handler: str, payload: dict[str, Any] | None = None, *,
                   done: Callable[[Update, list[Update]], bool] | None = None, timeout: float = 60) -> float:
        """Send one event; ms until `done` says the answer is complete (default: the first update)."""
        self._drain()
        event = {"name": handler, "payload": payload or {}, "router_data": self._router(self.path)}
        t0 = time.perf_counter()
        await self._sio.emit("event", event, namespace="/_event")
        return await self._wait(t0, done or (lambda u, s: True), timeout)

    async def load_page(self, path: str, timeout: float = 60) -> float:
        """One page-load event (`on_load_internal`: the route's on_load chain, then hydrated); ms."""
        self._drain()
        self.path = path
        event = {"name": ON_LOAD_INTERNAL, "payload": {}, "router_data": self._router(path)}
        t0 = time.perf_counter()
        await self._sio.emit("event", event, namespace="/_event")
        return await self._wait(t0, self._hydrated, timeout)

    async def navigate(self, path: str, timeout: float = 60) -> tuple[float, list[Update]]:
        """Client-side navigation (what follows a `_redirect`): cookies, then the page's on_load."""
        self._drain()
        self.path = path
        rd = self._router(path)
        events = []
        if storage := self._client_storage_vars():
            events.append({"name": UPDATE_VARS, "payload": {"vars": storage}, "router_data": rd})
        events.append({"name": ON_LOAD_INTERNAL, "payload": {}, "router_data": rd})
        seen_all: list[Update] = []

        def done(update: Update, seen: list[Update]) -> bool:
            seen_all[:] = seen
            return self._hydrated(update, seen)

        t0 = time.perf_counter()
        for ev in events:
            await self._sio.emit("event", ev, namespace="/_event")
        ms = await self._wait(t0, done, timeout)
        return ms, seen_all

    async def close(self) -> None:
        try:
            await self._sio.disconnect()
        except Exception:  # noqa: BLE001 - closing a dead socket is fine
            pass
