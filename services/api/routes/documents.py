"""POST /v1/documents (queue documents) and GET /v1/documents/{id} (their status)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request, Response

from schemas import RawDocument
from services.api.deps import Authenticated, ResourcesDep, authenticated
from services.api.errors import InvalidInput
from services.api.idempotency import Answer
from services.api.intake import DOCUMENT_TYPES, checked_url, documents_from_body, media_type
from services.api.models import AcceptedDocument, DocumentsAccepted, DocumentStatus, FieldError
from services.api.routes.common import answered, checked_post, errors, stored_status
from services.api.state import Resources

router = APIRouter(prefix="/v1", tags=["documents"])

DOC_ID = r"^doc_[0-9a-f]{24}$"
# Query parameters and headers are read from the request, not declared as FastAPI parameters
# (each one a dependency to solve on every request, a visible share of a POST's cost; see
# bench/bench_api.py), so they are documented and checked here.
_PARAMETERS = {
    "url": ("query", 2048, "Where the document came from."),
    "source": ("query", 200, "Publisher name."),
    "X-Document-Url": ("header", None, "Same as ?url=."),
    "X-Source-Name": ("header", None, "Same as ?source=."),
}
_BODY = {
    "parameters": [
        {
            "name": name,
            "in": where,
            "required": False,
            "schema": {"type": "string", **({"maxLength": limit} if limit else {})},
            "description": text,
        }
        for name, (where, limit, text) in _PARAMETERS.items()
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
async def post_documents(request: Request) -> Response:
    """Answers 202 once the broker holds the task; a repeated idempotency key gets the first answer."""
    resources: Resources = request.app.state.resources

    def prepare(auth: Authenticated) -> list[RawDocument]:
        kind, charset = media_type(request.headers.get("content-type"), DOCUMENT_TYPES)
        url, source = _query(request, "url"), _query(request, "source")
        return documents_from_body(
            auth.body,
            kind=kind,
            charset=charset,
            url=checked_url(url or request.headers.get("x-document-url")),
            source_name=(source or request.headers.get("x-source-name") or "")[:200] or None,
        )

    post = await checked_post(request, resources, prepare)
    documents = post.prepared
    accepted = DocumentsAccepted(
        accepted=len(documents),
        documents=[AcceptedDocument(id=d.id, status_url=f"/v1/documents/{d.id}") for d in documents],
    )
    # The answer is known before the send, so the flusher stores it in the send's own round trip.
    answer = await resources.idempotency.enqueue(
        documents, Answer(202, accepted.model_dump_json()), post.client, post.key, post.fp, now=post.now
    )
    if not answer.replayed:
        resources.metrics.documents.inc(len(documents))
    return answered(resources, answer)


def _query(request: Request, name: str) -> str | None:
    if not request.scope["query_string"]:  # most posts: no need to parse a query string
        return None
    value = request.query_params.get(name)
    limit = _PARAMETERS[name][1]
    if value is not None and limit is not None and len(value) > limit:
        message = f"at most {limit} characters"
        raise InvalidInput(
            f"query.{name}: {message}", errors=[FieldError(location=f"query.{name}", message=message)]
        )
    return value


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
    fields = await stored_status(resources, doc_id)
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
