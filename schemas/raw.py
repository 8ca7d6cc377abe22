"""RawDocument: anything that enters newswire, before it is parsed."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

Channel = Literal["cli", "webhook", "fetcher", "inbox", "sample"]


class RawDocument(BaseModel):
    """Bytes as they arrived, with what the channel knows about them.

    `content` is kept as bytes so the parser, not the channel, decides the encoding; in JSON it
    travels as base64.
    """

    model_config = ConfigDict(frozen=True, extra="forbid", ser_json_bytes="base64", val_json_bytes="base64")

    id: str = Field(description="Document id: 'doc_' + sha256 of the content and URL, 24 hex digits.")
    content: bytes = Field(description="The document's bytes, undecoded.")
    content_type: str | None = Field(
        default=None, description="MIME type if known: text/plain, text/html, application/json."
    )
    charset: str | None = Field(default=None, description="Declared charset, if the channel had one.")
    url: str | None = Field(default=None, description="Where the document came from, if known.")
    source_name: str | None = Field(default=None, description="Name of the publisher, if known.")
    filename: str | None = Field(default=None, description="File name, for documents read from disk.")
    channel: Channel = Field(description="How the document entered newswire.")
    received_at: datetime = Field(description="When newswire accepted the document (UTC).")

    @staticmethod
    def make_id(content: bytes, url: str | None = None) -> str:
        """The stable document id for these bytes (and URL): the same input gets the same id."""
        digest = hashlib.sha256(content)
        if url:
            digest.update(b"\0" + url.encode("utf-8", "surrogatepass"))
        return "doc_" + digest.hexdigest()[:24]

    @classmethod
    def create(
        cls,
        content: bytes,
        *,
        channel: Channel,
        content_type: str | None = None,
        charset: str | None = None,
        url: str | None = None,
        source_name: str | None = None,
        filename: str | None = None,
        received_at: datetime | None = None,
    ) -> RawDocument:
        """A RawDocument with its id computed and `received_at` defaulting to now."""
        return cls(
            id=cls.make_id(content, url),
            content=content,
            content_type=content_type,
            charset=charset,
            url=url,
            source_name=source_name,
            filename=filename,
            channel=channel,
            received_at=received_at or datetime.now(UTC),
        )
