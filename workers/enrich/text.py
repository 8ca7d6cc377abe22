"""Shared text helpers for the enrichers: tokens with offsets, sentences, scripts, case."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

# A word: letters/digits, with inner hyphens and apostrophes (Nur-Sultan, O'Brien, Қасым-Жомарт).
_TOKEN = re.compile(r"\w+(?:[-'’]\w+)*", re.UNICODE)
_SENTENCE_END = re.compile(r"(?<=[.!?…])[»”\"']?\s+(?=[«“\"—–-]?\s*[A-ZА-ЯЁӘҒҚҢӨҰҮҺІ0-9])")
_CYRILLIC = re.compile(r"[а-яёәғқңөұүһі]", re.IGNORECASE)
_LATIN = re.compile(r"[a-z]", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Token:
    """A word and where it is in the text."""

    text: str
    start: int
    end: int
    capitalised: bool = field(default=False, compare=False)  # starts with an upper-case letter


def tokens(text: str) -> list[Token]:
    """The words of a text with their character offsets."""
    return [Token(m.group(), m.start(), m.end(), m.group()[0].isupper()) for m in _TOKEN.finditer(text)]


def sentence_starts(text: str) -> set[int]:
    """Offsets where a sentence (or a paragraph) starts."""
    starts = {0}
    for m in _SENTENCE_END.finditer(text):
        starts.add(m.end())
    pos = text.find("\n")
    while pos != -1:
        starts.add(pos + 1)
        pos = text.find("\n", pos + 1)
    return starts


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
