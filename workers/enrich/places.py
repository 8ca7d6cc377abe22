"""Places: gazetteer look-ups of capitalised words, Russian and Kazakh case endings undone."""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

from schemas import Place
from workers.enrich import aliases, morph
from workers.enrich.gazetteer import Entry, Gazetteer
from workers.enrich.text import WORD_CACHE, fold, is_cyrillic, is_cyrillic_word, title


class PlaceFinder:
    """Resolves a sequence of words to a gazetteer entry (cached per word form)."""

    def __init__(self, gaz: Gazetteer) -> None:
        self.gaz = gaz

    def __call__(self, words: Sequence[str]) -> Entry | None:
        """The place these words name, or None."""
        return _lookup(self.gaz, tuple(words))

    def longest(self, words: tuple[str, ...]) -> tuple[int, Entry | None]:
        """(n, place) for the longest leading n of these words (at most 4) that names a place."""
        return _longest(self.gaz, words[:4])


@lru_cache(maxsize=WORD_CACHE)
def _longest(gaz: Gazetteer, words: tuple[str, ...]) -> tuple[int, Entry | None]:
    for n in range(len(words), 0, -1):
        # A Latin phrase of several words is only ever found verbatim: its first word must start
        # a gazetteer name. Cyrillic phrases are inflected first, so they are always tried.
        if n > 1 and fold(words[0]) not in gaz.first_words and not any(map(is_cyrillic_word, words[:n])):
            continue
        entry = _lookup(gaz, words[:n])
        if entry is not None:
            return n, entry
    return 0, None


@lru_cache(maxsize=WORD_CACHE)
def _lookup(gaz: Gazetteer, words: tuple[str, ...]) -> Entry | None:
    if len(words) == 1 and fold(words[0]) in aliases.NOT_PLACES:
        return None
    phrase = " ".join(words)
    if phrase.isupper() and len(phrase) > 4:
        phrase = " ".join(title(w) for w in words)
    found = gaz.lookup(phrase)
    if found:
        return found[0]
    return _inflected_lookup(gaz, words) if is_cyrillic(phrase) else None


def _inflected_lookup(gaz: Gazetteer, words: tuple[str, ...]) -> Entry | None:
    """Inflected Russian or Kazakh: the place the dictionary forms of the words name."""
    if len(words) == 1:
        for form in morph.lemmas(words[0])[1:]:
            if form in aliases.NOT_PLACES:
                continue
            hit = gaz.lookup(form)
            if hit:
                return hit[0]
        return None
    # Adjective + noun ("Южной Корее" -> "Южная Корея"): agree the adjective with the noun.
    for noun in morph.lemmas(words[-1]):
        for adjective in _feminine_or_plain(words[0]):
            hit = gaz.lookup(f"{adjective} {noun}")
            if hit:
                return hit[0]
    return None


def _feminine_or_plain(word: str) -> list[str]:
    forms = []
    for parse in morph.parses(word)[:3]:
        for grammemes in ({"nomn", "femn", "sing"}, {"nomn", "masc", "sing"}, {"nomn", "plur"}):
            inflected = parse.inflect(grammemes)
            if inflected and inflected.word not in forms:
                forms.append(inflected.word)
    return forms or [word.lower()]


def to_places(
    found: list[tuple[int, int, Entry]],
    regions: list[tuple[int, int, str]],
    dateline_place: str | None,
    gaz: Gazetteer,
) -> list[Place]:
    """The places of an article, each once, in order of first mention (dateline first)."""
    counts: dict[str, int] = {}
    entries: dict[str, Place] = {}
    mentions: list[tuple[int, str, Place]] = []
    if dateline_place:
        entry = _dateline_entry(dateline_place, gaz)
        if entry:
            mentions.append((-1, entry.gazetteer_id, _place(entry)))
    for start, _end, entry in found:
        mentions.append((start, entry.gazetteer_id, _place(entry)))
    for start, _end, name in regions:
        # Regions are not in the gazetteer: name and country only.
        mentions.append((start, f"region:{name}", Place(name=name, kind="region", country_code="KZ")))
    for _, key, place in sorted(mentions, key=lambda m: m[0]):
        if key not in entries:
            entries[key] = place
            counts[key] = 0
        counts[key] += 1
    return [place.model_copy(update={"mentions": counts[key]}) for key, place in entries.items()]


def _place(entry: Entry) -> Place:
    return Place(
        name=entry.name,
        kind=entry.kind,
        country_code=entry.country_code,
        lat=entry.lat,
        lon=entry.lon,
        gazetteer_id=entry.gazetteer_id,
    )


def _dateline_entry(place: str, gaz: Gazetteer) -> Entry | None:
    words = place.replace(",", " ").split()
    for n in range(len(words), 0, -1):
        entry = _lookup(gaz, tuple(words[:n]))
        if entry:
            return entry
    return None
