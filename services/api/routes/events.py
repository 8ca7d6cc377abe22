"""GET /v1/events: live events as Server-Sent Events, resumable with Last-Event-ID, filterable."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Annotated, Any, cast

import redis
from fastapi import APIRouter, Depends, Header, Query
from fastapi.sse import EventSourceResponse, ServerSentEvent

from services.api.deps import ResourcesDep, authenticated
from services.api.errors import InvalidInput
from services.api.routes.common import errors

router = APIRouter(prefix="/v1", tags=["events"])
log = logging.getLogger(__name__)

_ENTRY_ID = re.compile(r"^\d{1,20}(-\d{1,20})?$")
_BLOCK_MS = 5000


@dataclass(frozen=True)
class Filters:
    """Which events a subscriber wants; None matches anything."""

    language: str | None = None
    country: str | None = None
    topic: str | None = None

    def match(self, event: dict[str, Any]) -> bool:
        """Whether the event (NewsEvent JSON) passes every filter given."""
        if self.language and event.get("language") != self.language:
            return False
        if self.country and not any(p.get("country_code") == self.country for p in event.get("places") or []):
            return False
        return not self.topic or any(
            self.topic in (t.get("code"), str(t.get("label", "")).lower()) for t in event.get("topics") or []
        )


async def start_cursor(
    resources: ResourcesDep,
    last_event_id: Annotated[
        str | None,
        Header(max_length=64, description="Resume after this stream entry id (set by EventSource)."),
    ] = None,
    after: Annotated[
        str | None,
        Query(
            max_length=64,
            description="Same as Last-Event-ID, for clients that cannot set headers; '0' replays all.",
        ),
    ] = None,
) -> str:
    """The entry id to read after: the one the client saw last, else the stream's newest (live only)."""
    given = last_event_id or after
    if given is not None:
        given = given.strip()
        if not _ENTRY_ID.match(given):
            raise InvalidInput(
                f"Last-Event-ID must be a stream entry id like 1718000000000-0, got {given[:64]!r}"
            )
        return given
    # Resolve '$' once, here: re-reading from '$' after each XREAD would skip entries added in between.
    newest = await resources.redis.xrevrange(resources.keys.events, count=1)
    return str(newest[0][0]) if newest else "0-0"


@router.get(
    "/events",
    response_class=EventSourceResponse,
    responses=errors(401, 413, 422, 429, 503),
    dependencies=[Depends(authenticated)],
    summary="Subscribe to events (Server-Sent Events)",
)
async def stream_events(
    resources: ResourcesDep,
    cursor: Annotated[str, Depends(start_cursor)],
    language: Annotated[
        str | None, Query(pattern=r"^[a-z]{2}$", description="ISO 639-1 code, e.g. en.")
    ] = None,
    country: Annotated[
        str | None,
        Query(pattern=r"^[A-Za-z]{2}$", description="ISO 3166-1 alpha-2 code of a place in the event."),
    ] = None,
    topic: Annotated[
        str | None, Query(max_length=64, description="IPTC code (medtop:...) or topic label.")
    ] = None,
    limit: Annotated[
        int | None, Query(ge=1, le=100_000, description="Close the stream after this many events.")
    ] = None,
) -> AsyncIterator[ServerSentEvent]:
    """One SSE message per event: `id` is the stream entry id, `data` the NewsEvent JSON."""
    filters = Filters(language, country.upper() if country else None, topic.lower() if topic else None)
    sent = 0
    while True:
        try:
            reply = await resources.redis.xread({resources.keys.events: cursor}, count=100, block=_BLOCK_MS)
        except redis.RedisError as exc:
            # Headers are sent already, so no 503: end the stream; EventSource reconnects with Last-Event-ID.
            log.warning("SSE stream ends, Redis failed: %s", exc)
            yield ServerSentEvent(comment=f"redis unavailable: {exc}", retry=5000)
            return
        # decode_responses: ids and fields are str.
        for _, entries in cast(list[tuple[str, list[tuple[str, dict[str, str]]]]], reply or []):
            for entry_id, fields in entries:
                cursor = entry_id
                data = fields.get("data", "")
                try:
                    event = json.loads(data)
                except ValueError:
                    continue
                if not isinstance(event, dict) or not filters.match(event):
                    continue
                yield ServerSentEvent(raw_data=data, id=entry_id)
                sent += 1
                if limit is not None and sent >= limit:
                    return
