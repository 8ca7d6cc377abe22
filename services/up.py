"""`newswire up`: every role on this machine as child processes, with an embedded Redis if none is set.

A child that dies is reported (with the end of its log) and `up` then stops everything else and
exits 1: a crash loop hidden behind restarts is worse on a developer's machine than a loud stop.
Ctrl-C or SIGTERM stops the intake first (fetcher, API), then the worker (Celery warm shutdown:
the running task finishes; acks_late means anything unfinished is redelivered next time), then
the embedded Redis, which writes its append-only file on the way out.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import IO

import redis
from pydantic import RedisDsn

from services.embedded import EmbeddedRedis
from services.settings import Settings

# Start order; they stop in the reverse order, so intake stops before the worker drains.
ROLES = ("worker", "api", "fetcher")
STATE_FILE = "up.json"
# Written when NEWSWIRE_SOURCES is not set: the fetcher watches the local inbox folder.
LOCAL_SOURCES = """\
# Written by `newswire up`: files dropped into the inbox folder are ingested.
# Set NEWSWIRE_SOURCES to a file of your own to poll feeds and pages too (see deploy/sources.toml).
[[inboxes]]
path = "{inbox}"
"""


@dataclass(frozen=True)
class UpOptions:
    """What `newswire up` was asked to run."""

    data_dir: Path
    api_host: str = "127.0.0.1"
    api_port: int = 8000
    worker_metrics_port: int = 9101
    concurrency: int = 2
    samples: bool = True
    grace_seconds: float = 90.0
    interval: float = 1.0


@dataclass
class Child:
    """One role running as `python -m services.cli <role> ...`, in its own session."""

    role: str
    argv: list[str]
    log_path: Path
    process: subprocess.Popen[bytes] | None = None

    def start(self, env: dict[str, str]) -> None:
        """Start the role with its output appended to its log file."""
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with self.log_path.open("ab") as log:
            # A session of its own: a Ctrl-C in the terminal reaches only `up`, which then stops
            # the roles in order instead of all at once.
            self.process = subprocess.Popen(
                self.argv, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, env=env,
                start_new_session=True,
            )  # fmt: skip

    @property
    def exit_code(self) -> int | None:
        """The exit code once it ended (negative: killed by that signal), else None."""
        return None if self.process is None else self.process.poll()

    def stop(self, grace: float, force: Callable[[], bool]) -> None:
        """SIGTERM the role, wait up to `grace` seconds, then SIGKILL whatever is left of its group."""
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            deadline = time.monotonic() + grace
            while self.process.poll() is None and time.monotonic() < deadline and not force():
                time.sleep(0.05)
        # Also reaps what the role left behind (a pool process whose parent was killed).
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()

    def log_tail(self, lines: int = 15) -> str:
        """The last lines of the role's log."""
        try:
            text = self.log_path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])


