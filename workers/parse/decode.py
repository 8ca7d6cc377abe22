"""Bytes to text: BOM, declared charset, UTF-8, then cp1251 (Cyrillic dumps) as fallbacks."""

from __future__ import annotations

import codecs

_BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)


def decode(data: bytes, declared: str | None = None) -> str:
    """Decode document bytes to str, never raising: undecodable bytes become U+FFFD."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return data[len(bom) :].decode(encoding, errors="replace")
    if declared:
        try:
            return data.decode(declared)
        except (LookupError, UnicodeDecodeError):
            pass
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    # Cyrillic dumps from older sites come as cp1251; most cp1251 text fails UTF-8 at once.
    if sum(1 for b in data if 0xC0 <= b) > len(data) // 10:
        return data.decode("cp1251", errors="replace")
    return data.decode("utf-8", errors="replace")
