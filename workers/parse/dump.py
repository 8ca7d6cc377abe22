"""Crawler text dumps: ` date YYYY-MM-DD <headline or whatever came first>`, then the page text."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from schemas import ParsedArticle, RawDocument
from workers.parse import assemble

# ` date 2023-06-29 <rest>`; the rest may be a headline, chrome, a dateline or a sentence.
_DATE_LINE = re.compile(r"^\s*date\s+(\d{4})-(\d{2})-(\d{2})(?:[T ]\d{2}:\d{2}(?::\d{2})?\S*)?(?:\s+(.*))?$")
# The date line is looked for among the first few lines (a site banner may precede it).
_LOOKAHEAD = 3


def header(lines: list[str]) -> tuple[int, datetime | None, str] | None:
    """(index of the date line, its date, the rest of the line) when the text is a dump, else None."""
    for index, line in enumerate(lines[:_LOOKAHEAD]):
        if match := _DATE_LINE.match(line):
            year, month, day = (int(g) for g in match.groups()[:3])
            try:
                stamp: datetime | None = datetime(year, month, day, tzinfo=UTC)
            except ValueError:
                stamp = None
            return index, stamp, (match.group(4) or "").strip()
    return None


def parse_dump(
    lines: list[str], found: tuple[int, datetime | None, str], raw: RawDocument
) -> list[ParsedArticle]:
    """Every article in a crawler dump, given its lines and `header(lines)` (ParseError when none)."""
    index, dump_date, head = found
    context = assemble.Context(raw=raw, parser="dump", dump_date=dump_date)
    return assemble.from_lines(lines[:index] + lines[index + 1 :], head=head, context=context)
