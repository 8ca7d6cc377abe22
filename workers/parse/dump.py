"""Crawler text dumps: ` date YYYY-MM-DD <headline>`, a blank line, then the body."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from schemas import Dateline, ParsedArticle, RawDocument

_DATE_LINE = re.compile(r"^\s*date\s+(\d{4}-\d{2}-\d{2})\s*(.*)$")
_DATELINE = re.compile(r"^([A-ZА-ЯЁ][A-ZА-ЯЁ\- ]+)\.\s+([A-ZА-ЯЁ][A-ZА-ЯЁ ]+?)\s*[–—-]\s*")


def parse_dump(text: str, raw: RawDocument) -> list[ParsedArticle]:
    """Parse one crawler dump (placeholder: the full parser replaces this)."""
    lines = text.splitlines()
    headline: str | None = None
    dump_date: datetime | None = None
    if lines and (m := _DATE_LINE.match(lines[0])):
        dump_date = datetime.fromisoformat(m.group(1)).replace(tzinfo=UTC)
        headline = m.group(2).strip() or None
        lines = lines[1:]
    body = "\n".join(lines).strip()
    dateline = None
    if m := _DATELINE.match(body):
        dateline = Dateline(place=m.group(1).strip(), agency=m.group(2).strip())
        body = body[m.end() :]
    return [
        ParsedArticle(
            doc_id=raw.id,
            parser="dump",
            headline=headline,
            body=body,
            published_at=dump_date,
            dump_date=dump_date,
            dateline=dateline,
            url=raw.url,
            source_name=raw.source_name,
        )
    ]
