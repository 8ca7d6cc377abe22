"""Shared text helpers for the enrichers: tokens with offsets, sentences, scripts, case."""

from __future__ import annotations

import re
from bisect import bisect_left
from functools import lru_cache
from itertools import accumulate, repeat
from operator import itemgetter
from typing import NamedTuple

# A word: letters/digits, with inner hyphens and apostrophes (Nur-Sultan, O'Brien, Қасым-Жомарт).
_TOKEN = re.compile(r"\w+(?:[-'’]\w+)*", re.UNICODE)
_TOKEN_SPLIT = re.compile(r"(\w+(?:[-'’]\w+)*)", re.UNICODE)
_FIRST = itemgetter(0)
_POSSESSIVE_END = re.compile(r"\w['’]s\b")
# Starts with the end mark itself, not a look-behind, so the regex engine can skip to candidates.
_SENTENCE_END = re.compile(r"[.!?…][»”\"']?\s+(?=[«“\"—–-]?\s*[A-ZА-ЯЁӘҒҚҢӨҰҮҺІ0-9])")
# Exactly the characters that [а-яёәғқңөұүһі] matches with re.IGNORECASE (found by trying every
# code point): both cases, and ᲀ-ᲆ, old variant forms of в д о с т ъ that case-blind matching
# counts. Listed out because a case-blind class is several times slower to scan a text with.
_CYRILLIC = re.compile(r"[ЁІА-яёіҒ-ғҚ-қҢ-ңҮ-ұҺ-һӘ-әӨ-өᲀ-ᲆ]")
_LATIN = re.compile(r"[a-z]", re.IGNORECASE)


# Entries of each per-word cache of the enrichers (there are about thirty). A few thousand of a
# language's words make up most of any article, so this many keep nearly every look-up cached,
# while a worker reading years of varied news stays bounded: an entry is ~220 bytes, so ~1.8 MiB
# per cache and ~55 MiB per pool process at worst (with 50,000 to 200,000 entries each, that
# worst case was ~460 MiB, which a benchmark corpus of a few hundred words never showed).
WORD_CACHE = 8_192


class Token(NamedTuple):
    """A word and where it is in the text."""

    text: str
    start: int
    end: int
    capitalised: bool  # starts with an upper-case letter
    bare: str  # without a possessive ending: Kazakhstan's -> Kazakhstan


def bare(word: str) -> str:
    """The word without a possessive 's or ' at its end."""
    if word.endswith(("'s", "’s")):
        return word[:-2]
    return word[:-1] if word.endswith(("'", "’")) else word


def tokens(text: str) -> list[Token]:
    """The words of a text with their character offsets."""
    # Every article goes through here: split, offsets and Token tuples are all built in C (map,
    # accumulate, tuple.__new__), not in a Python loop over match objects.
    parts = _TOKEN_SPLIT.split(text)
    offsets = list(accumulate(map(len, parts)))
    words = parts[1::2]
    bares = words
    if "'s" in text or "’s" in text:
        # Only words ending in a possessive differ: find them by where they end.
        ends = offsets[1::2]
        bares = list(words)
        for end in _possessive_ends(text):
            k = bisect_left(ends, end)
            if k < len(ends) and ends[k] == end:
                bares[k] = words[k][:-2]
    capitalised = map(str.isupper, map(_FIRST, words))
    return list(
        map(
            tuple.__new__,
            repeat(Token),
            zip(words, offsets[:-1:2], offsets[1::2], capitalised, bares, strict=True),
        )
    )


def is_word_char(ch: str) -> bool:
    """The regex class \\w for one character (str.isalnum is the same Unicode test re uses)."""
    return ch.isalnum() or ch == "_"


def _possessive_ends(text: str) -> list[int]:
    """Where the matches of _POSSESSIVE_END.finditer(text) end, found with str.find.

    The regex would be tried at every letter of the text; the apostrophes are few. A match is a
    word character, the apostrophe, 's' and a word boundary, not overlapping the previous match.
    """
    marks = sorted(_find_all(text, "'s") + _find_all(text, "’s"))
    found: list[int] = []
    last = 0
    for at in marks:
        end = at + 2
        if (
            at - 1 >= last
            and is_word_char(text[at - 1])
            and (end == len(text) or not is_word_char(text[end]))
        ):
            found.append(end)
            last = end
    return found


def _find_all(text: str, sub: str) -> list[int]:
    found = []
    at = text.find(sub)
    while at != -1:
        found.append(at)
        at = text.find(sub, at + 1)
    return found


def sentence_starts(text: str) -> list[int]:
    """Offsets where a sentence (or a paragraph) starts, in order."""
    starts = {0, *map(re.Match.end, _SENTENCE_END.finditer(text))}
    pos = text.find("\n")
    while pos != -1:
        starts.add(pos + 1)
        pos = text.find("\n", pos + 1)
    return sorted(starts)


def is_cyrillic(word: str) -> bool:
    """True when the word is written in Cyrillic."""
    # Words repeat, so their answers are cached; a long text is searched, not kept.
    return is_cyrillic_word(word) if len(word) <= 40 else bool(_CYRILLIC.search(word))


@lru_cache(maxsize=WORD_CACHE)
def is_cyrillic_word(word: str) -> bool:
    """is_cyrillic for a token: always cached (callers pass words, never whole texts)."""
    return bool(_CYRILLIC.search(word))


def script_counts(text: str) -> tuple[int, int]:
    """(Latin letters, Cyrillic letters) in the text."""
    return len(_LATIN.findall(text)), len(_CYRILLIC.findall(text))


@lru_cache(maxsize=WORD_CACHE)
def fold(text: str) -> str:
    """Case- and ё-folded form used as a lookup key."""
    return text.casefold().replace("ё", "е").replace("’", "'")


def fold_aligned(text: str) -> str | None:
    """fold(text) when it folds letter for letter, so its offsets are the text's; else None.

    Then every word of the folded text is fold() of the same word of the text (what a cache of
    words would give), so a window of a long text can be read folded without folding each word.
    Casefolding lengthens a few letters ('ß' -> 'ss'), and one mark becomes a letter (U+0345 ->
    'ι', found by trying every code point): texts with those get None. Not cached: texts are long.
    """
    folded = text.casefold().replace("ё", "е").replace("’", "'")
    if len(folded) != len(text) or "\u0345" in text:
        return None
    return folded


def title(word: str) -> str:
    """NUR-SULTAN -> Nur-Sultan, астана -> Астана (each hyphen part capitalised)."""
    return "-".join(part[:1].upper() + part[1:].lower() for part in word.split("-"))
