"""POST /v1/fetch: hand URLs to the fetcher over the fetch-requests stream."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Request, Response
from pydantic import ValidationError

from services.api.deps import Authenticated, ResourcesDep, authenticated
from services.api.errors import InvalidInput
from services.api.idempotency import Answer, Claim
from services.api.intake import JSON_TYPE, media_type
from services.api.models import AcceptedFetch, FetchAccepted, FetchRequest, FetchStatus, FieldError
from services.api.routes.common import accept_post, errors, stored_status
from services.api.state import Resources

router = APIRouter(prefix="/v1", tags=["fetch"])

REQUEST_ID = r"^fr_[0-9a-f]{32}$"

_BODY = {
    "requestBody": {
        "required": True,
        "content": {JSON_TYPE: {"schema": FetchRequest.model_json_schema()}},
    }
}


@router.post(
    "/fetch",
    status_code=202,
    response_model=FetchAccepted,
    responses=errors(400, 401, 409, 413, 415, 422, 429, 503),
    openapi_extra=_BODY,
    summary="Ask the fetcher to fetch pages",
)
async def post_fetch(request: Request) -> Response:
    """Each URL becomes one entry on the fetch-requests stream, which the fetcher consumes."""
    resources: Resources = request.app.state.resources

    def prepare(auth: Authenticated) -> FetchRequest:
        media_type(request.headers.get("content-type"), (JSON_TYPE,))
        try:
            return FetchRequest.model_validate_json(auth.body)
        except ValidationError as exc:
            found = [FieldError.from_pydantic({**e, "loc": ("body", *e["loc"])}) for e in exc.errors()]
            detail = "; ".join(f"{e.location}: {e.message}" for e in found)
            raise InvalidInput(f'expected {{"urls": ["https://...", ...]}}: {detail}', errors=found) from None

    async def act(wanted: FetchRequest, claim: Claim | None) -> Answer:
        now = datetime.now(UTC).isoformat()
        requests = [(f"fr_{uuid.uuid4().hex}", str(url)) for url in wanted.urls]
        async with resources.redis.pipeline(transaction=True) as pipe:
            for request_id, url in requests:
                # Queued before the entry exists (one MULTI): the fetcher's later state overwrites it.
                status_key = resources.keys.status(request_id)
                pipe.hset(status_key, mapping={"state": "queued", "url": url, "updated_at": now})
                pipe.expire(status_key, resources.settings.status_ttl_seconds)
                fields: dict[Any, Any] = {
                    "url": url,
                    "request_id": request_id,
                    "requested_at": now,
                }
                if wanted.source_name:
                    fields["source_name"] = wanted.source_name
                pipe.xadd(
                    resources.keys.fetch_requests,
                    fields,
                    maxlen=resources.settings.stream_maxlen,
                    approximate=True,
                )
            entry_ids = (await pipe.execute())[2::3]
        resources.metrics.fetch_urls.inc(len(requests))
        accepted = FetchAccepted(
            accepted=len(requests),
            requests=[
                AcceptedFetch(request_id=rid, url=url, entry_id=eid, status_url=f"/v1/fetch/{rid}")
                for (rid, url), eid in zip(requests, entry_ids, strict=True)
            ],
        )
        answer = Answer(202, accepted.model_dump_json())
        if claim is not None:
            # The answer holds the entry ids, known only after XADD: stored in a second round trip.
            await resources.idempotency.store(claim, answer)
        return answer

    return await accept_post(request, prepare, act)


@router.get(
    "/fetch/{request_id}",
    response_model=FetchStatus,
    responses=errors(401, 404, 413, 422, 429, 503),
    dependencies=[Depends(authenticated)],
    summary="A fetch request's status",
)
async def get_fetch(
    request_id: Annotated[str, Path(pattern=REQUEST_ID, description="The id POST /v1/fetch answered.")],
    resources: ResourcesDep,
) -> FetchStatus:
    """queued, fetched (with the document it became) or rejected (with the fetcher's reason)."""
    fields = await stored_status(resources, request_id)
    document_id = (fields.get("doc_ids") or "").split(",")[0] or None
    return FetchStatus(
        request_id=request_id,
        url=fields.get("url"),
        state=fields["state"],
        document_id=document_id,
        document_url=f"/v1/documents/{document_id}" if document_id else None,
        reason=fields.get("reasons") or None,
        code=fields.get("code") or None,
        updated_at=fields.get("updated_at"),
    )