@dataclass
class Supervisor:
    """Runs the roles and Redis, shows the status line, stops everything on a signal."""

    settings: Settings
    options: UpOptions
    available: Collection[str]
    out: IO[str] = field(default_factory=lambda: sys.stderr)
    children: list[Child] = field(default_factory=list)
    redis_server: EmbeddedRedis | None = None
    _signal: int | None = None
    _forced: bool = False
    _line_open: bool = False

    def run(self) -> int:
        """Start everything, watch it until a signal or a dead child; the exit code."""
        previous = {sig: signal.signal(sig, self._on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}
        code = 0
        try:
            try:
                url = self._start_redis()
            except RuntimeError as exc:  # the server would not start: say why, no traceback
                self._say(str(exc))
                return 1
            self._start_roles(url)
            if self.options.samples and self._signal is None:
                self._ingest_samples(url)
            self._write_state(url)
            code = self._watch(url)
        finally:
            self._shutdown()
            for sig, handler in previous.items():
                signal.signal(sig, handler)
        return code

    def _on_signal(self, signum: int, frame: FrameType | None) -> None:
        if self._signal is not None:
            self._forced = True  # a second Ctrl-C: stop waiting for graceful exits
        self._signal = signum

    def _say(self, message: str) -> None:
        if self._line_open:
            self.out.write("\n")
            self._line_open = False
        self.out.write(f"newswire up: {message}\n")
        self.out.flush()

    def _start_redis(self) -> str:
        if "redis_url" in self.settings.model_fields_set:
            url = str(self.settings.redis_url)
            self._say(f"using Redis at {url} (NEWSWIRE_REDIS_URL)")
            return url
        data = self.options.data_dir / "redis"
        self.redis_server = EmbeddedRedis(data, appendonly=True).start()
        self._say(f"started embedded Redis at {self.redis_server.url} (append-only data in {data})")
        return self.redis_server.url

    def _child_env(self, url: str) -> dict[str, str]:
        env = dict(os.environ, NEWSWIRE_REDIS_URL=url, PYTHONUNBUFFERED="1")
        if not env.get("NEWSWIRE_SOURCES"):
            inbox = (self.options.data_dir / "inbox").resolve()
            inbox.mkdir(parents=True, exist_ok=True)
            sources = self.options.data_dir / "sources.toml"
            sources.write_text(LOCAL_SOURCES.format(inbox=inbox.as_posix()), encoding="utf-8")
            env["NEWSWIRE_SOURCES"] = str(sources.resolve())
        if self.options.worker_metrics_port:
            env["NEWSWIRE_WORKER_METRICS_PORT"] = str(self.options.worker_metrics_port)
        if not self._api_credentials_configured():
            env["NEWSWIRE_API_TOKENS"] = self._local_api_token()
        return env

    def _api_credentials_configured(self) -> bool:
        s = self.settings
        return bool(
            s.api_tokens.get_secret_value()
            or s.webhook_secrets.get_secret_value()
            or s.api_allow_unauthenticated
        )

    def _local_api_token(self) -> str:
        # No credentials configured: rather than run the webhook open, make a token for this data
        # folder (kept across runs) and say where it is, so a newcomer can post right away.
        path = self.options.data_dir / "api-token"
        if path.exists():
            token = path.read_text(encoding="utf-8").strip()
        else:
            token = secrets.token_urlsafe(24)
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(token + "\n", encoding="utf-8")
            path.chmod(0o600)
        self._say(f"api: no credentials configured; using the bearer token in {path}")
        return token

    def _argv(self, role: str) -> list[str]:
        argv = [sys.executable, "-m", "services.cli", role]
        if role == "worker":
            argv += ["--concurrency", str(self.options.concurrency)]
        if role == "api":
            argv += ["--host", self.options.api_host, "--port", str(self.options.api_port)]
        return argv

    def _start_roles(self, url: str) -> None:
        env = self._child_env(url)
        logs = self.options.data_dir / "logs"
        for role in ROLES:
            if self._signal is not None:
                return
            if role not in self.available:
                self._say(f"{role}: skipped (this version has no `newswire {role}` command)")
                continue
            child = Child(role, self._argv(role), logs / f"{role}.log")
            child.start(env)
            self.children.append(child)
            self._say(
                f"{role}: started, pid {child.process.pid if child.process else '?'}{self._where(role)}"
            )

    def _where(self, role: str) -> str:
        log = f", log {self.options.data_dir / 'logs' / f'{role}.log'}"
        if role == "api":
            return f", http://{self.options.api_host}:{self.options.api_port}{log}"
        if role == "worker" and self.options.worker_metrics_port:
            return f", metrics http://127.0.0.1:{self.options.worker_metrics_port}/metrics{log}"
        return log

    def _ingest_samples(self, url: str) -> None:
        from services.queue import Enqueuer
        from services.samples import sample_documents

        settings = self.settings.model_copy(update={"redis_url": RedisDsn(url)})
        documents = sample_documents()
        enqueuer = Enqueuer(settings)
        try:
            enqueuer.submit(documents)
        finally:
            enqueuer.close()
        self._say(f"queued {len(documents)} bundled sample documents (channel 'sample')")

    def _write_state(self, url: str) -> None:
        # `newswire status` run in the same folder reads this to find the embedded Redis.
        state = {
            "pid": os.getpid(),
            "redis_url": url,
            "roles": {c.role: c.process.pid for c in self.children if c.process},
        }
        (self.options.data_dir / STATE_FILE).write_text(json.dumps(state), encoding="utf-8")

    def _watch(self, url: str) -> int:
        from services.status import collect, status_line

        self._say("running; Ctrl-C stops everything")
        client = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
        last = ""
        try:
            while self._signal is None:
                if self._dead():
                    return 1
                try:
                    line = status_line(collect(client, self.settings))
                except redis.RedisError as exc:
                    line = f"Redis not answering: {exc}"
                self._show(line, changed=line != last)
                last = line
                self._sleep(self.options.interval)
        finally:
            client.close()
        self._say(f"{signal.Signals(self._signal).name}: stopping")
        return 0

    def _dead(self) -> bool:
        if self.redis_server and self.redis_server.process and self.redis_server.process.poll() is not None:
            self._say(f"embedded Redis exited with code {self.redis_server.process.returncode}; stopping")
            return True
        for child in self.children:
            code = child.exit_code
            if code is not None:
                how = (
                    f"was killed by {signal.Signals(-code).name}" if code < 0 else f"exited with code {code}"
                )
                self._say(
                    f"{child.role} {how}; stopping the rest. End of {child.log_path}:\n{child.log_tail()}"
                )
                return True
        return False

    def _show(self, line: str, *, changed: bool) -> None:
        if self.out.isatty():
            # Redraw in place: carriage return, the line, erase what is left of the old one.
            self.out.write(f"\r{line}\x1b[K")
            self._line_open = True
        elif changed:
            self.out.write(f"{line}\n")
        self.out.flush()

    def _sleep(self, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while self._signal is None and time.monotonic() < deadline:
            time.sleep(0.05)

    def _shutdown(self) -> None:
        for child in reversed(self.children):
            grace = self.options.grace_seconds if child.role == "worker" else 15.0
            child.stop(grace, lambda: self._forced)
            self._say(f"{child.role}: stopped ({_how(child.exit_code)})")
        if self.redis_server is not None:
            self.redis_server.stop()
            self._say("embedded Redis: stopped")
        (self.options.data_dir / STATE_FILE).unlink(missing_ok=True)


def _how(code: int | None) -> str:
    if code is None:
        return "never started"
    return f"signal {signal.Signals(-code).name}" if code < 0 else f"exit code {code}"


def read_state(data_dir: Path) -> dict[str, object] | None:
    """What a running `newswire up` in this data folder wrote (its Redis URL), or None."""
    try:
        state = json.loads((data_dir / STATE_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return state if isinstance(state, dict) else None
