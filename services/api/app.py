"""The FastAPI application factory: routes, the error handler, metrics, and resources for its lifetime."""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib.metadata import PackageNotFoundError, version

import uvicorn
from fastapi import FastAPI

from services.api.errors import HANDLED, handle_error
from services.api.metrics import ApiMetrics, MetricsMiddleware
from services.api.routes import documents, events, fetch, health
from services.api.state import Resources
from services.settings import Settings

DESCRIPTION = """\
Trigger ingestion over HTTP and subscribe to events.

Authenticate every /v1 request with a Standard Webhooks signature (`webhook-id`,
`webhook-timestamp`, `webhook-signature`) or `Authorization: Bearer <token>`. A repeated
`webhook-id` or `Idempotency-Key` gets the first answer and queues nothing new.
"""


def create_app(settings: Settings) -> FastAPI:
    """The webhook API for these settings; clients are opened at startup and closed at shutdown."""
    metrics = ApiMetrics()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.resources = Resources.open(settings, metrics)
        app.state.resources.batcher.start()
        # Everything loaded so far (FastAPI, Celery, kombu, pydantic schemas: ~80,000 objects) lives
        # as long as the process: frozen, a full collection no longer walks it. Without this each
        # full collection paused the event loop ~40 ms, which every request in flight waited out.
        gc.freeze()
        try:
            yield
        finally:
            await app.state.resources.close()

    app = FastAPI(title="newswire", version=_version(), description=DESCRIPTION, lifespan=lifespan)
    for exc_type in HANDLED:
        app.add_exception_handler(exc_type, handle_error)
    for module in (documents, fetch, events, health):
        app.include_router(module.router)
    app.add_middleware(MetricsMiddleware, metrics=metrics)
    return app


# What `newswire api` runs uvicorn with, and bench/bench_api.py its baseline too: the C HTTP
# parser and event loop.
SERVER_LOOP, SERVER_HTTP = "uvloop", "httptools"


def serve(settings: Settings, *, host: str, port: int) -> None:
    """Serve the API with uvicorn until interrupted (the `newswire api` command)."""
    uvicorn.run(
        create_app(settings),
        host=host,
        port=port,
        loop=SERVER_LOOP,
        http=SERVER_HTTP,
        access_log=settings.api_access_log,
    )


def _version() -> str:
    try:
        return version("newswire")
    except PackageNotFoundError:  # running from a source tree that was never installed
        return "0"
