"""Bytes to text: BOM, UTF-8, declared charset, in-document charset, cp1251, then detection."""

from __future__ import annotations

import codecs
import re

from charset_normalizer import from_bytes

_BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
# <meta charset="x">, <meta http-equiv content="text/html; charset=x">, <?xml encoding="x"?>
_INLINE_CHARSET = re.compile(
    rb"""(?:charset|encoding)\s*=\s*["']?\s*([A-Za-z0-9_.:-]{2,40})""", re.IGNORECASE
)
_CYRILLIC = re.compile(r"[А-Яа-яЁё]")
# Control characters other than tab/newline/carriage return, and U+FFFD (what undecodable bytes
# became): their share tells binary from text. Counted in UTF-8, as bytes (see binary_share).
_CONTROL_BYTES = bytes([*range(0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0x7F])
_REPLACEMENT_BYTES = "\ufffd".encode()


def decode(data: bytes, declared: str | None = None) -> str:
    """Decode document bytes to str, never raising: undecodable bytes become U+FFFD."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return data[len(bom) :].decode(encoding, errors="replace")
    # Before UTF-8: ASCII-range UTF-16 is valid UTF-8 too, a NUL in every other byte.
    if (wide := _utf16_without_bom(data)) is not None:
        return data.decode(wide, errors="replace")
    # Valid UTF-8 with non-ASCII bytes is almost never another encoding by accident, while declared
    # single-byte charsets (cp1251 headers on UTF-8 pages) are often wrong: UTF-8 is tried first.
    for candidate in ("utf-8", declared, _inline_charset(data)):
        if candidate and (text := _strict(data, candidate)) is not None:
            return text
    if _looks_cp1251(data):
        return data.decode("cp1251", errors="replace")
    best = from_bytes(data[:200_000]).best()
    if best is not None and best.encoding:
        return data.decode(best.encoding, errors="replace")
    return data.decode("utf-8", errors="replace")


def binary_share(text: str) -> float:
    """Share (0..1) of control and replacement characters: high for binary data, ~0 for text."""
    sample = text[:20_000]
    if not sample:
        return 0.0
    # In UTF-8 each control character is one byte that no other character's encoding holds, and
    # EF BF BD can only be U+FFFD (EF is never a continuation byte), so counting bytes counts the
    # characters; bytes.translate deletes the control bytes in one C loop, several times faster
    # than a regex scan testing every character against a set. surrogatepass: never raises.
    data = sample.encode("utf-8", "surrogatepass")
    controls = len(data) - len(data.translate(None, _CONTROL_BYTES)) + data.count(_REPLACEMENT_BYTES)
    return controls / len(sample)


def _strict(data: bytes, encoding: str) -> str | None:
    try:
        return data.decode(encoding)
    except (LookupError, ValueError):
        # ValueError, not just UnicodeDecodeError: a declared charset 'undefined' raises
        # UnicodeError and one holding a NUL raises ValueError (found by tests/fuzz).
        return None


def _inline_charset(data: bytes) -> str | None:
    head = data[:4096]
    if not head.lstrip().startswith((b"<", b"{")) and b"<meta" not in head.lower():
        return None
    match = _INLINE_CHARSET.search(head)
    return match.group(1).decode("ascii") if match else None


def _utf16_without_bom(data: bytes) -> str | None:
    sample = data[:4000]
    if len(sample) < 4 or b"\x00" not in sample:  # no NUL at all: not UTF-16 by the test below
        return None
    # ASCII-range text in UTF-16 has a NUL in every other byte.
    even, odd = sample[0::2].count(0), sample[1::2].count(0)
    half = len(sample) // 2
    if odd > half * 0.4 and even < half * 0.05:
        return "utf-16-le"
    if even > half * 0.4 and odd < half * 0.05:
        return "utf-16-be"
    return None


def _looks_cp1251(data: bytes) -> bool:
    """Cyrillic dumps from older sites come as cp1251: most high bytes then map to Cyrillic letters."""
    high = sum(1 for b in data[:50_000] if b >= 0x80)
    if high < 8:
        return False
    text = data[:50_000].decode("cp1251", errors="replace")
    return len(_CYRILLIC.findall(text)) >= high * 0.7
