"""Helpers for the fetcher tests (no tests here): a real HTTP server on 127.0.0.1 serving
tests/fixtures/feeds with ETag/Last-Modified, recording every request, with scriptable routes."""

from __future__ import annotations

import hashlib
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType

from services.fetcher.policy import Resolver
from services.settings import Settings

FEEDS = Path(__file__).parent.parent / "fixtures" / "feeds"
LAST_MODIFIED = "Wed, 06 Mar 2024 12:00:00 GMT"
_TYPES = {".rss": "application/rss+xml", ".atom": "application/atom+xml", ".html": "text/html; charset=utf-8",
          ".txt": "text/plain; charset=utf-8", ".xml": "application/xml"}  # fmt: skip

Route = Callable[[BaseHTTPRequestHandler, int], None]


@dataclass(frozen=True)
class Seen:
    """One request the server received."""

    path: str
    headers: dict[str, str]
    at: float


@dataclass
class _State:
    base: str = ""
    requests: list[Seen] = field(default_factory=list)
    routes: dict[str, Route] = field(default_factory=dict)
    hits: dict[str, int] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)


class FixtureServer:
    """A threading HTTP server for the fixture feeds; `{base}` in a file becomes the server's URL."""

    def __init__(self, root: Path = FEEDS, host: str = "127.0.0.1") -> None:
        self.root = root
        self.state = _State()
        self._server = ThreadingHTTPServer((host, 0), _handler(root, self.state))
        self._server.daemon_threads = True
        self.port = int(self._server.server_address[1])
        self.state.base = f"http://{host}:{self.port}"
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05})

    @property
    def base(self) -> str:
        """http://127.0.0.1:PORT"""
        return self.state.base

    def url(self, path: str) -> str:
        """The full URL of a path on this server."""
        return self.base + path

    def route(self, path: str, handler: Route) -> None:
        """Answer `path` with `handler(request, hit_number)` instead of a fixture file."""
        self.state.routes[path] = handler

    def requests_for(self, path: str) -> list[Seen]:
        """Requests received for one path, in order."""
        with self.state.lock:
            return [seen for seen in self.state.requests if seen.path == path]

    def __enter__(self) -> FixtureServer:
        self._thread.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(5)


def _handler(root: Path, state: _State) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: object) -> None:
            pass

        def do_GET(self) -> None:
            path = self.path.split("?", 1)[0]
            headers = {k.lower(): v for k, v in self.headers.items()}
            with state.lock:
                hit = state.hits.get(path, 0) + 1
                state.hits[path] = hit
                state.requests.append(Seen(path, headers, time.monotonic()))
            if path in state.routes:
                state.routes[path](self, hit)
            else:
                self._serve_file(path)

        def _serve_file(self, path: str) -> int:
            file = (root / path.lstrip("/")).resolve()
            if root.resolve() not in file.parents or not file.is_file():
                return self.send_body(404, b"not found", "text/plain")
            body = file.read_bytes().replace(b"{base}", state.base.encode())
            etag = '"' + hashlib.sha256(body).hexdigest()[:16] + '"'
            if self.headers.get("If-None-Match") == etag or (
                "If-None-Match" not in self.headers and self.headers.get("If-Modified-Since") == LAST_MODIFIED
            ):
                self.send_response(304)
                self.send_header("ETag", etag)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return 304
            extra = {"ETag": etag, "Last-Modified": LAST_MODIFIED}
            return self.send_body(200, body, _TYPES.get(file.suffix, "application/octet-stream"), extra)

        def send_body(
            self, status: int, body: bytes, content_type: str, headers: dict[str, str] | None = None
        ) -> int:
            """Send a complete response."""
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(body)
            return status

    return Handler


def fixture_file(name: str, base: str) -> bytes:
    """A fixture's bytes as the server sends them."""
    return (FEEDS / name).read_bytes().replace(b"{base}", base.encode())


class Canary:
    """A TCP listener on 127.0.0.1 that counts every connection made to it."""

    def __init__(self) -> None:
        self._sock = socket.socket()
        self._sock.bind(("127.0.0.1", 0))
        self._sock.listen(64)
        self._sock.settimeout(0.05)
        self.port = int(self._sock.getsockname()[1])
        self.connections = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._accept)

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._sock.accept()
            except TimeoutError:
                continue
            self.connections += 1
            conn.close()

    def __enter__(self) -> Canary:
        self._thread.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._stop.set()
        self._thread.join(5)
        self._sock.close()


def fake_resolver(answers: dict[str, list[str]]) -> Resolver:
    """A resolver answering from a table; any other name does not resolve (tests never use real DNS)."""

    async def resolve(host: str, port: int) -> list[str]:
        if host.lower() in answers:
            return answers[host.lower()]
        raise OSError(f"fake DNS: no such host {host!r}")

    return resolve


def fetcher_settings(settings: Settings, **overrides: object) -> Settings:
    """The test settings made quick for fetching from 127.0.0.1 (allowed explicitly)."""
    values: dict[str, object] = {
        "fetch_allow": "127.0.0.1",
        "fetch_host_interval_seconds": 0.0,
        "fetch_host_concurrency": 4,
        "fetch_backoff_seconds": 0.2,
        "fetch_deadline_seconds": 10.0,
    }
    values.update(overrides)
    return settings.model_copy(update=values)
