"""GET /healthz (alive), /readyz (Redis and a worker answer), /metrics (Prometheus)."""

from __future__ import annotations

import anyio
from fastapi import APIRouter, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from services.api.deps import ResourcesDep
from services.api.models import Health, Readiness

router = APIRouter(tags=["operations"])


@router.get("/healthz", response_model=Health, summary="The process is alive")
async def healthz() -> Health:
    """Always 200 while the process serves requests."""
    return Health()


@router.get(
    "/readyz",
    response_model=Readiness,
    responses={503: {"model": Readiness, "description": "Redis or every worker is unreachable."}},
    summary="Ready to accept work",
)
async def readyz(resources: ResourcesDep) -> JSONResponse:
    """200 when Redis answers and a worker answered a Celery ping recently, else 503 with why."""
    readiness = await resources.probe.check()
    return JSONResponse(readiness.model_dump(mode="json"), status_code=200 if readiness.ready else 503)


@router.get(
    "/metrics",
    response_class=Response,
    responses={
        200: {"content": {"text/plain": {"schema": {"type": "string"}}}, "description": "Prometheus text."}
    },
    summary="Prometheus metrics",
)
async def metrics(resources: ResourcesDep) -> Response:
    """Requests by route, documents and URLs accepted; queue depth, streams and lag from Redis."""
    # In a thread: the Redis collector reads Redis with a blocking client at scrape time.
    text = await anyio.to_thread.run_sync(generate_latest, resources.metrics.registry)
    return Response(text, media_type=CONTENT_TYPE_LATEST)
