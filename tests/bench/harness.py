"""Build and run a Reflex app in production mode in a throw-away directory, and watch its memory.

Nothing here touches the repository's own `.web/`: each app is copied into a temporary folder and
compiled there. Every process started is put in its own process group, so stopping kills the
whole tree (`reflex run`, the Granian supervisor and its worker).
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

import psutil

HOST = "127.0.0.1"
VENV_BIN = Path(sys.executable).parent
REPO = Path(__file__).resolve().parents[2]

# What the Makefile exports for every Reflex command (offline npm, no telemetry, no version check).
REFLEX_ENV = {
    "REFLEX_USE_NPM": "1",
    "REFLEX_TELEMETRY_ENABLED": "false",
    "REFLEX_CHECK_LATEST_VERSION": "false",
    "REFLEX_HTTP_CLIENT_BIND_ADDRESS": "0.0.0.0",
    "NPM_CONFIG_REGISTRY": "https://registry.npmjs.org/",
    "PYTHONUNBUFFERED": "1",
}
# Settings that would change what is measured (several workers, Redis, another app's database).
SCRUBBED = ("REFLEX_REDIS_URL", "REDIS_URL", "GRANIAN_WORKERS", "REFLEX_DB_URL", "REFLEX_ENV_MODE",
            "REFLEX_FRONTEND_PORT", "REFLEX_BACKEND_PORT", "REFLEX_STATE_MANAGER_MODE",
            "GUICHET_ENV", "SENDGRID_API_KEY", "TWILIO_ACCOUNT_SID", "GUICHET_SECRET_KEY")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def base_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    env = dict(os.environ)
    for name in SCRUBBED:
        env.pop(name, None)
    for key, value in REFLEX_ENV.items():
        env.setdefault(key, value)
    env["PATH"] = f"{VENV_BIN}{os.pathsep}{env.get('PATH', '')}"
    env["GRANIAN_WORKERS"] = "1"  # one backend worker, the embedded default
    env.update(extra or {})
    return env


def temporary_database(prefix: str, db_url: str | None = None, extra: dict[str, str] | None = None) -> Path:
    """In-process benches: point this process at a fresh temporary SQLite database (or `db_url`) and data
    folder, with providers that only log, then build it with the real migrations. Returns the folder."""
    tmp = Path(tempfile.mkdtemp(prefix=prefix))
    os.environ.update({
        "REFLEX_DB_URL": db_url or f"sqlite:///{tmp / 'bench.db'}",
        "GUICHET_DATA_DIR": str(tmp / "data"),
        "GUICHET_SECRET_KEY": "bench-secret-not-for-production",
        "GUICHET_EMAIL_PROVIDER": "console",
        "GUICHET_SMS_PROVIDER": "console",
        "REFLEX_TELEMETRY_ENABLED": "false",
        "REFLEX_CHECK_LATEST_VERSION": "false",
        **(extra or {}),
    })
    return tmp


def migrate_in_process() -> None:
    """`reflex db migrate` against the database this process points at."""
    subprocess.run([str(VENV_BIN / "reflex"), "db", "migrate"], cwd=REPO, env=os.environ, check=True,
                   capture_output=True)


def copy_tree(src: Path, dst: Path) -> None:
    if src.is_dir():
        shutil.copytree(src, dst, ignore=shutil.ignore_patterns("__pycache__", "*.pyc", ".web", ".states"))
    elif src.exists():
        shutil.copy2(src, dst)


class AppProcessError(RuntimeError):
    pass


class ReflexApp:
    """One app copied to `workdir`, run with `reflex run --env prod` on a single local port."""

    def __init__(self, name: str, workdir: Path, env: dict[str, str]):
        self.name = name
        self.workdir = workdir
        self.env = env
        self.port = free_port()
        self.proc: subprocess.Popen | None = None
        self.log_path = workdir.parent / f"{name}-server.log"
        self._log = None
        self.worker: psutil.Process | None = None
        self.started_s: float | None = None

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"

    def run_cli(self, *args: str, timeout: float = 300) -> None:
        """A one-off `reflex …` command in the app folder (e.g. `db migrate`)."""
        result = subprocess.run([sys.executable, "-m", "reflex", *args], cwd=self.workdir, env=self.env,
                                capture_output=True, text=True, timeout=timeout)
        if result.returncode != 0:
            raise AppProcessError(f"{self.name}: reflex {' '.join(args)} failed:\n{result.stdout[-3000:]}\n"
                                  f"{result.stderr[-3000:]}")

    def start(self, timeout: float = 420, attempts: int = 3) -> None:
        """Compile, build the production frontend and serve both on one port; wait for /ping. On a
        loaded machine the build's prerendering can time out (`reflex run` exits): tried again."""
        for attempt in range(1, attempts + 1):
            try:
                return self._start(timeout)
            except AppProcessError:
                if attempt == attempts or "Prerender" not in self.log_tail(200):
                    raise
                self.stop()
                time.sleep(5)

    def _start(self, timeout: float) -> None:
        t0 = time.monotonic()
        self._log = open(self.log_path, "w")
        cmd = [sys.executable, "-m", "reflex", "run", "--env", "prod", "--single-port",
               "--frontend-port", str(self.port), "--backend-port", str(self.port), "--backend-host", HOST,
               "--loglevel", "warning"]
        self.proc = subprocess.Popen(cmd, cwd=self.workdir, env=self.env, stdout=self._log,
                                     stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True)
        while True:
            if self.proc.poll() is not None:
                raise AppProcessError(f"{self.name}: `reflex run` exited with {self.proc.returncode}\n"
                                      + self.log_tail())
            if self._ping():
                break
            if time.monotonic() - t0 > timeout:
                raise AppProcessError(f"{self.name}: no answer on {self.url}/ping after {timeout:.0f} s\n"
                                      + self.log_tail())
            time.sleep(0.5)
        self.started_s = time.monotonic() - t0
        self.worker = self._find_worker()

    def _ping(self) -> bool:
        try:
            with urllib.request.urlopen(f"{self.url}/ping", timeout=2) as resp:
                return resp.status == 200 and b"pong" in resp.read()
        except (urllib.error.URLError, OSError, ValueError):
            return False

    def _find_worker(self) -> psutil.Process:
        """The process that owns the listening socket (Granian's worker, a child of `reflex run`)."""
        root = psutil.Process(self.proc.pid)
        deadline = time.monotonic() + 20
        while True:
            procs = [root, *root.children(recursive=True)]
            listening = []
            for p in procs:
                try:
                    conns = p.net_connections(kind="tcp")
                except (psutil.NoSuchProcess, psutil.AccessDenied):
                    continue
                if any(c.status == psutil.CONN_LISTEN and c.laddr and c.laddr.port == self.port for c in conns):
                    listening.append(p)
            # A supervisor may share the socket with its worker: the worker is the one without children.
            leaves = [p for p in listening if not p.children()]
            if leaves:
                return leaves[0]
            if listening:
                return listening[-1]
            if time.monotonic() > deadline:
                alive = [p for p in procs if p.is_running()]
                return max(alive, key=lambda p: p.memory_info().rss)
            time.sleep(0.3)

    def memory(self) -> dict[str, int]:
        """RSS and USS (private pages) of the backend worker, in bytes."""
        info = self.worker.memory_full_info()
        return {"rss": info.rss, "uss": info.uss}

    def settled_memory(self, *, settle_s: float = 2.0, samples: int = 5, every_s: float = 0.4) -> dict[str, int]:
        """Memory once the worker is idle: the median of a few samples after a pause."""
        self.wait_idle()
        time.sleep(settle_s)
        seen = []
        for _ in range(samples):
            seen.append(self.memory())
            time.sleep(every_s)
        mid = len(seen) // 2
        return {k: sorted(s[k] for s in seen)[mid] for k in ("rss", "uss")}

    def wait_idle(self, *, below: float = 0.05, window_s: float = 0.5, max_s: float = 30.0) -> float:
        """Wait until the worker uses less than `below` of a core (left-over sends, GC); seconds waited."""
        t0 = time.monotonic()
        while time.monotonic() - t0 < max_s:
            c0 = self.cpu_seconds()
            time.sleep(window_s)
            if (self.cpu_seconds() - c0) / window_s < below:
                break
        return time.monotonic() - t0

    def cpu_seconds(self) -> float:
        t = self.worker.cpu_times()
        return t.user + t.system

    def log_tail(self, lines: int = 40) -> str:
        try:
            text = self.log_path.read_text(errors="replace").splitlines()
        except OSError:
            return ""
        return "\n".join(text[-lines:])

    def stop(self) -> None:
        """SIGTERM to the whole process group, SIGKILL to whatever is left."""
        if self.proc is None:
            return
        pgid = self.proc.pid  # start_new_session: the group id is the leader's pid
        try:
            tree = [psutil.Process(self.proc.pid), *psutil.Process(self.proc.pid).children(recursive=True)]
        except psutil.NoSuchProcess:
            tree = []
        for sig in (signal.SIGTERM, signal.SIGKILL):
            try:
                os.killpg(pgid, sig)
            except ProcessLookupError:
                break
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                continue
            _, alive = psutil.wait_procs(tree, timeout=5)
            if not alive:
                break
        # Workers that left the group (none expected) are ended by pid.
        for p in tree:
            try:
                if p.is_running():
                    p.kill()
            except psutil.NoSuchProcess:
                pass
        if self._log:
            self._log.close()
            self._log = None
        self.proc = None
