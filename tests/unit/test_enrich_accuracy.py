"""Enrichment accuracy on the labelled corpus (tests/fixtures/enrich): P/R/F1 per field and language.

Each fixture is a crawler dump written for this project; labels.json holds what a careful reader
finds in it: people (full name, role), organisations, places (name, country code) and quotes
(speaker, first words). The dumps go through the real parser and enricher.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pytest

from schemas import NewsEvent, RawDocument
from tests.unit.holdout_scoring import Counts as Score
from tests.unit.holdout_scoring import norm
from workers.enrich import enrich
from workers.parse import parse

CORPUS = Path(__file__).parent.parent / "fixtures" / "enrich"
LABELS: dict[str, dict[str, Any]] = json.loads((CORPUS / "labels.json").read_text(encoding="utf-8"))

# Thresholds from the issue, per language; Kazakh is reported but has no threshold yet.
THRESHOLDS = {
    "en": {"persons": 0.90, "places": 0.90, "organizations": 0.80, "quotes": 0.90, "speakers": 0.85},
    "ru": {"persons": 0.75, "places": 0.75, "organizations": 0.75, "quotes": 0.75, "speakers": 0.75},
}


def match(
    predicted: Sequence[Any], gold: Sequence[Any], same: Callable[[Any, Any], bool]
) -> list[tuple[Any, Any]]:
    """Pairs (predicted, gold), each used once, greedily in order."""
    pairs = []
    free = list(gold)
    for item in predicted:
        for candidate in free:
            if same(item, candidate):
                pairs.append((item, candidate))
                free.remove(candidate)
                break
    return pairs


def same_org(predicted: Any, gold: str) -> bool:
    """Same body: equal names, the acronym, or one name the start of the other ('... of Kazakhstan')."""
    a, b = norm(predicted.name).split(), norm(gold).split()
    if a == b or (predicted.acronym and norm(predicted.acronym) == norm(gold)):
        return True
    shorter, longer = (a, b) if len(a) <= len(b) else (b, a)
    return len(shorter) >= 2 and longer[: len(shorter)] == shorter


def enrich_fixture(name: str) -> NewsEvent:
    """Parse and enrich one fixture dump."""
    data = (CORPUS / f"{name}.txt").read_bytes()
    raw = RawDocument.create(data, channel="cli", filename=f"{name}.txt")
    [article] = parse(raw)
    return enrich(article, raw)


@pytest.fixture(scope="module")
def scores() -> dict[str, dict[str, Score]]:
    """Scores per language and field over the whole corpus, printed as a table."""
    table: dict[str, dict[str, Score]] = defaultdict(lambda: defaultdict(Score))
    misses: list[str] = []
    for name, gold in sorted(LABELS.items()):
        event = enrich_fixture(name)
        lang = gold["language"]
        fields = {
            "persons": (event.persons, gold["persons"], lambda p, g: norm(p.name) == norm(g["name"])),
            "organizations": (event.organizations, gold["organizations"], same_org),
            "places": (
                event.places,
                gold["places"],
                lambda p, g: norm(p.name) == norm(g["name"]) and p.country_code == g["country_code"],
            ),
            "quotes": (event.quotes, gold["quotes"], lambda q, g: norm(q.text).startswith(norm(g["starts"]))),
        }
        for field, (predicted, labelled, same) in fields.items():
            pairs = match(predicted, labelled, same)
            score = table[lang][field]
            score.tp += len(pairs)
            score.fp += len(predicted) - len(pairs)
            score.fn += len(labelled) - len(pairs)
            if len(pairs) != len(predicted) or len(pairs) != len(labelled):
                got = [getattr(p, "name", getattr(p, "text", None)) for p in predicted]
                misses.append(f"{name} {field}: got {got} labelled {labelled}")
            if field == "quotes":
                for quote, label in pairs:
                    hit = norm(quote.speaker) == norm(label["speaker"])
                    table[lang]["speakers"].tp += hit
                    table[lang]["speakers"].fp += not hit
                    if not hit:
                        misses.append(f"{name} speaker: got {quote.speaker!r} labelled {label['speaker']!r}")
    print("\nlang field          precision recall   F1  (speakers: accuracy)")
    for lang in sorted(table):
        for field, score in table[lang].items():
            print(f"{lang:4} {field:14} {score.precision:9.3f} {score.recall:6.3f} {score.f1:6.3f}")
    print("\n".join(["", "misses:", *misses]))
    return table


def test_the_corpus_has_the_size_and_languages_the_issue_asks_for() -> None:
    languages = [gold["language"] for gold in LABELS.values()]
    assert len(languages) >= 60
    assert languages.count("ru") >= 15
    assert languages.count("kk") >= 5
    assert all((CORPUS / f"{name}.txt").exists() for name in LABELS)


@pytest.mark.parametrize("lang", sorted(THRESHOLDS))
def test_people_places_organisations_and_quotes_meet_the_f1_thresholds(
    lang: str, scores: dict[str, dict[str, Score]]
) -> None:
    got = {
        field: round(score.f1 if field != "speakers" else score.precision, 3)
        for field, score in scores[lang].items()
    }
    low = {field: value for field, value in got.items() if value < THRESHOLDS[lang][field]}
    assert not low, f"{lang}: below threshold {low} (all: {got})"


def test_language_is_identified_for_every_labelled_article() -> None:
    wrong = {}
    for name, gold in LABELS.items():
        event = enrich_fixture(name)
        if event.language != gold["language"]:
            wrong[name] = event.language
    assert not wrong
