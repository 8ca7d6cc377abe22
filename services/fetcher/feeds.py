"""RSS/Atom bytes -> feed entries, with XML entity declarations refused before any parser expands them."""

from __future__ import annotations

import calendar
import html
import io
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from xml.etree.ElementTree import ParseError

import defusedxml.ElementTree
import feedparser
from defusedxml import DefusedXmlException

from services.fetcher.errors import FetchRejected

# An ENTITY declaration in any ASCII-compatible or UTF-16 encoding: checked on the raw bytes too,
# because a feed that is not well-formed XML goes to feedparser's loose parser, not to defusedxml.
_ENTITY_DECL = re.compile(
    rb"<!ENTITY|<\x00!\x00E\x00N\x00T\x00I\x00T\x00Y\x00|\x00<\x00!\x00E\x00N\x00T\x00I\x00T\x00Y",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class FeedEntry:
    """One feed item: where its article lives, and its own content as a fallback."""

    key: str
    link: str | None
    title: str | None
    published: datetime | None
    content_html: str | None


@dataclass(frozen=True)
class Feed:
    """A parsed feed: its title and entries."""

    title: str | None
    entries: list[FeedEntry]


def parse_feed(data: bytes, *, url: str, content_type: str | None = None) -> Feed:
    """Parse feed bytes; raise FetchRejected (`feed_entities`, `bad_feed`) with the reason if refused."""
    _refuse_entities(data, url)
    well_formed_error: str | None = None
    try:
        defusedxml.ElementTree.fromstring(data, forbid_dtd=False, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as exc:
        raise FetchRejected(
            f"feed {url} declares XML entities or external references ({exc!r}); refused to expand them",
            url=url,
            code="feed_entities",
        ) from exc
    except ParseError as exc:
        well_formed_error = str(exc)
    headers = {"content-type": content_type} if content_type else {}
    # A stream, never bytes or str: feedparser.parse treats a str as a URL to fetch and tries
    # bytes as a local file name first.
    parsed = feedparser.parse(io.BytesIO(data), response_headers=headers, resolve_relative_uris=True)
    entries = [entry for raw in parsed.entries if (entry := _entry(raw)) is not None]
    if well_formed_error and not entries:
        raise FetchRejected(
            f"feed {url} is not well-formed XML and holds no readable entry: {well_formed_error}",
            url=url,
            code="bad_feed",
        )
    if not parsed.version and not entries:
        raise FetchRejected(f"{url} is not an RSS or Atom feed", url=url, code="bad_feed")
    title = parsed.feed.get("title") if isinstance(parsed.feed, dict) else None
    return Feed(title=title or None, entries=entries)


def _refuse_entities(data: bytes, url: str) -> None:
    if _ENTITY_DECL.search(data):
        raise FetchRejected(
            f"feed {url} declares XML entities (an entity-expansion bomb is possible); refused",
            url=url,
            code="feed_entities",
        )


def _entry(raw: Any) -> FeedEntry | None:
    link = raw.get("link") or None
    key = link or raw.get("id") or None
    if not key:
        return None
    published = None
    for name in ("published_parsed", "updated_parsed"):
        if stamp := raw.get(name):
            published = datetime.fromtimestamp(calendar.timegm(stamp), UTC)
            break
    content = None
    if raw.get("content"):
        content = "\n".join(part.get("value", "") for part in raw["content"]) or None
    content = content or raw.get("summary") or None
    return FeedEntry(
        key=key, link=link, title=raw.get("title") or None, published=published, content_html=content
    )


def entry_document(entry: FeedEntry) -> bytes:
    """An HTML page made of the entry's own title, date and content: the fallback when its page fails."""
    title = html.escape(entry.title or "")
    meta = (
        f'<meta property="article:published_time" content="{entry.published.isoformat()}">'
        if entry.published
        else ""
    )
    page = (
        f'<!DOCTYPE html>\n<html><head><meta charset="utf-8"><title>{title}</title>{meta}</head>\n'
        f"<body><article><h1>{title}</h1>\n{entry.content_html or ''}\n</article></body></html>\n"
    )
    return page.encode("utf-8")
