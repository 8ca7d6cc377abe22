"""Kazakhstan's regions in text: 'Mangystau region', 'Костанайской области', 'Маңғыстау облысы'."""

from __future__ import annotations

import re
from collections import deque

from workers.enrich.aliases import REGIONS


def _pattern() -> re.Pattern[str]:
    parts = []
    for name, (latin, russian, kazakh) in REGIONS.items():
        group = re.sub(r"\W", "_", name)
        forms = [rf"{re.escape(b)}\s+(?:region|oblast)s?\b" for b in latin]
        # 'Костанайской и Актюбинской областях': the first adjective shares the second's noun.
        forms += [rf"{re.escape(s)}\w*(?=(?:\s+и\s+[А-ЯЁ]\w+)?\s+област)" for s in russian]
        forms += [rf"{re.escape(b)}\s+облыс\w*" for b in kazakh]
        parts.append(rf"(?P<{group}>{'|'.join(forms)})")
    return re.compile(rf"\b(?:{'|'.join(parts)})", re.IGNORECASE)


def _list_item_pattern() -> re.Pattern[str]:
    """A region's bare name ending a text, then a list separator: 'Karaganda and ', 'Түркістан, '."""
    parts = []
    for name, (latin, russian, kazakh) in REGIONS.items():
        group = re.sub(r"\W", "_", name)
        forms = [re.escape(b) for b in (*latin, *kazakh)] + [rf"{re.escape(s)}\w*" for s in russian]
        parts.append(rf"(?P<{group}>{'|'.join(forms)})")
    return re.compile(rf"\b(?:{'|'.join(parts)})\s*(?:,|\s(?:and|or|және|мен|бен|пен|и))\s*$", re.IGNORECASE)


_REGION = _pattern()
_LIST_ITEM = _list_item_pattern()
_NAMES = {re.sub(r"\W", "_", name): name for name in REGIONS}


# Every region name ends at (or just before) one of these words, within a few words of it.
_KEYWORDS = ("region", "oblast", "област", "облыс")
_KEYWORD = re.compile("|".join(_KEYWORDS), re.IGNORECASE)
_WORD_START = re.compile(r"\b\w")
# A name starts at most this many word starts (hyphen parts count) and characters before its
# keyword: 'Восточно-Казахстанской и Западно-Казахстанской областях' is the longest form.
_WORDS_BACK = 6
_REACH = 90


def _keyword_offsets(text: str, low: str) -> list[int]:
    """Where the keywords are: str.find on the lower-cased text (a case-blind regex scan is slow)."""
    if len(low) != len(text):  # lower() lengthened a letter (İ): offsets would not line up
        return [m.start() for m in _KEYWORD.finditer(text)]
    offsets = []
    for word in _KEYWORDS:
        at = low.find(word)
        while at != -1:
            offsets.append(at)
            at = low.find(word, at + 1)
    return offsets


def _candidates(text: str, low: str) -> list[int]:
    """Offsets where a region name could start: the word starts just before each keyword."""
    starts: set[int] = set()
    for at in _keyword_offsets(text, low):
        # The last _WORDS_BACK word starts before the keyword (a bounded deque keeps them, in C).
        starts.update(
            deque(map(re.Match.start, _WORD_START.finditer(text, max(0, at - _REACH), at)), _WORDS_BACK)
        )
    return sorted(starts)


def find(text: str) -> list[tuple[int, int, str]]:
    """(start, end, English name) of each region named in the text."""
    low = text.lower()
    if not any(word in low for word in _KEYWORDS):
        return []
    # The full pattern is a long alternation: trying it only where a name could start is far
    # cheaper than scanning the text, and finds the same leftmost, non-overlapping matches.
    found: list[tuple[int, int, str]] = []
    end = 0
    for pos in _candidates(text, low):
        if pos < end:
            continue
        m = _REGION.match(text, pos)
        if m:
            found.extend(_shared_noun_list(text, m.start(), found[-1][1] if found else 0))
            found.append((m.start(), m.end(), _NAMES[m.lastgroup or ""]))
            end = m.end()
    return sorted(found)


def _shared_noun_list(text: str, start: int, floor: int) -> list[tuple[int, int, str]]:
    """'Turkistan, Zhambyl and Kyzylorda regions': the names before one share its noun."""
    items: list[tuple[int, int, str]] = []
    while start > floor:
        m = _LIST_ITEM.search(text, max(floor, start - 40), start)
        if not m:
            break
        group = next(g for g, v in m.groupdict().items() if v)
        items.append((m.start(group), m.end(group), _NAMES[group]))
        start = m.start()
    return items
