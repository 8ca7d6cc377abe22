"""Pick the parser for a RawDocument by content type and shape, after bounding and decoding it."""

from __future__ import annotations

from schemas import ParsedArticle, RawDocument
from services.errors import ParseError
from workers.parse import article, dump, html, jsondoc, text
from workers.parse.decode import binary_share, decode

# Larger documents are refused, not cut: a cut would silently drop part of what was accepted.
MAX_BYTES = 10_000_000
MAX_TEXT_CHARS = 2_000_000
# Share of control / undecodable characters above which the bytes are not text at all.
_BINARY_SHARE = 0.1


def parse(raw: RawDocument, *, max_bytes: int = MAX_BYTES) -> list[ParsedArticle]:
    """Parse a document into its articles; raise ParseError (with a reason and a code) if it holds none."""
    if len(raw.content) > max_bytes:
        raise _error(
            raw, f"document too large: {len(raw.content):,} bytes (limit {max_bytes:,})", "too_large"
        )
    decoded = decode(raw.content, raw.charset)
    if not decoded.strip():
        raise _error(raw, "document is empty", "empty")
    if binary_share(decoded) > _BINARY_SHARE:
        raise _error(raw, "document is not text: it looks like binary data", "binary")
    kind = _kind(raw, decoded)
    if kind == "json":
        return jsondoc.parse_json(decoded, raw)
    if kind == "html":
        return html.parse_html(decoded, raw)
    if len(decoded) > MAX_TEXT_CHARS:
        raise _error(
            raw, f"text too large: {len(decoded):,} characters (limit {MAX_TEXT_CHARS:,})", "too_large"
        )
    lines = article.to_lines(decoded)
    if (found := dump.header(lines)) is not None:
        return dump.parse_dump(lines, found, raw)
    return text.parse_text(lines, raw)


def _kind(raw: RawDocument, decoded: str) -> str:
    """json, html or text: the declared type when it fits the bytes, else what the bytes look like."""
    declared = (raw.content_type or "").split(";")[0].strip().lower()
    if declared.endswith("json") or (
        (not declared or declared == "text/plain") and jsondoc.looks_like_json(decoded)
    ):
        return "json"
    if declared in ("text/html", "application/xhtml+xml") or html.looks_like_html(decoded):
        return "html"
    return "text"


def _error(raw: RawDocument, reason: str, code: str) -> ParseError:
    return ParseError(reason, doc_id=raw.id, url=raw.url, code=code)
