"""Test helpers shared by the suites: waiting, and running a real worker process."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from services.settings import Settings

T = TypeVar("T")


def wait_for(check: Callable[[], T], *, timeout: float = 20.0, interval: float = 0.05, what: str = "condition") -> T:
    """Poll `check` until it returns something truthy; fail the test after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(interval)


def env_for(settings: Settings, **extra: str) -> dict[str, str]:
    """Environment for a child process that should see these settings."""
    env = dict(os.environ)
    env.update(
        NEWSWIRE_REDIS_URL=str(settings.redis_url),
        NEWSWIRE_NAMESPACE=settings.namespace,
        NEWSWIRE_QUEUE=settings.queue,
        NEWSWIRE_TASK_MAX_RETRIES=str(settings.task_max_retries),
        PYTHONUNBUFFERED="1",
    )
    env.update(extra)
    return env


class WorkerProcess:
    """`newswire worker` as a real child process (Celery prefork pool)."""

    # The module run with `python -m`; the fault suite runs a test-only entry point wrapping it.
    module = "services.cli"

    def __init__(self, settings: Settings, log_path: Path, *, concurrency: int = 1, **env: str) -> None:
        self.settings = settings
        self.log_path = log_path
        self.concurrency = concurrency
        self.env = env_for(settings, **env)
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> WorkerProcess:
        """Start the worker and wait until Celery says it is ready."""
        argv = [sys.executable, "-m", self.module, "worker", "-c", str(self.concurrency), "--loglevel", "INFO"]
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                argv, stdout=log, stderr=subprocess.STDOUT, env=self.env, start_new_session=True
            )
        wait_for(self._ready, timeout=30, what=f"worker ready (log: {self.log_path})")
        return self

    def _ready(self) -> bool:
        assert self.process is not None
        if self.process.poll() is not None:
            raise AssertionError(f"worker exited: {self.log_path.read_text(errors='replace')[-3000:]}")
        return b" ready." in self.log_path.read_bytes()

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 20.0) -> None:
        """Stop the worker and its pool processes."""
        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, sig)
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
