"""The contract with producers and consumers: pydantic v2 models, imported by everything else."""

from schemas.article import Dateline, ParsedArticle
from schemas.envelope import StreamEntry
from schemas.event import (
    SCHEMA_VERSION,
    NewsEvent,
    Organization,
    Person,
    Place,
    Provenance,
    Quote,
    Source,
    Topic,
)
from schemas.raw import Channel, RawDocument
from schemas.rejection import DeadLetter

__all__ = [
    "SCHEMA_VERSION",
    "Channel",
    "Dateline",
    "DeadLetter",
    "NewsEvent",
    "Organization",
    "ParsedArticle",
    "Person",
    "Place",
    "Provenance",
    "Quote",
    "RawDocument",
    "Source",
    "StreamEntry",
    "Topic",
]
