"""DeadLetter: a document (or one article of it) that could not become an event, and why."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from schemas.raw import RawDocument


class DeadLetter(BaseModel):
    """One entry on `newswire:rejected`: enough for a person to see what failed and act on it."""

    model_config = ConfigDict(frozen=True, extra="forbid", ser_json_bytes="base64", val_json_bytes="base64")

    doc_id: str
    index: int | None = Field(
        default=None, description="Article position, when one article of a listing failed."
    )
    stage: str = Field(description="Stage that refused it: decode, parse, validate, enrich, task.")
    code: str = Field(description="Machine-readable reason code, e.g. 'too_short', 'unparseable'.")
    reason: str = Field(description="Human-readable reason a person can act on.")
    attempts: int = Field(default=1, ge=1, description="Deliveries before giving up.")
    rejected_at: datetime
    document: RawDocument = Field(description="The original document, bytes included.")
