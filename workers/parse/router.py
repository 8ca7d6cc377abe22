"""Pick the parser for a RawDocument by content type and shape."""

from __future__ import annotations

from schemas import ParsedArticle, RawDocument
from services.errors import ParseError
from workers.parse import dump
from workers.parse.decode import decode


def parse(raw: RawDocument) -> list[ParsedArticle]:
    """Parse a document into its articles; raise ParseError if it holds none."""
    text = decode(raw.content, raw.charset)
    if not text.strip():
        raise ParseError("document is empty", doc_id=raw.id, code="empty")
    return dump.parse_dump(text, raw)
