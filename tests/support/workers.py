"""Two real backend workers sharing Redis and the test database, behind one address.

What production runs (docs/deploy.md), taken apart so a test can steer it: the frontend is exported once
for the proxy's address, each worker is its own granian process serving that build and the backend (so
one can be stopped and started again), Redis holds the browsers' states, and a small TCP proxy sends
every new connection to the worker the test chooses. Switching drops the open connections, as a worker
going away does: the browser reconnects through the proxy to the other worker.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import httpx

REPO_ROOT = Path(__file__).resolve().parent.parent.parent
BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until(check, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if check():
                return
        except Exception:  # not up yet
            pass
        time.sleep(0.2)
    raise AssertionError(f"{what} did not come up within {timeout:.0f} s")


class SwitchProxy:
    """A TCP proxy on 127.0.0.1: each accepted connection goes to `targets[self.current]`."""

    def __init__(self, port: int, targets: list[int]):
        self.port, self.targets, self.current = port, targets, 0
        self.connections: Counter[int] = Counter()  # connections sent to each target index
        self._open: set[asyncio.StreamWriter] = set()
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> "SwitchProxy":
        self._thread.start()
        self._ready.wait(10)
        return self

    def __exit__(self, *exc) -> None:
        asyncio.run_coroutine_threadsafe(self._shutdown(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(5)
        self._loop.close()

    async def _shutdown(self) -> None:
        """Stop listening, cut every pipe and wait for their tasks: nothing is left for the collector."""
        self._server.close()
        for writer in list(self._open):
            writer.close()
        tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    def use(self, index: int) -> None:
        """Send new connections to worker `index` and cut the open ones (the browser reconnects)."""
        self.current = index
        done = threading.Event()

        def cut():
            for writer in list(self._open):
                writer.close()
            self._open.clear()
            done.set()

        self._loop.call_soon_threadsafe(cut)
        done.wait(5)

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        self._server = self._loop.run_until_complete(asyncio.start_server(self._serve, "127.0.0.1", self.port))
        self._ready.set()
        self._loop.run_forever()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        index = self.current
        try:
            up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.targets[index])
        except OSError:
            writer.close()
            return
        self.connections[index] += 1
        self._open.update((writer, up_writer))

        async def pipe(src: asyncio.StreamReader, dst: asyncio.StreamWriter) -> None:
            try:
                while data := await src.read(65536):
                    dst.write(data)
                    await dst.drain()
            except (ConnectionError, OSError):
                pass
            finally:
                dst.close()

        await asyncio.gather(pipe(reader, up_writer), pipe(up_reader, writer))
        self._open.difference_update((writer, up_writer))


class Worker:
    """One backend worker process (granian, one process) serving the exported frontend too."""

    def __init__(self, name: str, port: int, env: dict, log_dir: Path):
        self.name, self.port, self.env = name, port, env
        self.log_path = log_dir / f"worker-{name}.log"
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        self.launch()
        self.wait_ready()

    def launch(self) -> None:
        log = self.log_path.open("a")
        self.proc = subprocess.Popen(
            [str(BIN / "granian"), "--interface", "asgi", "--factory", "--host", "127.0.0.1", "--port",
             str(self.port), "--workers", "1", "--log-level", "info", "portal_app.portal_app:app"],
            cwd=REPO_ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        log.close()

    def wait_ready(self) -> None:
        wait_until(lambda: httpx.get(f"http://127.0.0.1:{self.port}/ping", timeout=2).status_code == 200,
                   120, f"worker {self.name}")

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        os.killpg(self.proc.pid, signal.SIGTERM)  # the process group this worker leads, nothing else
        try:
            self.proc.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(10)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""


def start_redis(port: int, log_dir: Path) -> subprocess.Popen:
    """A private Redis on loopback, nothing written to disk."""
    log = (log_dir / "redis.log").open("a")
    proc = subprocess.Popen(["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                             "--appendonly", "no", "--daemonize", "no"],
                            stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    log.close()

    def pong() -> bool:
        with socket.create_connection(("127.0.0.1", port), timeout=1) as s:
            s.sendall(b"PING\r\n")
            return s.recv(16).startswith(b"+PONG")

    wait_until(pong, 20, "redis")
    return proc


def export_frontend(env: dict, log_dir: Path, proxy_port: int) -> None:
    """The production build, made for the proxy's address (the browser opens its event socket there).
    GUICHET_WORKERS_PORT=<port> (a rerun while working on this test) keeps a build already made for it."""
    env_json = REPO_ROOT / ".web" / "env.json"
    if (os.environ.get("GUICHET_WORKERS_PORT") and env_json.exists()
            and f"//localhost:{proxy_port}/" in env_json.read_text()
            and (REPO_ROOT / ".web" / "build" / "client" / "index.html").exists()):
        return
    # Without prerendered pages (--no-ssr): the workers serve the same app as a single-page one. The
    # prerender fetches each page with a 10 s timeout, which a loaded machine misses; deploy/stack-up.sh
    # builds with it, as production does.
    for attempt in (1, 2):
        with (log_dir / f"export-{attempt}.log").open("w") as log:
            done = subprocess.run([str(BIN / "reflex"), "export", "--frontend-only", "--no-zip", "--env", "prod",
                                   "--no-ssr"],
                                  cwd=REPO_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, timeout=900)
        if done.returncode == 0:
            return
        (REPO_ROOT / "test-artifacts").mkdir(exist_ok=True)
        shutil.copy(log_dir / f"export-{attempt}.log", REPO_ROOT / "test-artifacts" / f"workers-export-{attempt}.log")
    raise AssertionError("the frontend export failed twice: see test-artifacts/workers-export-2.log")


def worker_env(proxy_port: int, redis_port: int) -> dict:
    """The test's settings (its database, data dir and secret) plus what a scaled-out worker has."""
    api = f"http://localhost:{proxy_port}"
    return {**os.environ,
            "REFLEX_REDIS_URL": f"redis://127.0.0.1:{redis_port}",
            "REFLEX_API_URL": api, "API_URL": api,
            # what `reflex run --env prod` sets for its backend (Reflex's internal names start with "__")
            "REFLEX_ENV_MODE": "prod", "__REFLEX_MOUNT_FRONTEND_COMPILED_APP": "true",
            "__REFLEX_SKIP_COMPILE": "true",
            # real dispatchers: every worker runs the outbox loop and the jobs beside the server
            "GUICHET_NOTIFY_SYNC": "0", "GUICHET_JOBS": "all",
            "GUICHET_LOGIN_IP_CAP": "1000000"}
