"""What the benchmark scripts share: a private Redis, worker processes, timing and the report."""

from __future__ import annotations

import json
import os
import platform
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import redis

from services.embedded import EmbeddedRedis
from services.settings import Settings

ROOT = Path(__file__).resolve().parents[1]


def _exit_on_sigterm(signum: int, frame: object) -> None:
    # SIGTERM (e.g. from `timeout`) becomes SystemExit, so every `with` block below stops the
    # Redis, workers and API it started instead of leaving them orphaned.
    raise SystemExit(128 + signum)


@contextmanager
def private_redis(appendonly: bool = True) -> Iterator[tuple[str, Path]]:
    """A redis-server of the bench's own on a free port (never the shared 6379), and a work dir.

    AOF is on by default, as in docker-compose, so publishing pays what it pays in production.
    """
    signal.signal(signal.SIGTERM, _exit_on_sigterm)
    with tempfile.TemporaryDirectory(prefix="newswire-bench-") as tmp:
        work = Path(tmp)
        with EmbeddedRedis(work / "redis", appendonly=appendonly) as server:
            yield server.url, work


def bench_settings(redis_url: str, namespace: str) -> Settings:
    """Settings for one bench scenario: its own namespace and queue on the private Redis."""
    return Settings(redis_url=redis_url, namespace=namespace, queue=namespace)


def wait_until(
    check: Callable[[], Any], *, timeout: float, interval: float = 0.005, what: str = "condition"
) -> None:
    """Poll `check` until truthy; raise TimeoutError after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(interval)


def stop_group(process: subprocess.Popen[bytes] | None, grace: float = 20.0) -> None:
    """Stop a child started in its own session, and its children: SIGTERM, SIGKILL after `grace` s."""
    if process is None or process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(grace)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


class Worker:
    """A Celery worker child process: `newswire worker`, or the bench-only no-op app."""

    def __init__(self, settings: Settings, log_path: Path, *, concurrency: int, noop: bool = False) -> None:
        self.settings = settings
        self.log_path = log_path
        self.concurrency = concurrency
        self.noop = noop
        self.process: subprocess.Popen[bytes] | None = None

    def argv(self) -> list[str]:
        """The command line: the production CLI, or celery -A on the no-op app with the same flags."""
        common = ["-c", str(self.concurrency), "--loglevel", "INFO"]
        if not self.noop:
            return [sys.executable, "-m", "services.cli", "worker", *common]
        name = f"noop@{socket.gethostname()}"
        return [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "bench.noop",
            "worker",
            "-Q",
            self.settings.queue,
            "-n",
            name,
            *common,
        ]

    def env(self) -> dict[str, str]:
        """The child's environment: the bench's Redis, namespace and queue."""
        env = dict(os.environ)
        env.update(
            NEWSWIRE_REDIS_URL=str(self.settings.redis_url),
            NEWSWIRE_NAMESPACE=self.settings.namespace,
            NEWSWIRE_QUEUE=self.settings.queue,
            PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")])),
            PYTHONUNBUFFERED="1",
        )
        return env

    def start(self) -> Worker:
        """Start the worker and wait until Celery logs that it is ready."""
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                self.argv(),
                stdout=log,
                stderr=subprocess.STDOUT,
                env=self.env(),
                cwd=ROOT,
                start_new_session=True,
            )
        wait_until(self._ready, timeout=60, interval=0.05, what=f"worker ready (log: {self.log_path})")
        return self

    def _ready(self) -> bool:
        assert self.process is not None
        if self.process.poll() is not None:
            raise RuntimeError(f"worker exited: {self.log_path.read_text(errors='replace')[-3000:]}")
        return b" ready." in self.log_path.read_bytes()

    def log_tail(self, chars: int = 3000) -> str:
        """The end of the worker's log, for error messages."""
        return self.log_path.read_text(errors="replace")[-chars:] if self.log_path.exists() else ""

    def wait(self, check: Callable[[], Any], *, timeout: float, what: str) -> None:
        """wait_until, failing with the worker's log tail when the worker died or never got there."""
        try:
            wait_until(check, timeout=timeout, what=what)
        except TimeoutError as exc:
            state = "exited" if self.process and self.process.poll() is not None else "running"
            raise RuntimeError(f"{exc} (worker {state}; log tail:)\n{self.log_tail()}") from None

    def pids(self) -> list[int]:
        """The worker's main process and its pool children."""
        import psutil

        assert self.process is not None
        main = psutil.Process(self.process.pid)
        return [main.pid, *(child.pid for child in main.children(recursive=True))]

    def cpu_seconds(self) -> float:
        """CPU time (user + system) the worker and its pool processes have used so far."""
        import psutil

        total = 0.0
        for pid in self.pids():
            try:
                times = psutil.Process(pid).cpu_times()
            except psutil.NoSuchProcess:
                continue
            total += times.user + times.system
        return total

    def stop(self) -> None:
        """Stop the worker and its pool (SIGTERM to the group, SIGKILL after 20 s)."""
        stop_group(self.process)

    def __enter__(self) -> Worker:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


