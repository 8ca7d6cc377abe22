"""Second held-out evaluation: a fresh corpus the rules had never seen, to measure generalisation.

tests/fixtures/holdout2 holds 30 crawler dumps (15 en, 10 ru, 5 kk, one of them in Latin script,
two listing pages) written and labelled after the first held-out corpus had been used for error
analysis, without reading the parsers or enrichers, and committed before the code first ran on
them. Each dump goes through workers.pipeline.process as a worker would run it and is scored by the
same rules as the first corpus (tests/unit/holdout_scoring.py). Only the same floors are asserted;
run with `-s` to see the per-language figures and every miss.
"""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pytest

from tests.unit.holdout_scoring import (
    F1_FLOOR,
    FLOOR_GROUPS,
    PARSE_FLOOR,
    Report,
    evaluate,
    load_labels,
    run_corpus,
)
from workers.pipeline import Outcome

CORPUS = Path(__file__).parents[1] / "fixtures" / "holdout2"
LABELS = load_labels(CORPUS)


@pytest.fixture(scope="module")
def outcomes() -> dict[str, Outcome]:
    """Every dump of the second held-out corpus run through the pipeline once."""
    return run_corpus(CORPUS, LABELS)


@pytest.fixture(scope="module")
def report(outcomes: dict[str, Outcome]) -> Report:
    """The evaluation, printed once per run."""
    return evaluate(LABELS, outcomes, title="second held-out corpus")


def test_second_held_out_corpus_has_thirty_dumps_with_latin_kazakh_and_two_listings() -> None:
    languages = [label["language"] for label in LABELS.values()]
    assert (languages.count("en"), languages.count("ru"), languages.count("kk")) == (15, 10, 5)
    assert all((CORPUS / name).is_file() for name in LABELS)
    assert sum(len(label["articles"]) > 1 for label in LABELS.values()) == 2
    kazakh = [name for name, label in LABELS.items() if label["language"] == "kk"]
    assert sum(is_latin((CORPUS / name).read_text(encoding="utf-8")) for name in kazakh) == 1


def is_latin(text: str) -> bool:
    """Mostly Latin letters (Kazakh's Latin alphabet adds accented ones such as á and ǵ)."""
    letters = [char for char in text if char.isalpha()]
    return sum("LATIN" in unicodedata.name(char, "") for char in letters) > len(letters) / 2


@pytest.mark.parametrize("name", sorted(LABELS))
def test_every_fresh_dump_yields_the_labelled_number_of_events(
    name: str, outcomes: dict[str, Outcome]
) -> None:
    outcome = outcomes[name]
    assert len(outcome.events) == len(LABELS[name]["articles"]), outcome.rejections


@pytest.mark.parametrize("group", FLOOR_GROUPS)
def test_headline_date_place_and_language_clear_the_floor_on_fresh_dumps(group: str, report: Report) -> None:
    got = {name: round(report.accuracy(group, name), 3) for name in PARSE_FLOOR}
    low = {name: value for name, value in got.items() if value < PARSE_FLOOR[name]}
    assert not low, f"{group}: below the floor {low} (all: {got})"


@pytest.mark.parametrize("group", FLOOR_GROUPS)
def test_people_places_and_quotes_clear_the_f1_floor_on_fresh_dumps(group: str, report: Report) -> None:
    got = {name: round(report.entities[group][name].f1, 3) for name in F1_FLOOR}
    low = {name: value for name, value in got.items() if value < F1_FLOOR[name]}
    assert not low, f"{group}: below the F1 floor {low} (all: {got})"
