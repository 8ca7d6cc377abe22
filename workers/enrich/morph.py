"""Russian and Kazakh word forms: pymorphy3 for Russian, suffix rules for Kazakh case endings."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

# Kazakh case and possessive endings, longest first: Астанада -> Астана, Тоқаевтың -> Тоқаев.
_KAZAKH_ENDINGS = sorted(
    """ның нің дың дің тың тің ға ге қа ке на не да де та те дан ден тан тен нан нен мен бен пен
    ды ді ты ті ны ні дағы дегі тағы тегі нда нде ндағы ндегі сы сі ы і ның ына іне ында інде
    нан нің ға ге""".split(),
    key=len,
    reverse=True,
)
_SURNAME_CASES = (
    # masculine oblique -> nominative; feminine oblique -> nominative
    (re.compile(r"(ов|ев|ёв|ин|ын)(а|у|ым|е)$"), r"\1"),
    (re.compile(r"(ов|ев|ёв|ин|ын)(ой)$"), r"\1а"),
)


@lru_cache(maxsize=1)
def _analyzer() -> Any:
    import pymorphy3

    return pymorphy3.MorphAnalyzer(lang="ru")


@lru_cache(maxsize=50_000)
def parses(word: str) -> tuple[Any, ...]:
    """pymorphy3's parses of a Russian word (cached: names repeat across articles)."""
    return tuple(_analyzer().parse(word))


def lemmas(word: str) -> list[str]:
    """Dictionary forms a Cyrillic word may stand for, best first (lower case)."""
    out = [word.lower()]
    for parse in parses(word)[:4]:
        if parse.normal_form not in out:
            out.append(parse.normal_form)
    for stem in kazakh_stems(word):
        if stem not in out:
            out.append(stem)
    return out


def kazakh_stems(word: str) -> list[str]:
    """The word with one or two Kazakh case/possessive endings taken off (lower case)."""
    low = word.lower()
    stems: list[str] = []
    for _ in range(2):
        for ending in _KAZAKH_ENDINGS:
            if low.endswith(ending) and len(low) - len(ending) >= 3:
                low = low[: -len(ending)]
                stems.append(low)
                break
        else:
            break
    return stems


def has_tag(word: str, grammeme: str) -> bool:
    """True when one of the word's likelier parses carries the grammeme (Name, Surn, Geox...)."""
    return any(grammeme in parse.tag and parse.score >= 0.05 for parse in parses(word)[:4])


def is_genitive_phrase_word(word: str) -> bool:
    """True for a lower-case noun or adjective in the genitive ('иностранных', 'дел', 'энергетики')."""
    return any(
        ("NOUN" in p.tag or "ADJF" in p.tag) and "gent" in p.tag and p.score >= 0.05 for p in parses(word)[:4]
    )


def is_adjective(word: str) -> bool:
    """True when the word is most likely a full adjective ('Национальный', 'Европейского')."""
    found = parses(word)
    return bool(found) and "ADJF" in found[0].tag


def nominative(word: str, *, role: str) -> str:
    """A name word in the nominative: role is 'first', 'surname' or 'other' (keeps hyphen parts)."""
    if "-" in word:
        head, _, last = word.rpartition("-")
        return f"{head}-{nominative(last, role=role)}"
    if re.search(r"[әғқңөұүһі]", word.lower()):
        stems = kazakh_stems(word)
        return _cap(stems[0]) if stems and role == "surname" and _looks_like_surname(stems[0]) else word
    grammeme = {"first": "Name", "surname": "Surn"}.get(role)
    if role == "surname":
        for pattern, repl in _SURNAME_CASES:
            if pattern.search(word.lower()):
                return _cap(pattern.sub(repl, word.lower()))
    for parse in parses(word)[:5]:
        if grammeme and grammeme in parse.tag:
            if "nomn" in parse.tag:
                return word
            inflected = parse.inflect({"nomn"})
            return _cap(inflected.word) if inflected else word
    return word


def _looks_like_surname(stem: str) -> bool:
    return stem.endswith(("ов", "ев", "ин", "ова", "ева", "ина", "ұлы", "улы", "қызы", "кызы"))


def _cap(word: str) -> str:
    return "-".join(part[:1].upper() + part[1:] for part in word.split("-"))


def inflect_nominative(word: str) -> str:
    """An organisation's head word or adjective put in the nominative, keeping its capital."""
    for parse in parses(word)[:3]:
        if "nomn" in parse.tag:
            return word
        inflected = parse.inflect({"nomn", "sing"}) or parse.inflect({"nomn"})
        if inflected:
            out = inflected.word
            return out[:1].upper() + out[1:] if word[:1].isupper() else out
    return word
