"""Kazakhstan's regions in text: 'Mangystau region', 'Костанайской области', 'Маңғыстау облысы'."""

from __future__ import annotations

import re

from workers.enrich.aliases import REGIONS


def _pattern() -> re.Pattern[str]:
    parts = []
    for name, (latin, russian, kazakh) in REGIONS.items():
        group = re.sub(r"\W", "_", name)
        forms = [rf"{re.escape(b)}\s+(?:region|oblast)\b" for b in latin]
        # 'Костанайской и Актюбинской областях': the first adjective shares the second's noun.
        forms += [rf"{re.escape(s)}\w*(?=(?:\s+и\s+[А-ЯЁ]\w+)?\s+област)" for s in russian]
        forms += [rf"{re.escape(b)}\s+облыс\w*" for b in kazakh]
        parts.append(rf"(?P<{group}>{'|'.join(forms)})")
    return re.compile(rf"\b(?:{'|'.join(parts)})", re.IGNORECASE)


_REGION = _pattern()
_NAMES = {re.sub(r"\W", "_", name): name for name in REGIONS}


# Every region name ends at (or just before) one of these words.
_KEYWORD = re.compile(r"region|oblast|област|облыс", re.IGNORECASE)
_WORD_END = re.compile(r"\W|$")
# How far before its keyword a region name can start: the longest base plus 'и <Adjective>'.
_REACH = 100


def _windows(text: str) -> list[tuple[int, int]]:
    """Stretches of text around the keywords, merged, that hold every possible region name."""
    windows: list[tuple[int, int]] = []
    for m in _KEYWORD.finditer(text):
        # Start after a space so a window never begins inside a word (\b sees the real text);
        # end where the keyword's word ends so endpos never cuts a word either.
        begin = max(0, m.start() - _REACH)
        space = text.rfind(" ", 0, begin + 1)
        begin = space + 1 if begin and space != -1 else 0
        end = _WORD_END.search(text, m.end()).end()  # type: ignore[union-attr]
        if windows and begin <= windows[-1][1]:
            windows[-1] = (windows[-1][0], max(end, windows[-1][1]))
        else:
            windows.append((begin, end))
    return windows


def find(text: str) -> list[tuple[int, int, str]]:
    """(start, end, English name) of each region named in the text."""
    low = text.lower()
    if not any(word in low for word in ("region", "oblast", "област", "облыс")):
        return []
    # The full pattern is a long alternation: scanning only near its keywords is far cheaper.
    return [
        (m.start(), m.end(), _NAMES[m.lastgroup or ""])
        for begin, end in _windows(text)
        for m in _REGION.finditer(text, begin, end)
    ]
