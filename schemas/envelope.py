"""StreamEntry: a NewsEvent wrapped as CloudEvents 1.0 attributes, one Redis stream entry."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from schemas.event import NewsEvent

EVENT_TYPE = "io.newswire.article.published.v1"
DATASCHEMA = "https://newswire.invalid/schemas/news-event.v1.json"


class StreamEntry(BaseModel):
    """The fields of one entry on `newswire:events`: CloudEvents attributes plus `data`."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    specversion: Literal["1.0"] = "1.0"
    id: str = Field(description="The NewsEvent id (consumers de-duplicate on it).")
    source: str = Field(description="CloudEvents source: '/newswire/<channel>' or the article's domain.")
    type: str = EVENT_TYPE
    time: datetime
    datacontenttype: Literal["application/json"] = "application/json"
    dataschema: str = DATASCHEMA
    data: str = Field(description="The NewsEvent as JSON.")

    @classmethod
    def wrap(cls, event: NewsEvent) -> StreamEntry:
        """The stream entry that carries this event."""
        source = f"/newswire/{event.source.domain or event.provenance.channel}"
        return cls(
            id=event.id,
            source=source,
            time=event.provenance.processed_at,
            data=event.model_dump_json(),
        )

    def fields(self) -> dict[str, str]:
        """The entry as flat string fields for XADD."""
        return {
            "specversion": self.specversion,
            "id": self.id,
            "source": self.source,
            "type": self.type,
            "time": self.time.isoformat(),
            "datacontenttype": self.datacontenttype,
            "dataschema": self.dataschema,
            "data": self.data,
        }

    def event(self) -> NewsEvent:
        """The NewsEvent inside."""
        return NewsEvent.model_validate_json(self.data)
