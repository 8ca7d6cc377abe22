"""The shortcuts of the line helpers (workers/parse/article.py, chrome.py) do what the slow forms did.

Each shortcut replaces a slower formulation that is easier to read; these tests hold them to it,
over every Unicode code point where the claim is about characters.
"""

from __future__ import annotations

import random
import re
import sys

import pytest

from workers.parse import article, chrome

ALL_CHARACTERS = "".join(map(chr, range(sys.maxunicode + 1)))


def test_not_alnum_pattern_is_exactly_the_characters_isalnum_rejects() -> None:
    rejected = {match.group() for match in re.finditer(r"[\W_]", ALL_CHARACTERS)}
    assert rejected == {c for c in ALL_CHARACTERS if not c.isalnum()}


def test_key_is_the_case_folded_letters_and_digits() -> None:
    for text in ("Bridge reopens — after repairs!", "ЖАҢАЛЫҚТАР: 2023 ж.", "Straße_ΟΔΟΣ", "", "___"):
        assert article.key(text) == "".join(c for c in text.casefold() if c.isalnum())


def test_key_of_a_start_is_the_start_of_the_key() -> None:
    """What `_cut_copy_of` relies on: casefold() and the filter map each character on its own."""
    rng = random.Random(5)
    sample = "aZ ßİıΣς-_.,ﬃ1٣Ж\u0301ǅ"
    for _ in range(2000):
        text = "".join(rng.choice(sample) for _ in range(rng.randint(0, 20)))
        cut = rng.randint(0, len(text))
        assert article.key(text).startswith(article.key(text[:cut]))


def test_cut_copy_of_reads_a_long_first_paragraph_as_the_whole_key_would() -> None:
    head = "The ministry said the work would be finished"
    first = head + " before the end of the year" * 40
    assert article._cut_copy_of(head, first)
    assert not article._cut_copy_of(head, "Another " + first)
    assert not article._cut_copy_of(head, head)
    # A start of mostly punctuation gives too few key characters: the whole line then decides.
    punctuated = "-" * 200 + "Bridge reopens officials say more"
    assert article._cut_copy_of("Bridge reopens, officials say", punctuated)


def _spaces_before(text: str) -> str:
    """The former form: every run of spaces and Unicode spaces, even one plain space, substituted."""
    return re.sub(r"[ \t\u00a0\u2000-\u200a\u202f\u205f\u3000]+", " ", text)


def test_every_character_to_lines_removes_or_replaces_is_not_printable() -> None:
    """What lets to_lines skip its substitutions for a text that str.isprintable() accepts."""
    unusual = [m.group() for m in article._UNUSUAL.finditer(ALL_CHARACTERS)]
    assert len(unusual) > 40
    assert not any(c.isprintable() for c in unusual)
    assert article._INVISIBLE.pattern[1:-1] in article._UNUSUAL.pattern
    assert article._SPACE_CHARS in article._UNUSUAL.pattern


def test_spaces_pattern_substitutes_as_the_former_one_did() -> None:
    rng = random.Random(7)
    alphabet = " \t\u00a0\u2001\u200a\u202f\u205f\u3000ab\n"
    for _ in range(20_000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 12)))
        assert article._SPACES.sub(" ", text) == _spaces_before(text)


@pytest.mark.parametrize(
    "searched", [chrome._FOOTER_PHRASE.pattern, "".join(chrome._COOKIE_WORDS)], ids=["footer", "cookie"]
)
def test_fold_matches_each_letter_as_ignorecase_does(searched: str) -> None:
    folded = [chrome._fold(c) for c in ALL_CHARACTERS]
    # One character in, one out: `.{0,40}` counts the same characters in the fold as in the line.
    assert all(len(f) == 1 for f in folded)
    assert "\n" not in "".join(f for c, f in zip(ALL_CHARACTERS, folded, strict=True) if c != "\n")
    for letter in {c for c in searched if c.lower() != c.upper()}:
        assert letter == letter.lower()
        ignorecase = {m.group() for m in re.finditer(re.escape(letter), ALL_CHARACTERS, re.IGNORECASE)}
        by_fold = {c for c, f in zip(ALL_CHARACTERS, folded, strict=True) if f == letter}
        assert by_fold == ignorecase, letter


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("© 2024 Newswire Bench. All rights reserved.", chrome.Kind.FOOTER),
        ("Some text. ALL RİGHTS RESERVED", chrome.Kind.FOOTER),
        ("При полном или частичном использовании материалов ссылка обязательна", chrome.Kind.FOOTER),
        ("Reproduction of this page is strictly PROHIBITED", chrome.Kind.FOOTER),
        ("We use COOKIES on this site to improve it", chrome.Kind.CHROME),
        ("Мы используем файлы КУКИ", chrome.Kind.CHROME),
        ("The cookie factory in Almaty hired 40 workers this spring, the akimat said.", chrome.Kind.CONTENT),
    ],
)
def test_footer_and_cookie_lines_whatever_their_case(line: str, expected: chrome.Kind) -> None:
    assert chrome.kind(line) is expected


def _top_level_alternatives(pattern: str) -> list[str]:
    """The pattern cut at each `|` outside parentheses."""
    parts, depth, start = [], 0, 0
    for i, c in enumerate(pattern):
        depth += {"(": 1, ")": -1}.get(c, 0)
        if c == "|" and depth == 0:
            parts.append(pattern[start:i])
            start = i + 1
    return [*parts, pattern[start:]]


def test_every_footer_phrase_holds_one_of_the_footer_words() -> None:
    """What lets `_footer_phrase` skip the regex for a line holding none of the words."""
    phrases = _top_level_alternatives(chrome._FOOTER_PHRASE.pattern)
    assert len(phrases) == 8
    for phrase in phrases:
        assert any(word in phrase for word in chrome._FOOTER_WORDS), phrase
