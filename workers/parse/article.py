"""One article out of text lines: headline, dateline, the article's own date, body, truncation.

Shared by the dump, plain-text, listing, HTML and JSON parsers: each hands over the lines it
found and what its format says about the headline.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from workers.parse import chrome, dateline, dates

HeadlineSource = Literal["resolve", "trust", "fallback"]

# A run of spaces, tabs and Unicode spaces becomes one plain space. The pattern leaves out a run
# that already is one plain space (substituting it by itself cost one match per word): a space
# character followed by more, or a lone one that is not a plain space. It starts with a character
# class, which lets re jump from one space to the next instead of trying alternatives everywhere.
_SPACE_CHARS = r"\t\u00a0\u2000-\u200a\u202f\u205f\u3000"
_SPACES = re.compile(rf"[ {_SPACE_CHARS}](?:[ {_SPACE_CHARS}]+|(?<=[{_SPACE_CHARS}]))")
_INVISIBLE_CHARS = r"\u200b-\u200d\u2060\ufeff\x00-\x08\x0b\x0c\x0e-\x1f\x7f"
_INVISIBLE = re.compile(rf"[{_INVISIBLE_CHARS}]")
# What to_lines removes or replaces, but a plain space: when a text has none, both are no-ops.
_UNUSUAL = re.compile(rf"[{_INVISIBLE_CHARS}{_SPACE_CHARS}]")
_SITE_SUFFIX = re.compile(r"\s+[|–—:-]+\s+([^|–—]{2,40})$")
_ENDS_LIKE_SENTENCE = re.compile(r"[.!?…][»\"”’')]*$")
_CUT_END = re.compile(r"[\w,;(–—-]$")
_NOT_ALNUM = re.compile(r"[\W_]+")
# How far into an article its header (headline, date, byline, dateline) may reach, in lines.
_HEADER_LINES = 8


@dataclass
class Draft:
    """What the text says about one article, before it becomes a ParsedArticle."""

    headline: str | None = None
    body: list[str] = field(default_factory=list)
    place: str | None = None
    agency: str | None = None
    own_date: datetime | None = None
    truncated: bool = False

    @property
    def dateline_found(self) -> bool:
        """True when a place or an agency was found."""
        return bool(self.place or self.agency)


def to_lines(text: str) -> list[str]:
    """Text as a list of non-empty, whitespace-normalised lines, hard-wrapped prose re-joined."""
    text = unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n"))
    # Most texts hold no invisible character and no run of spaces to shorten. str.isprintable()
    # rejects every character _UNUSUAL finds (tests/unit/test_parse_lines.py checks each), and its
    # one C pass is faster than the regex scan: only a text that fails it is searched.
    if "  " in text or (not text.replace("\n", " ").isprintable() and _UNUSUAL.search(text)):
        # _SPACES never matches a newline: one pass over the whole text does what one per line would.
        text = _SPACES.sub(" ", _INVISIBLE.sub("", text))
    lines: list[str] = []
    previous_blank = True
    for raw in text.split("\n"):
        line = raw.strip()
        if not line:
            previous_blank = True
            continue
        if lines and not previous_blank and _continues(lines[-1], line):
            lines[-1] = f"{lines[-1]} {line}"
        else:
            lines.append(line)
        previous_blank = False
    return lines


def _continues(previous: str, line: str) -> bool:
    """A line that carries on the sentence of the line above (text wrapped at a fixed width)."""
    # The cheap tests first: most lines start with a capital, and the search reads all of `previous`.
    return line[0].islower() and len(previous) >= 60 and not _ENDS_LIKE_SENTENCE.search(previous)


def key(text: str) -> str:
    """Comparison form of a line: letters and digits only, case-folded."""
    # `[\W_]` is exactly the characters for which str.isalnum() is False (re's \w is isalnum()
    # plus `_`; tests/unit/test_parse_lines.py checks every code point).
    return _NOT_ALNUM.sub("", text.casefold())


def build(
    lines: list[str], *, head: str | None, source: HeadlineSource, reference: datetime | None
) -> Draft | None:
    """The article in these (chrome-free) lines, or None when there is no text at all.

    Args:
        lines: the article's lines, chrome already removed.
        head: the headline the format offers (a dump's ` date` line, an HTML title, a JSON field).
        source: "resolve" when `head` may be chrome or the first sentence (dumps), "trust" when the
            format says it is the headline, "fallback" when the lines' own headline comes first.
        reference: the dump date, to give a year to a dateline's day and month.
    """
    draft = Draft()
    lines = list(lines)
    if source == "resolve":
        draft.headline, lines, draft.agency = resolve_head(head or "", lines)
    elif source == "trust" and head:
        draft.headline = strip_site_suffix(head)
    lines = _read_header(draft, lines, reference, search=draft.headline is None)
    if draft.headline is None and source == "fallback" and head and not _is_chrome_head(head):
        draft.headline = strip_site_suffix(head)
    if draft.headline is None and source == "fallback" and len(lines) == 1 and _teaser(lines[0]):
        draft.headline, lines = lines[0], []  # a listing entry that is only a headline
    headline_key = key(draft.headline or "")
    draft.body = [
        line for line in lines if not _repeats(line, headline_key) and dates.date_only(line) is None
    ]
    if not draft.body and draft.headline is None:
        return None
    # The search starts two characters from the end: `$` matches there or before a final newline.
    draft.truncated = bool(draft.body) and bool(_CUT_END.search(draft.body[-1], len(draft.body[-1]) - 2))
    return draft


def _repeats(line: str, headline_key: str) -> bool:
    """The headline again, as a caption or a breadcrumb."""
    # Length first: most lines are far longer than a headline, and key() walks every character.
    return bool(headline_key) and len(line) < 2 * len(headline_key) + 20 and key(line) == headline_key


def resolve_head(head: str, lines: list[str]) -> tuple[str | None, list[str], str | None]:
    """Decide what a dump's ` date` line carries: (headline, lines, agency named by a byline).

    It may be the headline, site chrome (`EN`, `17:05`, `By Trend`, `3.`), the dateline with the
    first paragraph, or the first sentence of the body (then often repeated in full below).
    """
    head = head.strip()
    if not head:
        return None, lines, None
    if _is_chrome_head(head):
        signed = dateline.byline(head)
        return None, lines, signed[0] if signed else None
    first = lines[0] if lines else ""
    if _cut_copy_of(head, first):
        return None, lines, None
    if dateline.find(head) is not None:
        return None, [head, *lines], None
    if chrome.is_prose(head) and dateline.find(first) is None and head.endswith("."):
        return None, [head, *lines], None
    return strip_site_suffix(head), lines, None


def _is_chrome_head(head: str) -> bool:
    return chrome.is_chrome(head) or chrome.is_numbered_item(head) or dateline.byline(head) is not None


def _cut_copy_of(head: str, first: str) -> bool:
    """The ` date` line holds the start of the first paragraph, cut short."""
    head_key = key(head)
    if len(head_key) < 15:
        return False
    # key() maps each character on its own, so the key of the start of `first` is the start of
    # key(first): a start that gives more characters than head_key decides, and the rest of a long
    # first paragraph need not be read.
    first_key = key(first[: 2 * len(head) + 20])
    if len(first_key) <= len(head_key):
        first_key = key(first)
    return len(first_key) > len(head_key) and first_key.startswith(head_key)


def strip_site_suffix(headline: str) -> str:
    """`Headline | Kazinform` -> `Headline`: drop a trailing site or agency name."""
    headline = headline.strip()
    match = _SITE_SUFFIX.search(headline)
    if match and dateline.is_agency_name(match.group(1)):
        return headline[: match.start()].strip()
    return headline


def _read_header(draft: Draft, lines: list[str], reference: datetime | None, *, search: bool) -> list[str]:
    """Consume the header lines (date, byline, headline, dateline) into the draft; return the rest."""
    i = 0
    headline_key = key(draft.headline or "")
    while i < min(len(lines), _HEADER_LINES):
        line = lines[i]
        if (own := dates.date_only(line)) is not None:
            draft.own_date = draft.own_date or own
        elif _repeats(line, headline_key):
            pass  # the headline again, as a caption above the text
        elif (signed := dateline.byline(line)) is not None:
            draft.agency = draft.agency or signed[0]
        elif (found := dateline.find(line)) is not None and draft.place is None:
            _take_dateline(draft, found, reference)
            search = False
            if found.rest:
                # Read on from the text after the dateline: it may still be a byline (`By Trend`).
                lines[i] = found.rest
                continue
        elif search and i + 1 < len(lines) and headline_like(line) and draft.place is None:
            draft.headline, search = line, False
            headline_key = key(line)
        else:
            break
        i += 1
    return lines[i:]


def _take_dateline(draft: Draft, found: dateline.Found, reference: datetime | None) -> None:
    draft.place = found.place
    draft.agency = found.agency or draft.agency
    if draft.own_date is None and (stated := found.date(reference)) is not None:
        draft.own_date = stated


def _teaser(line: str) -> bool:
    return headline_like(line) and not chrome.is_prose(line)


def headline_like(line: str) -> bool:
    """A line that reads as a headline: a few words, no closing full stop, not a paragraph."""
    words = len(line.split())
    return (
        2 <= words <= 30
        and len(line) <= 250
        and not line.endswith((".", ":", ";", ","))
        and not chrome.is_numbered_item(line)
    )
