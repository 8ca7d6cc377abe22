"""Russian and Kazakh word forms: pymorphy3 for Russian, suffix rules for Kazakh case endings."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from workers.enrich.text import WORD_CACHE

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


@lru_cache(maxsize=WORD_CACHE)
def parses(word: str) -> tuple[Any, ...]:
    """pymorphy3's parses of a Russian word (cached: names repeat across articles)."""
    return tuple(_analyzer().parse(word))


# The word-level answers below are cached like parses(): the same names and words recur in every
# article, and each answer costs pymorphy3 look-ups or a loop over the endings. Functions that
# return lists keep a cached tuple and hand each caller its own list.


def lemmas(word: str) -> list[str]:
    """Dictionary forms a Cyrillic word may stand for, best first (lower case)."""
    return list(_lemmas(word))


@lru_cache(maxsize=WORD_CACHE)
def _lemmas(word: str) -> tuple[str, ...]:
    out = [word.lower()]
    for parse in parses(word)[:4]:
        if parse.normal_form not in out:
            out.append(parse.normal_form)
    for stem in _kazakh_stems(word):
        if stem not in out:
            out.append(stem)
    return tuple(out)


def kazakh_stems(word: str) -> list[str]:
    """The word with one or two Kazakh case/possessive endings taken off (lower case)."""
    return list(_kazakh_stems(word))


@lru_cache(maxsize=WORD_CACHE)
def _kazakh_stems(word: str) -> tuple[str, ...]:
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
    return tuple(stems)


@lru_cache(maxsize=WORD_CACHE)
def has_tag(word: str, grammeme: str) -> bool:
    """True when one of the word's likelier parses carries the grammeme (Name, Surn, Geox...)."""
    return any(grammeme in parse.tag and parse.score >= 0.05 for parse in parses(word)[:4])


@lru_cache(maxsize=WORD_CACHE)
def is_genitive_phrase_word(word: str) -> bool:
    """True for a lower-case noun or adjective in the genitive ('иностранных', 'дел', 'энергетики')."""
    return any(
        ("NOUN" in p.tag or "ADJF" in p.tag) and "gent" in p.tag and p.score >= 0.05 for p in parses(word)[:4]
    )


@lru_cache(maxsize=WORD_CACHE)
def is_dative_phrase_word(word: str) -> bool:
    """True for a lower-case noun or adjective in the dative ('чрезвычайным', 'ситуациям')."""
    return word[:1].islower() and any(
        ("NOUN" in p.tag or "ADJF" in p.tag) and "datv" in p.tag and p.score >= 0.05 for p in parses(word)[:4]
    )


@lru_cache(maxsize=WORD_CACHE)
def is_attribute(word: str) -> bool:
    """True for a full adjective or participle ('Национальный', 'Специализированный')."""
    found = parses(word)
    return bool(found) and ("ADJF" in found[0].tag or "PRTF" in found[0].tag)


@lru_cache(maxsize=WORD_CACHE)
def is_adjective(word: str) -> bool:
    """True when the word is most likely a full adjective ('Национальный', 'Европейского')."""
    found = parses(word)
    return bool(found) and "ADJF" in found[0].tag


@lru_cache(maxsize=WORD_CACHE)
def nominative(word: str, *, role: str) -> str:
    """A name word in the nominative: role is 'first', 'surname' or 'other' (keeps hyphen parts)."""
    if "-" in word:
        head, _, last = word.rpartition("-")
        return f"{head}-{nominative(last, role=role)}"
    if _KAZAKH_LETTER.search(word.lower()):
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


@lru_cache(maxsize=WORD_CACHE)
def inflect_nominative(word: str, *, gender: str | None = None) -> str:
    """A head noun or adjective put in the nominative singular (adjectives agreeing in gender)."""
    for parse in parses(word)[:3]:
        if "nomn" in parse.tag and (gender is None or gender in parse.tag):
            return word
        wanted = {"nomn", "sing", gender} if gender and "ADJF" in parse.tag else {"nomn", "sing"}
        inflected = parse.inflect(wanted) or parse.inflect({"nomn"})
        if inflected:
            out: str = inflected.word
            return out[:1].upper() + out[1:] if word[:1].isupper() else out
    return word


@lru_cache(maxsize=WORD_CACHE)
def gender(noun: str) -> str | None:
    """'masc', 'femn' or 'neut' of a noun in the nominative, if pymorphy3 knows it."""
    for parse in parses(noun)[:3]:
        if "NOUN" in parse.tag and parse.tag.gender:
            return str(parse.tag.gender)
    return None


