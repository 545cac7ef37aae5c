"""A tiny threaded HTTP server on 127.0.0.1 for provider SDK tests.

It records every request (method, path, headers, body) and answers with scripted replies, so a
test can point the real SendGrid / Twilio SDKs at it and assert on what they actually sent.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

HOST = "127.0.0.1"  # the only address these tests ever talk to


@dataclass
class Reply:
    """One scripted answer. `raw` (if set) is written as is, instead of a proper HTTP response."""

    status: int = 200
    body: bytes | str | dict | list = b""
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    raw: bytes | None = None

    def encoded(self) -> tuple[bytes, dict[str, str]]:
        headers = dict(self.headers)
        body = self.body
        if isinstance(body, (dict, list)):
            body = json.dumps(body).encode()
            headers.setdefault("Content-Type", "application/json")
        elif isinstance(body, str):
            body = body.encode()
        return body, headers


@dataclass
class Recorded:
    method: str
    path: str
    query: str
    headers: dict[str, str]
    body: bytes

    def header(self, name: str, default: str | None = None) -> str | None:
        for key, value in self.headers.items():
            if key.lower() == name.lower():
                return value
        return default

    @property
    def json(self):
        return json.loads(self.body.decode("utf-8"))

    @property
    def form(self) -> dict[str, str]:
        """An urlencoded body as a dict (the last value of a repeated field)."""
        return {k: v[-1] for k, v in parse_qs(self.body.decode("utf-8"), keep_blank_values=True).items()}


class _Handler(BaseHTTPRequestHandler):
    server: "_Server"

    def _handle(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        parts = urlsplit(self.path)
        fake = self.server.fake
        fake._record(Recorded(self.command, parts.path, parts.query, dict(self.headers.items()), body))
        reply = fake._next_reply(parts.path)
        # A held server answers nothing until released (tests of background sends).
        fake.gate.wait(10)
        if reply.delay and fake.stopping.wait(reply.delay):
            return  # shutting down: drop the request
        try:
            if reply.raw is not None:
                self.wfile.write(reply.raw)
                self.wfile.flush()
                self.close_connection = True
                return
            data, headers = reply.encoded()
            self.send_response(reply.status)
            for key, value in headers.items():
                self.send_header(key, value)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
            self.wfile.flush()
        except OSError:  # the client gave up (timeout): nothing to answer to
            self.close_connection = True

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _handle

    def log_message(self, format, *args):  # keep test output quiet
        pass


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False

    def __init__(self, fake: "FakeHTTP"):
        self.fake = fake
        super().__init__((HOST, 0), _Handler)

    def handle_error(self, request, client_address):  # record, don't print
        import sys

        self.fake.errors.append(sys.exc_info()[1])


class FakeHTTP:
    """Usage: `with FakeHTTP() as srv: srv.set_reply("/v3/mail/send", Reply(202)); ... srv.requests`."""

    def __init__(self):
        self.requests: list[Recorded] = []
        self.errors: list[BaseException] = []
        self.gate = threading.Event()
        self.gate.set()
        self.stopping = threading.Event()
        self._lock = threading.Lock()
        self._routes: dict[str | None, list[Reply]] = {None: [Reply(404, {"error": "no route"})]}
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    # -- configuration -------------------------------------------------------------------
    def set_reply(self, path: str | None, *replies: Reply) -> None:
        """Replies for `path` (None: any path), used in order; the last one repeats."""
        assert replies
        with self._lock:
            self._routes[path] = list(replies)

    def hold(self) -> None:
        """Accept and record requests but answer none until `release()`."""
        self.gate.clear()

    def release(self) -> None:
        self.gate.set()

    # -- inspection ----------------------------------------------------------------------
    @property
    def url(self) -> str:
        assert self._server is not None
        return f"http://{HOST}:{self._server.server_address[1]}"

    @property
    def port(self) -> int:
        assert self._server is not None
        return self._server.server_address[1]

    def requests_to(self, path: str) -> list[Recorded]:
        with self._lock:
            return [r for r in self.requests if r.path == path]

    def is_alive(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    # -- internals -----------------------------------------------------------------------
    def _record(self, rec: Recorded) -> None:
        with self._lock:
            self.requests.append(rec)

    def _next_reply(self, path: str) -> Reply:
        with self._lock:
            queue = self._routes.get(path) or self._routes[None]
            return queue.pop(0) if len(queue) > 1 else queue[0]

    # -- lifecycle -----------------------------------------------------------------------
    def start(self) -> "FakeHTTP":
        self._server = _Server(self)
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                        name="fake-http", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self.stopping.set()
        self.gate.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(5)

    def __enter__(self) -> "FakeHTTP":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
