"""The API's request and response bodies (its OpenAPI contract with producers and consumers)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, HttpUrl

_FROZEN = ConfigDict(frozen=True, extra="forbid")


class FieldError(BaseModel):
    """One field that failed validation."""

    model_config = _FROZEN

    location: str = Field(description="Where: e.g. 'body.urls.0' or 'query.limit'.")
    message: str

    @classmethod
    def from_pydantic(cls, error: Any) -> FieldError:
        """From one entry of a pydantic / FastAPI `errors()` list."""
        return cls(
            location=".".join(str(part) for part in error.get("loc", ())), message=str(error.get("msg"))
        )


class Problem(BaseModel):
    """Every error answer: what went wrong, in words a person can act on."""

    model_config = _FROZEN

    status: int = Field(description="The HTTP status, repeated.")
    code: str = Field(description="Machine-readable reason, e.g. 'unauthorized', 'too_large'.")
    detail: str = Field(description="What went wrong and how to fix it.")
    errors: list[FieldError] | None = Field(default=None, description="Field errors, for 422.")


class AcceptedDocument(BaseModel):
    """One document the API queued."""

    model_config = _FROZEN

    id: str = Field(description="Document id ('doc_' + 24 hex); the same bytes and URL get the same id.")
    status_url: str = Field(description="Where to follow it: GET this for queued / published / rejected.")


class DocumentsAccepted(BaseModel):
    """Answer to POST /v1/documents: the documents are in the broker."""

    model_config = _FROZEN

    accepted: int = Field(ge=1, description="How many documents were queued.")
    documents: list[AcceptedDocument]


class FetchRequest(BaseModel):
    """Body of POST /v1/fetch: pages for the fetcher to download and ingest."""

    model_config = _FROZEN

    urls: list[HttpUrl] = Field(min_length=1, max_length=100, description="http(s) URLs, at most 100.")
    source_name: str | None = Field(default=None, max_length=200, description="Publisher name to record.")


class AcceptedFetch(BaseModel):
    """One URL handed to the fetcher."""

    model_config = _FROZEN

    request_id: str = Field(description="Id of this fetch request ('fr_' + 32 hex).")
    url: str
    entry_id: str = Field(description="Entry id on the fetch-requests stream.")
    status_url: str = Field(description="Where to follow it: GET this for queued / fetched / rejected.")


class FetchAccepted(BaseModel):
    """Answer to POST /v1/fetch: the URLs wait on the fetch-requests stream."""

    model_config = _FROZEN

    accepted: int = Field(ge=1)
    requests: list[AcceptedFetch]


class FetchStatus(BaseModel):
    """Where a fetch request is: queued, fetched (with the document it became) or rejected (with why)."""

    model_config = _FROZEN

    request_id: str
    url: str | None = None
    state: str = Field(description="queued, fetched or rejected.")
    document_id: str | None = Field(default=None, description="The document the fetched page became.")
    document_url: str | None = Field(default=None, description="GET this for the document's own status.")
    reason: str | None = Field(default=None, description="Why the fetcher refused or gave up on it.")
    code: str | None = Field(default=None, description="Machine-readable reason, e.g. 'blocked_url'.")
    updated_at: str | None = None


class DocumentStatus(BaseModel):
    """Where a document is: queued, published (with its events) or rejected (with why)."""

    model_config = _FROZEN

    id: str
    state: str = Field(description="queued, published or rejected.")
    event_ids: list[str] = Field(default_factory=list, description="Ids of the events it produced.")
    entry_ids: list[str] = Field(default_factory=list, description="Their entry ids on the event stream.")
    reasons: str | None = Field(default=None, description="Why it, or some of its articles, was rejected.")
    updated_at: str | None = Field(default=None, description="When the worker last wrote the status.")


class Health(BaseModel):
    """The process answers."""

    model_config = _FROZEN

    status: Literal["ok"] = "ok"


class Readiness(BaseModel):
    """Whether the API can do its job: Redis answers and a worker was seen."""

    model_config = _FROZEN

    ready: bool
    redis: bool = Field(description="Redis answered PING.")
    workers: int = Field(ge=0, description="Workers that answered a Celery ping.")
    detail: str
