"""Shared text helpers for the enrichers: tokens with offsets, sentences, scripts, case."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import NamedTuple

# A word: letters/digits, with inner hyphens and apostrophes (Nur-Sultan, O'Brien, Қасым-Жомарт).
_TOKEN = re.compile(r"\w+(?:[-'’]\w+)*", re.UNICODE)
_SENTENCE_END = re.compile(r"(?<=[.!?…])[»”\"']?\s+(?=[«“\"—–-]?\s*[A-ZА-ЯЁӘҒҚҢӨҰҮҺІ0-9])")
_CYRILLIC = re.compile(r"[а-яёәғқңөұүһі]", re.IGNORECASE)
_LATIN = re.compile(r"[a-z]", re.IGNORECASE)


class Token(NamedTuple):
    """A word and where it is in the text."""

    text: str
    start: int
    end: int
    capitalised: bool = False  # starts with an upper-case letter


def tokens(text: str) -> list[Token]:
    """The words of a text with their character offsets."""
    # tuple.__new__ skips NamedTuple's Python-level __new__: tokenising is on every article's path.
    new = tuple.__new__
    out: list[Token] = []
    for m in _TOKEN.finditer(text):
        word = m.group()
        start, end = m.span()
        out.append(new(Token, (word, start, end, word[0].isupper())))
    return out


def sentence_starts(text: str) -> list[int]:
    """Offsets where a sentence (or a paragraph) starts, in order."""
    starts = {0, *(m.end() for m in _SENTENCE_END.finditer(text))}
    pos = text.find("\n")
    while pos != -1:
        starts.add(pos + 1)
        pos = text.find("\n", pos + 1)
    return sorted(starts)


def is_cyrillic(word: str) -> bool:
    """True when the word is written in Cyrillic."""
    return bool(_CYRILLIC.search(word))


def script_counts(text: str) -> tuple[int, int]:
    """(Latin letters, Cyrillic letters) in the text."""
    return len(_LATIN.findall(text)), len(_CYRILLIC.findall(text))


@lru_cache(maxsize=200_000)
def fold(text: str) -> str:
    """Case- and ё-folded form used as a lookup key."""
    return text.casefold().replace("ё", "е").replace("’", "'")


def title(word: str) -> str:
    """NUR-SULTAN -> Nur-Sultan, астана -> Астана (each hyphen part capitalised)."""
    return "-".join(part[:1].upper() + part[1:].lower() for part in word.split("-"))
