"""Listing pages: several articles, each opening with a `DD.MM.YYYY, HH:MM <views>` line."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from workers.parse import article, chrome, dates


@dataclass(frozen=True)
class Segment:
    """The lines of one article of a page, and the date its listing line gives (if any)."""

    lines: list[str]
    stated: datetime | None = None


def split(lines: list[str]) -> list[Segment]:
    """Cut chrome-free lines into articles at each listing line.

    Lines before the first listing line form their own segment (the page's main article, or a
    headline that belongs to the first entry). Entries go either listing line, headline, text or
    headline, listing line, text: where an entry starts straight with its text, a headline
    standing just above its listing line is moved down to it.
    """
    segments: list[Segment] = [Segment([])]
    for k, line in enumerate(lines):
        stated = dates.listing_date(line)
        if stated is None:
            segments[-1].lines.append(line)
            continue
        above = segments[-1].lines
        segments.append(Segment([], stated))
        below = lines[k + 1] if k + 1 < len(lines) else ""
        if above and _headline_above(above, preamble=len(segments) == 2) and not _reads_as_headline(below):
            segments[-1].lines.append(above.pop())
    return [segment for segment in segments if segment.lines]


def _reads_as_headline(line: str) -> bool:
    return bool(line) and article.headline_like(line) and not chrome.is_prose(line)


def _headline_above(above: list[str], *, preamble: bool) -> bool:
    """The last line above reads as a headline, and taking it leaves the entry above its text."""
    return _reads_as_headline(above[-1]) and (preamble or len(above) >= 2)


def is_listing(segments: list[Segment]) -> bool:
    """True when the page holds more than one article."""
    return len(segments) > 1
