"""POST /v1/documents (queue documents) and GET /v1/documents/{id} (their status)."""

from __future__ import annotations

from typing import Annotated, cast

from fastapi import APIRouter, Depends, Path, Query, Request, Response

from services.api.deps import AuthDep, ResourcesDep, authenticated
from services.api.errors import NotFound
from services.api.idempotency import Answer
from services.api.intake import DOCUMENT_TYPES, checked_url, documents_from_body, media_type
from services.api.models import AcceptedDocument, DocumentsAccepted, DocumentStatus
from services.api.routes.common import answer_once, errors

router = APIRouter(prefix="/v1", tags=["documents"])

DOC_ID = r"^doc_[0-9a-f]{24}$"
_BODY = {
    # Read from request.headers (not Header() parameters, each a FastAPI dependency): documented here.
    "parameters": [
        {
            "name": "X-Document-Url",
            "in": "header",
            "schema": {"type": "string"},
            "description": "Same as ?url=.",
        },
        {
            "name": "X-Source-Name",
            "in": "header",
            "schema": {"type": "string"},
            "description": "Same as ?source=.",
        },
    ],
    "requestBody": {
        "required": True,
        "description": "One document, or a batch as NDJSON (one JSON document object per line).",
        "content": {
            "text/plain": {"schema": {"type": "string", "description": "A crawler text dump."}},
            "text/html": {"schema": {"type": "string", "description": "An article page."}},
            "application/json": {"schema": {"type": "object", "description": "One document object."}},
            "application/x-ndjson": {
                "schema": {"type": "string", "description": "One JSON object per line."}
            },
        },
    },
}


@router.post(
    "/documents",
    status_code=202,
    response_model=DocumentsAccepted,
    responses=errors(400, 401, 409, 413, 415, 422, 429, 503),
    openapi_extra=_BODY,
    summary="Queue documents for processing",
)
async def post_documents(
    request: Request,
    auth: AuthDep,
    resources: ResourcesDep,
    url: Annotated[str | None, Query(max_length=2048, description="Where the document came from.")] = None,
    source: Annotated[str | None, Query(max_length=200, description="Publisher name.")] = None,
) -> Response:
    """Answers 202 once the broker holds the task; a repeated idempotency key gets the first answer."""
    kind, charset = media_type(request.headers.get("content-type"), DOCUMENT_TYPES)
    documents = documents_from_body(
        auth.body,
        kind=kind,
        charset=charset,
        url=checked_url(url or request.headers.get("x-document-url")),
        source_name=(source or request.headers.get("x-source-name") or "")[:200] or None,
    )

    async def accept() -> Answer:
        await resources.enqueue(documents)
        resources.metrics.documents.inc(len(documents))
        accepted = DocumentsAccepted(
            accepted=len(documents),
            documents=[AcceptedDocument(id=d.id, status_url=f"/v1/documents/{d.id}") for d in documents],
        )
        return Answer(202, accepted.model_dump_json())

    return await answer_once(request, auth, resources, accept)


@router.get(
    "/documents/{doc_id}",
    response_model=DocumentStatus,
    responses=errors(401, 404, 413, 422, 429, 503),
    dependencies=[Depends(authenticated)],
    summary="A document's status",
)
async def get_document(
    doc_id: Annotated[str, Path(pattern=DOC_ID, description="The id POST /v1/documents answered.")],
    resources: ResourcesDep,
) -> DocumentStatus:
    """queued, published (with event and stream entry ids) or rejected (with the reasons)."""
    fields = cast(dict[str, str], await resources.redis.hgetall(resources.keys.status(doc_id)))
    if not fields.get("state"):
        raise NotFound(
            f"no status for {doc_id}: never accepted, or older than NEWSWIRE_STATUS_TTL_SECONDS "
            f"({resources.settings.status_ttl_seconds} s)"
        )
    return DocumentStatus(
        id=doc_id,
        state=fields["state"],
        event_ids=_split(fields.get("event_ids")),
        entry_ids=_split(fields.get("entry_ids")),
        reasons=fields.get("reasons") or None,
        updated_at=fields.get("updated_at"),
    )


def _split(value: str | None) -> list[str]:
    return [part for part in (value or "").split(",") if part]
