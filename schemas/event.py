"""NewsEvent: the validated, enriched article that consumers receive (schema version 1).

Field names follow IPTC ninjs where one fits (`headline`, `body`, `uri`-like `url`).
"""

from __future__ import annotations

from datetime import datetime
from typing import Final, Literal

from pydantic import BaseModel, ConfigDict, Field

from schemas.article import Dateline
from schemas.raw import Channel

SCHEMA_VERSION: Final = 1

_FROZEN = ConfigDict(frozen=True, extra="forbid")


class Source(BaseModel):
    """Who published the article."""

    model_config = _FROZEN

    name: str | None = Field(default=None, description="Publisher or agency name.")
    domain: str | None = Field(default=None, description="Host name of the article URL.")


class Person(BaseModel):
    """A person named in the article, mentions merged, named in full."""

    model_config = _FROZEN

    name: str = Field(description="Full name, nominative case.")
    role: str | None = Field(default=None, description="Title or role the text gives.")
    mentions: int = Field(default=1, ge=1, description="How many times the person is mentioned.")


class Organization(BaseModel):
    """A named body: ministry, UN body, company, party, agency."""

    model_config = _FROZEN

    name: str = Field(description="Name, expanded where the text expands an acronym.")
    acronym: str | None = Field(default=None, description="Acronym, when the text gives one.")
    mentions: int = Field(default=1, ge=1)


class Place(BaseModel):
    """A country, region or city named in the text or the dateline."""

    model_config = _FROZEN

    name: str = Field(description="Canonical English name from the gazetteer.")
    kind: Literal["country", "region", "city", "other"] = Field(description="What kind of place.")
    country_code: str | None = Field(
        default=None, pattern=r"^[A-Z]{2}$", description="ISO 3166-1 alpha-2 code."
    )
    lat: float | None = Field(default=None, ge=-90, le=90)
    lon: float | None = Field(default=None, ge=-180, le=180)
    gazetteer_id: str | None = Field(
        default=None, description="Id in the gazetteer, e.g. 'geonames:1526273'."
    )
    mentions: int = Field(default=1, ge=1)


class Quote(BaseModel):
    """A direct quotation and who said it."""

    model_config = _FROZEN

    text: str = Field(description="The quoted words, without the quote marks.")
    speaker: str | None = Field(default=None, description="Full name of the person or institution, or null.")
    speaker_kind: Literal["person", "organization"] | None = Field(default=None)
    verb: str | None = Field(default=None, description="Reporting verb: said, noted, added, ...")


class Topic(BaseModel):
    """An IPTC Media Topic with a score."""

    model_config = _FROZEN

    code: str = Field(pattern=r"^medtop:\d{8}$", description="IPTC Media Topics code, e.g. medtop:11000000.")
    label: str = Field(description="English label of the topic, e.g. politics.")
    score: float = Field(ge=0, le=1)


class Provenance(BaseModel):
    """How and when the article came in, and what processed it."""

    model_config = _FROZEN

    doc_id: str = Field(description="Id of the RawDocument the event came from.")
    index: int = Field(default=0, ge=0, description="Position of the article in that document.")
    channel: Channel
    parser: str = Field(description="Parser that read the document.")
    received_at: datetime
    processed_at: datetime
    pipeline_version: str
    dump_date: datetime | None = Field(default=None, description="A crawler dump's ` date` value.")
    filename: str | None = None


class NewsEvent(BaseModel):
    """One article, validated and enriched: what a consumer gets, one per stream entry."""

    model_config = _FROZEN

    schema_version: Literal[1] = SCHEMA_VERSION
    id: str = Field(description="Stable id: the same article always gets the same id ('nw_' + 32 hex).")
    url: str | None = None
    source: Source = Field(default_factory=Source)
    headline: str | None = None
    published_at: datetime | None = None
    dateline: Dateline | None = None
    language: str | None = Field(default=None, description="ISO 639-1 code, or null if unknown.")
    language_confidence: float | None = Field(default=None, ge=0, le=1)
    body: str
    lede: str | None = Field(default=None, description="First paragraph (or sentence) of the body.")
    word_count: int = Field(ge=0)
    persons: list[Person] = Field(default_factory=list)
    organizations: list[Organization] = Field(default_factory=list)
    places: list[Place] = Field(default_factory=list)
    quotes: list[Quote] = Field(default_factory=list)
    keywords: list[str] = Field(default_factory=list)
    topics: list[Topic] = Field(default_factory=list)
    tone: float | None = Field(
        default=None, ge=-1, le=1, description="Sentiment, -1..1; null where unsupported."
    )
    content_hash: str = Field(description="sha256 of the normalised body, hex.")
    duplicate_of: str | None = Field(default=None, description="Id of the first event this one repeats.")
    story_id: str | None = Field(default=None, description="Shared by events about the same story.")
    provenance: Provenance
