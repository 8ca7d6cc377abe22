"""Bytes to text: BOMs, declared and in-document charsets, UTF-8, cp1251 for Cyrillic."""

from __future__ import annotations

import codecs
from pathlib import Path

import pytest

from schemas import RawDocument
from workers.parse import parse
from workers.parse.decode import binary_share, decode

FIXTURES = Path(__file__).parents[1] / "fixtures"
RUSSIAN = "Актау. 11 марта. В области завершили ремонт дороги, сообщили в управлении."


def test_cp1251_dump_decodes() -> None:
    [article] = parse(RawDocument.create((FIXTURES / "dumps/ru_cp1251.txt").read_bytes(), channel="cli"))
    assert article.headline == "В Петропавловске обновят систему уличного освещения"
    assert article.dateline is not None
    assert article.dateline.agency == "КАЗИНФОРМ"


def test_bom_dump_decodes_and_the_date_line_is_still_found() -> None:
    [article] = parse(RawDocument.create((FIXTURES / "dumps/kk_bom.txt").read_bytes(), channel="cli"))
    assert article.headline == "Түркістанда халықаралық айтыс өтті"
    assert article.dump_date is not None
    assert article.dump_date.year == 2023


@pytest.mark.parametrize(
    ("bom", "encoding"),
    [(codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be")],
)
def test_byte_order_mark_decides_the_encoding(bom: bytes, encoding: str) -> None:
    assert decode(bom + RUSSIAN.encode(encoding)) == RUSSIAN


def test_utf16_without_bom_is_recognised() -> None:
    text = "ASTANA. KAZINFORM - The ministry said on Monday that work will start soon."
    assert decode(text.encode("utf-16-le")) == text


def test_declared_charset_is_used_when_the_bytes_are_not_utf8() -> None:
    assert decode(RUSSIAN.encode("koi8-r"), "koi8-r") == RUSSIAN


def test_valid_utf8_wins_over_a_wrong_declared_single_byte_charset() -> None:
    assert decode(RUSSIAN.encode("utf-8"), "windows-1251") == RUSSIAN


def test_html_meta_charset_is_honoured() -> None:
    page = f'<html><head><meta charset="windows-1251"></head><body><p>{RUSSIAN}</p></body></html>'
    assert RUSSIAN in decode(page.encode("cp1251"))


def test_undeclared_cp1251_cyrillic_is_recognised() -> None:
    assert decode(RUSSIAN.encode("cp1251")) == RUSSIAN


def test_unknown_declared_charset_falls_back_instead_of_failing() -> None:
    assert decode(RUSSIAN.encode("utf-8"), "no-such-charset") == RUSSIAN


def test_binary_share_tells_binary_from_text() -> None:
    assert binary_share(RUSSIAN) == 0
    assert binary_share(decode(bytes(range(256)) * 8)) > 0.1


def _control_share(text: str) -> float:
    """What binary_share counts, one character at a time."""
    counted = sum(1 for c in text if c in "\ufffd\x7f" or (ord(c) < 32 and c not in "\t\n\r"))
    return counted / len(text)


def test_binary_share_counts_each_control_character_whatever_the_text_around_it() -> None:
    """binary_share counts UTF-8 bytes: every candidate character beside every other."""
    around = [chr(c) for c in (*range(0x80), 0xA0, 0x3B1, 0x416, 0x2013, 0xFFFD, 0xFFFF, 0x1F600, 0xD800)]
    for left in around:
        for middle in around:
            sample = f"ab{left}{middle}\ufffd{left}"
            assert binary_share(sample) == _control_share(sample), (left, middle)
