"""ParsedArticle: one article as the parser found it, before validation and enrichment."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

ParserName = Literal["dump", "listing", "html", "json", "text", "feed"]


class Dateline(BaseModel):
    """The dateline opening the article: `ASTANA. KAZINFORM –` -> place ASTANA, agency KAZINFORM."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    place: str | None = Field(default=None, description="Place as written in the dateline.")
    agency: str | None = Field(default=None, description="News agency named in the dateline.")


class ParsedArticle(BaseModel):
    """One article out of a document; a listing page yields several."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    doc_id: str = Field(description="Id of the RawDocument this came from.")
    index: int = Field(default=0, ge=0, description="Position of the article in its document.")
    parser: ParserName = Field(description="Which parser produced it.")
    headline: str | None = Field(default=None, description="Headline, if the document has one.")
    body: str = Field(description="Article text, paragraphs separated by blank lines, chrome removed.")
    published_at: datetime | None = Field(default=None, description="Publication time, if known.")
    dump_date: datetime | None = Field(
        default=None, description="The ` date` value of a crawler dump, which may differ from published_at."
    )
    dateline: Dateline | None = Field(default=None, description="Dateline, if the body opens with one.")
    url: str | None = Field(default=None, description="Canonical URL, if known.")
    source_name: str | None = Field(default=None, description="Publisher name, if known.")
    language_hint: str | None = Field(default=None, description="Language the document declares.")
    truncated: bool = Field(default=False, description="True when the text ends cut mid-word.")
