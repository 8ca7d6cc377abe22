"""Plain text with no ` date` line: the first line is the headline if it reads as one."""

from __future__ import annotations

from schemas import ParsedArticle, RawDocument
from workers.parse import assemble


def parse_text(lines: list[str], raw: RawDocument) -> list[ParsedArticle]:
    """Every article in a plain-text page, given its lines (ParseError when it holds none)."""
    context = assemble.Context(raw=raw, parser="text")
    return assemble.from_lines(lines, head=None, context=context)
