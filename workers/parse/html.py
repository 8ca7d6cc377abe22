"""HTML pages: trafilatura finds the article (headline, date, body); size is bounded first."""

from __future__ import annotations

import contextlib
import logging
import re
from copy import copy
from datetime import UTC, datetime
from html import unescape

import trafilatura
from htmldate import find_date
from lxml.html import HtmlElement
from trafilatura.metadata import examine_meta, extract_meta_json, extract_title, extract_url
from trafilatura.settings import DEFAULT_CONFIG, Document, Extractor, set_date_params
from trafilatura.utils import line_processing, load_html

from schemas import ParsedArticle, RawDocument
from services.errors import ParseError
from workers.parse import article, assemble, chrome

# Markup that never holds article text; removed before the size check so that script-heavy
# pages are judged by their content. Each pattern is non-greedy and anchored on tags: linear.
_NOT_TEXT = re.compile(r"<(script|style|svg|noscript|template)\b[^>]*>.*?</\1\s*>", re.IGNORECASE | re.DOTALL)
_HTML_LANG = re.compile(r"<html\b[^>]*?\blang\s*=\s*[\"']?([A-Za-z]{2})(?![A-Za-z])", re.IGNORECASE)
# `kz` is the country; pages that use it as a language code mean Kazakh.
_LANGUAGE_ALIASES = {"kz": "kk"}
# trafilatura takes up to ~13 s per MB of dense paragraphs on this class of machine (~7 s without its
# fallback extractors): pages above FAST_ABOVE skip the fallbacks, and MAX_HTML_CHARS keeps one page
# well inside a task's soft time limit.
MAX_HTML_CHARS = 600_000
FAST_ABOVE = 200_000
_EXTENSIVE_DATES = DEFAULT_CONFIG.getboolean("DEFAULT", "EXTENSIVE_DATE_SEARCH")
_MAX_FILE_SIZE = DEFAULT_CONFIG.getint("DEFAULT", "MAX_FILE_SIZE")

# trafilatura's options for the text pass, as `bare_extraction(include_comments=False,
# include_tables=False)` builds them. Building an Extractor reads its settings out of a ConfigParser
# (~30-50 µs, ~2 % of a page): it is built once here, and each page gets a copy with its own URL
# and mode (trafilatura's own command line reuses one Extractor the same way, setting `url`).
_TEXT_OPTIONS = Extractor(output_format="python", comments=False, tables=False)

logging.getLogger("trafilatura").setLevel(logging.ERROR)


def looks_like_html(text: str) -> bool:
    """True when the text starts like an HTML document (doctype, <html>, <head>, <body>)."""
    head = text[:1024].lstrip().lower()
    return (
        head.startswith(("<!doctype html", "<html", "<head", "<body", "<?xml"))
        and "<html" in text[:20_000].lower()
    )


def parse_html(text: str, raw: RawDocument, *, max_chars: int = MAX_HTML_CHARS) -> list[ParsedArticle]:
    """The article of an HTML page (ParseError when trafilatura finds none)."""
    markup = _NOT_TEXT.sub(" ", text)
    if len(markup) > max_chars:
        raise ParseError(
            f"HTML page too large to parse: {len(markup):,} characters of markup without scripts "
            f"(limit {max_chars:,})",
            doc_id=raw.id,
            url=raw.url,
            code="too_large",
        )
    try:
        # One lxml tree for both passes: trafilatura copies a tree it is handed before pruning it.
        tree = load_html(markup, _MAX_FILE_SIZE)
        title, date = _metadata(tree, raw.url) if tree is not None else (None, None)
        found = trafilatura.bare_extraction(
            tree if tree is not None else markup,
            options=_text_options(raw.url, fast=len(markup) > FAST_ABOVE),
        )
    except (ValueError, TypeError, RecursionError, LookupError) as exc:  # lxml on hostile markup
        raise ParseError(
            f"HTML could not be parsed: {exc}", doc_id=raw.id, url=raw.url, code="bad_html"
        ) from exc
    if not isinstance(found, Document) or not (found.text or "").strip():
        raise ParseError(
            "no article text found in the HTML page", doc_id=raw.id, url=raw.url, code="no_article"
        )
    declared = _HTML_LANG.search(text[:5000])
    language = declared.group(1).lower() if declared else None
    context = assemble.Context(
        raw=raw, parser="html", language_hint=_LANGUAGE_ALIASES.get(language or "", language)
    )
    lines = chrome.clean(article.to_lines(found.text or ""))
    draft = article.build(lines, head=title, source="trust", reference=raw.received_at)
    if draft is None:
        raise assemble.no_article(raw)
    published = _date(date)
    return [assemble.to_parsed(draft, context, stated=published)]


def _text_options(url: str | None, *, fast: bool) -> Extractor:
    """The Extractor `bare_extraction(url=url, fast=fast, ...)` would build for this page.

    Its date parameters (today's date as the latest) are the template's; trafilatura reads them only
    for its metadata pass, which newswire does not ask for (`_metadata` sets its own per page).
    """
    options = copy(_TEXT_OPTIONS)
    options.url = url
    options.source = url and url.encode("utf-8", "replace").decode("utf-8")  # as Extractor sets it
    options.fast = fast
    return options


def _metadata(tree: HtmlElement, url: str | None) -> tuple[str | None, str | None]:
    """The page's title and date, found as `bare_extraction(with_metadata=True)` finds them.

    trafilatura's own metadata pass also looks for the author, site name, categories, tags and
    licence, which newswire does not use and which cost more than the text extraction's own
    difference to `extract` (the author search alone ~1 ms a page): only the steps that decide
    the title and the date are run here, in trafilatura's order.
    """
    meta = examine_meta(tree)
    if meta.author and " " not in meta.author:
        meta.author = None  # as trafilatura does before reading JSON-LD
    # trafilatura guards this step the same way: its JSON-LD reader has known bugs.
    with contextlib.suppress(Exception):
        meta = extract_meta_json(tree, meta)
    title = meta.title or extract_title(tree)
    page_url = meta.url or extract_url(tree, url)
    date = find_date(tree, **{**set_date_params(_EXTENSIVE_DATES), "url": page_url})
    return _trimmed(title), _trimmed(date)


def _trimmed(value: str | None) -> str | None:
    """A metadata string cut and cleaned as trafilatura's `Document.clean_and_trim` does."""
    if not isinstance(value, str):
        return value
    if len(value) > 10000:
        value = value[:9999] + "…"
    return line_processing(unescape(value))


def _date(value: str | None) -> datetime | None:
    """trafilatura's `YYYY-MM-DD` (or ISO date-time) as a UTC datetime."""
    if not value:
        return None
    try:
        stamp = datetime.fromisoformat(value)
    except ValueError:
        return None
    return stamp if stamp.tzinfo else stamp.replace(tzinfo=UTC)
