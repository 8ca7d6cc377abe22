"""Prometheus metrics of the fetcher: every fetch outcome counted, by kind and reason."""

from __future__ import annotations

import threading
from wsgiref.simple_server import WSGIServer

from prometheus_client import CollectorRegistry, Counter, Gauge, start_http_server

OUTCOMES = ("ok", "not_modified", "blocked", "failed")


class FetchMetrics:
    """Counters in a registry of their own (several fetchers in one test process never clash)."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.fetches = Counter(
            "newswire_fetch",
            "Fetches by outcome (ok, not_modified, blocked, failed) and reason (e.g. http_503, robots).",
            ["kind", "outcome", "reason"],
            registry=self.registry,
        )
        self.documents = Counter(
            "newswire_fetch_documents",
            "Documents handed to the workers, by channel.",
            ["channel"],
            registry=self.registry,
        )
        self.sources_error = Gauge(
            "newswire_fetch_sources_error",
            "1 while the sources file is invalid (the last good one is used).",
            registry=self.registry,
        )
        self._server: WSGIServer | None = None
        self._thread: threading.Thread | None = None

    def count(self, kind: str, outcome: str, reason: str = "") -> None:
        """Count one fetch of `kind` (feed, page, article, request, robots) with its outcome."""
        self.fetches.labels(kind=kind, outcome=outcome, reason=reason).inc()

    def value(self, kind: str, outcome: str, reason: str = "") -> float:
        """The current count of one outcome (for status output and tests)."""
        sample = self.registry.get_sample_value(
            "newswire_fetch_total", {"kind": kind, "outcome": outcome, "reason": reason}
        )
        return sample or 0.0

    def serve(self, port: int, addr: str = "0.0.0.0") -> int:
        """Serve /metrics on `port` (0: any free port); returns the port bound."""
        self._server, self._thread = start_http_server(port, addr=addr, registry=self.registry)
        return int(self._server.server_port)

    def close(self) -> None:
        """Stop serving."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(5)
            self._thread = None
