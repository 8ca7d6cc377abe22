"""What the routes share: the documented error answers and the path every POST takes."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from fastapi import Request, Response

from services.api.deps import Authenticated, client_id, idempotency_key, read_authenticated
from services.api.errors import ApiError
from services.api.idempotency import Answer, Claim, fingerprint
from services.api.models import Problem
from services.api.state import Resources

T = TypeVar("T")

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


async def accept_post(
    request: Request,
    prepare: Callable[[Authenticated], T],
    act: Callable[[T, Claim | None], Awaitable[Answer]],
) -> Response:
    """The POST routes' path: check everything, admit the request, then act once per idempotency key.

    The body (413), credentials (401) and input (`prepare`: 415, 422) are checked first; then one
    admission call counts the rate limit (429) and claims the idempotency key, which replays the
    first answer to a repeat. `act` does the work and stores a claim's answer with it; if it
    fails, the key is released so the client can retry.
    """
    resources: Resources = request.app.state.resources
    now, client = time.time(), client_id(request)
    try:
        auth = await read_authenticated(request, resources)
        prepared = prepare(auth)
    except ApiError:
        # Refused requests count against the rate limit too: a client guessing credentials is slowed.
        await resources.idempotency.count(client, now=now)
        raise
    fp = fingerprint(
        request.method, request.url.path, request.url.query, request.headers.get("content-type"), auth.body
    )
    admitted = await resources.idempotency.admit(
        client, idempotency_key(request, auth.principal), fp, now=now
    )
    if isinstance(admitted, Answer):
        resources.metrics.replays.inc()
        return _response(admitted, {"Idempotent-Replayed": "true"})
    try:
        answer = await act(prepared, admitted)
    except BaseException:
        if admitted is not None:
            await resources.idempotency.release(admitted)
        raise
    return _response(answer)


def _response(answer: Answer, headers: dict[str, str] | None = None) -> Response:
    return Response(answer.body, status_code=answer.status, media_type="application/json", headers=headers)
