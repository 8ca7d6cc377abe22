"""What the routes share: the documented error answers and the path every POST takes."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar, cast

from fastapi import Request, Response

from services.api.deps import Authenticated, client_id, idempotency_key, read_authenticated
from services.api.errors import ApiError, NotFound
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


@dataclass(frozen=True)
class Checked(Generic[T]):
    """A POST that passed every check: who sent it, its input, and its idempotency key and fingerprint."""

    client: str
    now: float
    auth: Authenticated
    prepared: T
    key: str | None
    fp: str


async def checked_post(
    request: Request, resources: Resources, prepare: Callable[[Authenticated], T]
) -> Checked[T]:
    """Read the body (413), check credentials (401) and input (`prepare`: 415, 422).

    A refused request still counts against its client's rate limit, and gets 429 when it is over:
    a client guessing credentials is slowed down.
    """
    now, client = time.time(), client_id(request)
    try:
        auth = await read_authenticated(request, resources)
        prepared = prepare(auth)
    except ApiError:
        await resources.idempotency.count(client, now=now)
        raise
    key = idempotency_key(request, auth.principal)
    # Only a keyed request needs its fingerprint; the scope's raw path and query, not request.url,
    # which would build and parse a URL object on every request.
    scope = request.scope
    fp = "" if key is None else fingerprint(
        request.method, scope["path"], scope["query_string"].decode("latin-1"),
        request.headers.get("content-type"), auth.body,
    )  # fmt: skip
    return Checked(client, now, auth, prepared, key, fp)


async def accept_post(
    request: Request,
    prepare: Callable[[Authenticated], T],
    act: Callable[[T, Claim | None], Awaitable[Answer]],
) -> Response:
    """A POST route's path: check everything, admit the request, then act once per idempotency key.

    After the checks one admission call counts the rate limit (429) and claims the idempotency
    key, which replays the first answer to a repeat. `act` does the work and stores a claim's
    answer; if it fails, the key is released so the client can retry.
    """
    resources: Resources = request.app.state.resources
    post = await checked_post(request, resources, prepare)
    admitted = await resources.idempotency.admit(post.client, post.key, post.fp, now=post.now)
    if isinstance(admitted, Answer):
        return answered(resources, admitted)
    try:
        answer = await act(post.prepared, admitted)
    except BaseException:
        if admitted is not None:
            await resources.idempotency.release(admitted)
        raise
    return answered(resources, answer)


def answered(resources: Resources, answer: Answer) -> Response:
    """The HTTP response for an answer; a replayed one says so (Idempotent-Replayed) and is counted."""
    headers = None
    if answer.replayed:
        resources.metrics.replays.inc()
        headers = {"Idempotent-Replayed": "true"}
    return Response(answer.body, status_code=answer.status, media_type="application/json", headers=headers)


async def stored_status(resources: Resources, item_id: str) -> dict[str, str]:
    """The status hash of a document or fetch request; NotFound when there is none (or it expired)."""
    fields = cast(dict[str, str], await resources.redis.hgetall(resources.keys.status(item_id)))
    if not fields.get("state"):
        raise NotFound(
            f"no status for {item_id}: never accepted, or older than NEWSWIRE_STATUS_TTL_SECONDS "
            f"({resources.settings.status_ttl_seconds} s)"
        )
    return fields
