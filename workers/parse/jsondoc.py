"""JSON documents, ninjs-like: `headline`, `body_text` / `body` / `body_html`, `uri`, `versioncreated`."""

from __future__ import annotations

import html
import json
import re
from datetime import UTC, datetime
from typing import Any

from schemas import ParsedArticle, RawDocument
from services.errors import ParseError
from workers.parse import article, assemble

_BODY_FIELDS = ("body_text", "body", "text", "content")
_DATE_FIELDS = ("versioncreated", "firstcreated", "published", "published_at", "datePublished", "date")
_BLOCK_END = re.compile(r"</(?:p|div|h[1-6]|li|blockquote)\s*>|<br\s*/?>", re.IGNORECASE)
_TAG = re.compile(r"<[^>]{0,2000}>")


def looks_like_json(text: str) -> bool:
    """True when the text starts like a JSON object or array."""
    return text.lstrip()[:1] in ("{", "[")


def parse_json(text: str, raw: RawDocument) -> list[ParsedArticle]:
    """The article of a ninjs-like JSON object (ParseError for anything else)."""
    document = _load(text, raw)
    headline = _headline(document)
    body = _body(document)
    if not headline and not body:
        raise _error(
            raw,
            "JSON object has no headline and no body (expected 'headline' and 'body_text', 'body' or "
            f"'body_html'); its keys are: {', '.join(sorted(document)[:12]) or 'none'}",
            "not_a_document",
        )
    published = _published(document, raw)
    uri = next((document[k] for k in ("uri", "url") if isinstance(document.get(k), str)), None)
    context = assemble.Context(raw=raw, parser="json", language_hint=_language(document))
    draft = article.build(article.to_lines(body), head=headline, source="trust", reference=published)
    if draft is None:
        raise assemble.no_article(raw)
    if not draft.place and isinstance(document.get("located"), str):
        draft.place = document["located"].strip() or None
    parsed = assemble.to_parsed(draft, context, stated=published)
    if uri and uri.startswith(("http://", "https://")) and not raw.url:
        parsed = parsed.model_copy(update={"url": uri})
    return [parsed]


def _load(text: str, raw: RawDocument) -> dict[str, Any]:
    try:
        document = json.loads(text)
    except RecursionError as exc:
        raise _error(raw, "JSON nested too deeply to be a news document", "bad_json") from exc
    except ValueError as exc:
        raise _error(raw, f"not valid JSON: {exc}", "bad_json") from exc
    if not isinstance(document, dict):
        kind = {list: "an array", str: "a string", bool: "a boolean", type(None): "null"}.get(
            type(document), "a number"
        )
        raise _error(
            raw, f"JSON is {kind}, not a document object with 'headline' and 'body_text'", "not_a_document"
        )
    return document


def _headline(document: dict[str, Any]) -> str | None:
    value = document.get("headline") or document.get("title")
    if isinstance(value, str):
        return value.strip() or None
    # ninjs 2: "headlines": [{"value": "..."}]
    headlines = document.get("headlines")
    if isinstance(headlines, list) and headlines and isinstance(headlines[0], dict):
        first = headlines[0].get("value")
        return first.strip() or None if isinstance(first, str) else None
    return None


def _body(document: dict[str, Any]) -> str:
    for name in _BODY_FIELDS:
        if isinstance(value := document.get(name), str) and value.strip():
            return value
    if isinstance(value := document.get("body_html"), str):
        return html_to_text(value)
    bodies = document.get("bodies")  # ninjs 2
    if isinstance(bodies, list) and bodies and isinstance(bodies[0], dict):
        value = bodies[0].get("value")
        if isinstance(value, str):
            return html_to_text(value) if "<" in value else value
    return ""


def html_to_text(markup: str) -> str:
    """Paragraph text of an HTML fragment: block ends become line breaks, tags go, entities decode."""
    return html.unescape(_TAG.sub("", _BLOCK_END.sub("\n\n", markup)))


def _published(document: dict[str, Any], raw: RawDocument) -> datetime | None:
    for name in _DATE_FIELDS:
        value = document.get(name)
        if not isinstance(value, str) or not value.strip():
            continue
        try:
            stamp = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError as exc:
            raise _error(raw, f"'{name}' is not an ISO 8601 date-time: {value[:60]!r}", "bad_date") from exc
        return stamp if stamp.tzinfo else stamp.replace(tzinfo=UTC)
    return None


def _language(document: dict[str, Any]) -> str | None:
    value = document.get("language")
    if isinstance(value, str) and re.match(r"^[A-Za-z]{2}(?:[-_]|$)", value):
        return value[:2].lower()
    return None


def _error(raw: RawDocument, reason: str, code: str) -> ParseError:
    return ParseError(reason, doc_id=raw.id, url=raw.url, code=code)
