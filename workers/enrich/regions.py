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


def find(text: str) -> list[tuple[int, int, str]]:
    """(start, end, English name) of each region named in the text."""
    low = text.lower()
    if not any(word in low for word in ("region", "oblast", "област", "облыс")):
        return []
    return [(m.start(), m.end(), _NAMES[m.lastgroup or ""]) for m in _REGION.finditer(text)]