# Compiled once here, not looked up in re's cache on every name.
_KAZAKH_LETTER = re.compile(r"[әғқңөұүһі]")
_RUSSIAN_LETTER = re.compile(r"[а-яё]")
_SURNAME_GENITIVE = re.compile(r"(ов|ев|ёв|ин|ын)а$")
_SURNAME_OBLIQUE = tuple(
    (ending, case, re.compile(rf"(ов|ев|ёв|ин|ын){ending}$"))
    for ending, case in (("у", "datv"), ("ым", "ablt"), ("е", "loct"))
)
_SURNAME_FEMININE_OBLIQUE = re.compile(r"(ов|ев|ёв|ин|ын)ой$")
_SURNAME_NOMINATIVE = re.compile(r"(ов|ев|ёв|ин|ын|ий|ый|ой)$")
_OBLIQUE_MASC = (("а", "gent"), ("у", "datv"), ("ом", "ablt"), ("ем", "ablt"), ("е", "loct"))
_KAZAKH_NAME_ENDINGS = sorted(
    "тың тің дың дің ның нің қа ке ға ге ға на не ты ті ды ді ны ні мен бен пен та те да де ұлы".split()[:-1],
    key=len,
    reverse=True,
)


def nominative_name(words: list[str], language: str | None, *, feminine: bool = False) -> list[str]:
    """A person's name words in the nominative, cases agreeing between first name and surname.

    feminine: the context says a woman (a feminine verb), so '-ова' is her nominative surname.
    """
    return list(_nominative_name(tuple(words), language, feminine))


@lru_cache(maxsize=WORD_CACHE)
def _nominative_name(words: tuple[str, ...], language: str | None, feminine: bool) -> tuple[str, ...]:
    if language == "kk" or any(_KAZAKH_LETTER.search(w.lower()) for w in words):
        return (*words[:-1], _kazakh_surname(words[-1]))
    if not all(_RUSSIAN_LETTER.search(w.lower()) for w in words):
        return words
    first, surname = words[0], words[-1]
    low = surname.lower()
    if len(words) == 1:
        return (nominative(surname, role="surname"),)
    if _SURNAME_GENITIVE.search(low):
        # -ова is a woman's nominative or a man's genitive: the first name tells which.
        if feminine or _feminine_nominative(first):
            return words
        return (_first_oblique(first, "gent"), surname[:-1])
    for ending, case, pattern in _SURNAME_OBLIQUE:
        if pattern.search(low):
            return (_first_oblique(first, case), surname[: -len(ending)])
    if _SURNAME_FEMININE_OBLIQUE.search(low):
        return (_first_feminine(first), surname[:-2] + "а")
    if _SURNAME_NOMINATIVE.search(low) or not _oblique_first(first):
        return words
    oblique = _oblique_first(first) or "gent"
    return (_first_oblique(first, oblique), _strip_case(surname, oblique))


def _kazakh_surname(word: str) -> str:
    low = word.lower()
    for ending in _KAZAKH_NAME_ENDINGS:
        stem = low[: -len(ending)]
        if low.endswith(ending) and len(stem) >= 4 and _looks_like_surname(stem):
            return word[: len(stem)]
    return word


def _name_parses(word: str) -> list[Any]:
    return [p for p in parses(word.rpartition("-")[2])[:6] if "Name" in p.tag]


def _feminine_nominative(first: str) -> bool:
    """True when a first name before an '-ова' surname is a woman's name in the nominative."""
    last = first.rpartition("-")[2]
    known = [p for p in parses(last)[:6] if "Name" in p.tag and p.is_known]
    if any("femn" in p.tag and "nomn" in p.tag for p in known):
        return True  # Елена, Карина, Жанна: in the dictionary as women's names
    if any("masc" in p.tag and "nomn" not in p.tag for p in known):
        return False  # Мурата, Дмитрия: a known man's name, oblique
    # Not in the dictionary (most Kazakh names): a man's genitive ends in consonant + 'а'.
    low = last.lower()
    return not (low.endswith(("а", "я")) and len(low) > 3 and low[-2] not in "аеёиоуыэюяь")


def _oblique_first(first: str) -> str | None:
    found = _name_parses(first)
    if not found or any("nomn" in p.tag for p in found):
        return None
    return str(found[0].tag.case)


def _first_oblique(first: str, case: str) -> str:
    head, dash, last = first.rpartition("-")
    for parse in _name_parses(first):
        if parse.tag.case == case and "masc" in parse.tag:
            inflected = parse.inflect({"nomn"})
            if inflected:
                return f"{head}{dash}{_cap(inflected.word)}"
    return f"{head}{dash}{_strip_case(last, case)}"


def _first_feminine(first: str) -> str:
    for parse in _name_parses(first):
        if "femn" in parse.tag and "nomn" not in parse.tag:
            inflected = parse.inflect({"nomn"})
            if inflected:
                return _cap(inflected.word)
    return first


def _strip_case(word: str, case: str) -> str:
    for ending, grammeme in _OBLIQUE_MASC:
        if grammeme == case and word.lower().endswith(ending) and len(word) - len(ending) >= 3:
            stem = word[: -len(ending)]
            if stem[-1].lower() not in "аеёиоуыэюяь":
                return stem
    return word
