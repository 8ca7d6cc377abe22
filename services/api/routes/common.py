"""What the routes share: the documented error answers and the idempotent-answer helper."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import Request, Response

from services.api.deps import Authenticated, idempotency_key
from services.api.idempotency import Answer, fingerprint
from services.api.models import Problem
from services.api.state import Resources

_WHY = {
    400: "Malformed header or parameter.",
    401: "Missing or wrong credentials (the reason says which).",
    404: "Unknown id.",
    409: "The first request with this idempotency key is still being handled; retry shortly.",
    413: "Body larger than NEWSWIRE_API_MAX_BODY_BYTES.",
    415: "Content-Type not accepted here.",
    422: "Body or parameter that cannot be accepted, or an idempotency key reused for other content.",
    429: "Over the client's rate limit; see Retry-After.",
    503: "Redis or the broker is unavailable; nothing was accepted, retry later.",
}


def errors(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses` entries for these error statuses, all with the Problem body."""
    return {status: {"model": Problem, "description": _WHY[status]} for status in statuses}


async def answer_once(
    request: Request,
    auth: Authenticated,
    resources: Resources,
    handle: Callable[[], Awaitable[Answer]],
) -> Response:
    """Run `handle` once per idempotency key and answer with its (first) result."""
    fp = fingerprint(
        request.method, request.url.path, request.url.query, request.headers.get("content-type"), auth.body
    )
    answer = await resources.idempotency.run_once(idempotency_key(request, auth.principal), fp, handle)
    headers = {}
    if answer.replayed:
        resources.metrics.replays.inc()
        headers["Idempotent-Replayed"] = "true"
    return Response(answer.body, status_code=answer.status, media_type="application/json", headers=headers)
