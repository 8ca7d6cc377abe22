"""The facts every event carries: normalised body hash, word count, lede and the stable id."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from urllib.parse import urlsplit

from schemas import ParsedArticle

_WORD = re.compile(r"\w+", re.UNICODE)
_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+(?=[\"«“A-ZА-ЯЁӘҒҚҢӨҰҮҺІ])")


def normalise(text: str) -> str:
    """Case-folded, NFKC, whitespace-collapsed text: the form hashes are taken of."""
    # str.split() and the \s+ class agree on what whitespace is; split/join is the cheaper of the two.
    return " ".join(unicodedata.normalize("NFKC", text).split()).casefold()


def content_hash(body: str) -> str:
    """sha256 (hex) of the normalised body: equal for texts that differ only in case or spacing."""
    return hashlib.sha256(normalise(body).encode("utf-8")).hexdigest()


def words(body: str) -> list[str]:
    """The body's words (runs of letters or digits), as written: what word_count counts."""
    return _WORD.findall(body)


def word_count(body: str) -> int:
    """Number of words (runs of letters or digits) in the body."""
    return len(words(body))


def lede(body: str, max_chars: int = 400) -> str | None:
    """The first paragraph, cut to its first sentence when that paragraph is long."""
    for paragraph in body.split("\n"):
        paragraph = paragraph.strip()
        if paragraph:
            if len(paragraph) <= max_chars:
                return paragraph
            first = _SENTENCE_END.split(paragraph, maxsplit=1)[0]
            return first if len(first) <= max_chars else first[: max_chars - 1].rstrip() + "…"
    return None


def domain(url: str | None) -> str | None:
    """Host name of a URL without a leading 'www.', or None."""
    if not url:
        return None
    host = urlsplit(url).hostname
    return host.removeprefix("www.") if host else None


def event_id(article: ParsedArticle, body_hash: str) -> str:
    """Stable event id: from the URL, headline and date when known, else from the body.

    The same article always gets the same id, so re-ingesting it is a no-op at the sink.
    """
    parts = [
        article.url or "",
        normalise(article.headline or ""),
        article.published_at.date().isoformat() if article.published_at else "",
    ]
    if not article.headline:
        parts.append(body_hash)
    if article.url and article.index:
        parts.append(str(article.index))
    digest = hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()
    return "nw_" + digest[:32]