class ApiServer:
    """`newswire api` as a child process on a free port of 127.0.0.1, with a bearer token."""

    TOKEN = "bench-token"

    def __init__(self, settings: Settings, log_path: Path) -> None:
        from services.embedded import free_port

        self.settings = settings
        self.log_path = log_path
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @staticmethod
    def available() -> bool:
        """True once the project has the webhook API (services/api/ and `newswire api`)."""
        return (ROOT / "services" / "api" / "app.py").exists()

    @property
    def url(self) -> str:
        """Base URL of the server."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def headers(self) -> dict[str, str]:
        """Headers that authenticate a request."""
        return {"Authorization": f"Bearer {self.TOKEN}"}

    def start(self) -> ApiServer:
        """Start the server and wait until /healthz answers."""
        import httpx

        env = Worker(self.settings, self.log_path, concurrency=1).env()
        # No rate limit: the bench is the only client and sends on purpose.
        env.update(NEWSWIRE_API_TOKENS=self.TOKEN, NEWSWIRE_API_RATE_LIMIT="0")
        argv = [sys.executable, "-m", "services.cli", "api", "--host", "127.0.0.1", "--port", str(self.port)]
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                argv, stdout=log, stderr=subprocess.STDOUT, env=env, cwd=ROOT, start_new_session=True
            )

        def healthy() -> bool:
            assert self.process is not None
            if self.process.poll() is not None:
                raise RuntimeError(f"api exited: {self.log_path.read_text(errors='replace')[-3000:]}")
            try:
                return httpx.get(self.url + "/healthz", timeout=1).status_code == 200
            except httpx.TransportError:
                return False

        wait_until(healthy, timeout=60, interval=0.1, what=f"api healthy (log: {self.log_path})")
        return self

    def stop(self) -> None:
        """Stop the server (SIGTERM, SIGKILL after 20 s)."""
        stop_group(self.process)

    def __enter__(self) -> ApiServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def tree_memory(pid: int) -> dict[str, float]:
    """RSS and PSS (MiB) of a process and all its children, summed (PSS counts shared pages once),
    and the RSS of the largest process."""
    import psutil

    try:
        root = psutil.Process(pid)
        processes = [root, *root.children(recursive=True)]
    except psutil.NoSuchProcess:
        return {"rss": 0.0, "pss": 0.0, "processes": 0}
    rss = pss = largest = 0.0
    for process in processes:
        try:
            info = process.memory_full_info()
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue
        rss += info.rss
        pss += getattr(info, "pss", info.rss)
        largest = max(largest, info.rss)
    mib = 2**20
    return {"rss": rss / mib, "pss": pss / mib, "largest_rss": largest / mib, "processes": len(processes)}


def client(url: str) -> redis.Redis:
    """A decoded Redis client for the bench process."""
    return redis.Redis.from_url(url, decode_responses=True)


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0..100) by nearest rank; values need not be sorted."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    rank = max(0, min(len(ordered) - 1, round(q / 100 * len(ordered) + 0.5) - 1))
    return ordered[rank]


def ratio(value: float, baseline: float) -> float:
    """value / baseline, rounded; NaN when there is no baseline."""
    return round(value / baseline, 3) if baseline else float("nan")


def machine() -> str:
    """A short description of this machine: CPU model, cores, memory, Python."""
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = ""
    try:
        import psutil

        memory = f", {psutil.virtual_memory().total / 2**30:.0f} GiB"
    except ImportError:
        pass
    return f"{cpu}, {os.cpu_count()} cores{memory}, Python {platform.python_version()}"


def load_average() -> float:
    """The 1-minute load average: above the core count, neighbours are taking CPU from the bench."""
    return round(os.getloadavg()[0], 2)


def report(bench: str, rows: Sequence[Sequence[Any]], header: Sequence[str], figures: dict[str, Any]) -> None:
    """Print a table, then one JSON line with the figures (the machine-readable result)."""
    cells = [[_cell(v) for v in row] for row in [header, *rows]]
    widths = [max(len(row[i]) for row in cells) for i in range(len(header))]
    for n, row in enumerate(cells):
        print(
            "  ".join(
                c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(row, widths, strict=True))
            )
        )
        if n == 0:
            print("  ".join("-" * w for w in widths))
    line = {
        "bench": bench,
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        "load_average": load_average(),
        **figures,
    }
    print(json.dumps(_finite(line), ensure_ascii=False, allow_nan=False, default=str), flush=True)


def _finite(value: Any) -> Any:
    # JSON has no NaN: a figure that could not be measured is null.
    if isinstance(value, float) and value != value:
        return None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(v) for v in value]
    return value


def _cell(value: Any) -> str:
    if isinstance(value, float):
        if value != value:  # NaN
            return "-"
        return f"{value:,.3f}" if abs(value) < 10 else f"{value:,.0f}"
    return str(value)
