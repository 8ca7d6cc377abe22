"""The API's Prometheus metrics, in a registry per app, and the ASGI middleware that records them."""

from __future__ import annotations

import time

from prometheus_client import CollectorRegistry, Counter, Histogram
from starlette.types import ASGIApp, Message, Receive, Scope, Send


class ApiMetrics:
    """Request counts and latencies by route, and what the webhook accepted."""

    def __init__(self) -> None:
        # A registry per app: tests and benchmarks build several apps in one process.
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "newswire_api_requests",
            "HTTP requests answered.",
            ["method", "route", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "newswire_api_request_duration_seconds",
            "Time to answer a request (SSE: the stream's whole life).",
            ["route"],
            buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10),
            registry=self.registry,
        )
        self.documents = Counter(
            "newswire_api_documents_accepted",
            "Documents queued through POST /v1/documents.",
            registry=self.registry,
        )
        self.fetch_urls = Counter(
            "newswire_api_fetch_urls_accepted",
            "URLs handed to the fetcher by POST /v1/fetch.",
            registry=self.registry,
        )
        self.replays = Counter(
            "newswire_api_idempotent_replays",
            "Requests answered from the idempotency store.",
            registry=self.registry,
        )


class MetricsMiddleware:
    """Pure ASGI middleware (no per-request task, unlike BaseHTTPMiddleware) counting answers."""

    def __init__(self, app: ASGIApp, metrics: ApiMetrics) -> None:
        self.app = app
        self.metrics = metrics
        # Labelled children looked up once per (method, route, status): labels() locks and
        # validates on every call, a visible share of a small request's cost.
        self._counters: dict[tuple[str, str, int], Counter] = {}
        self._timers: dict[str, Histogram] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def recording_send(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, recording_send)
        finally:
            route = scope.get("route")
            # The route template, not the raw path: /v1/documents/{doc_id} stays one series.
            name = getattr(route, "path", "unmatched")
            series = (scope["method"], name, status)
            if (counter := self._counters.get(series)) is None:
                counter = self._counters[series] = self.metrics.requests.labels(series[0], name, str(status))
            if (timer := self._timers.get(name)) is None:
                timer = self._timers[name] = self.metrics.latency.labels(name)
            counter.inc()
            timer.observe(time.perf_counter() - started)
