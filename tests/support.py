"""Test helpers shared by the suites: waiting, and running a real worker process."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import uvicorn

from services.settings import Settings

T = TypeVar("T")


def wait_for(
    check: Callable[[], T], *, timeout: float = 20.0, interval: float = 0.05, what: str = "condition"
) -> T:
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
        argv = [
            sys.executable,
            "-m",
            self.module,
            "worker",
            "-c",
            str(self.concurrency),
            "--loglevel",
            "INFO",
        ]
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


class ApiServer:
    """The webhook API (services.api.create_app) served by a real uvicorn on 127.0.0.1, in a thread."""

    def __init__(self, settings: Settings) -> None:
        from services.embedded import free_port

        self.settings = settings
        self.port = free_port()
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        """Base URL, e.g. http://127.0.0.1:40123."""
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> ApiServer:
        """Start serving and wait until uvicorn has run the app's startup."""
        from services.api import create_app

        app = create_app(self.settings)
        config = uvicorn.Config(
            app,
            host="127.0.0.1",
            port=self.port,
            log_level="warning",
            lifespan="on",
            timeout_graceful_shutdown=5,
        )
        server = self._server = uvicorn.Server(config)
        thread = self._thread = threading.Thread(target=server.run, name=f"api-{self.port}", daemon=True)
        thread.start()
        wait_for(lambda: server.started or not thread.is_alive(), timeout=15, what="API server started")
        if not server.started:
            raise AssertionError("the API server failed to start (see the log above)")
        return self

    def stop(self) -> None:
        """Ask uvicorn to exit (it runs the app's shutdown) and wait for the thread."""
        if self._server is not None and self._thread is not None:
            self._server.should_exit = True
            self._thread.join(15)


def signed_headers(
    secret: str, body: bytes, *, msg_id: str | None = None, timestamp: int | None = None
) -> dict[str, str]:
    """Standard Webhooks headers for this body, signed with a whsec_ secret."""
    from services.api.auth import sign

    msg_id = msg_id or f"msg_{uuid.uuid4().hex}"
    timestamp = int(time.time()) if timestamp is None else timestamp
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": sign(secret, msg_id, timestamp, body),
    }
