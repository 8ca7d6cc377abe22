"""Held-out evaluation: parsing and enrichment on dumps written without looking at the rules.

tests/fixtures/holdout holds 40 crawler dumps (20 en, 14 ru, 6 kk) written after the parsers and
enrichers, by someone who had not read their code, and labels.json with what a reader finds in
them. Each dump goes through workers.pipeline.process (parse -> validate -> enrich) as a worker
would run it. The test prints per-field accuracy and precision/recall/F1 per language; it asserts
only floors a sound implementation must clear, so it guards against regressions without turning
the held-out set into one more corpus to tune on. Run it with `-s` to see the figures.
"""

from __future__ import annotations

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

CORPUS = Path(__file__).parents[1] / "fixtures" / "holdout"
LABELS = load_labels(CORPUS)


@pytest.fixture(scope="module")
def outcomes() -> dict[str, Outcome]:
    """Every held-out dump run through the pipeline once."""
    return run_corpus(CORPUS, LABELS)


@pytest.fixture(scope="module")
def report(outcomes: dict[str, Outcome]) -> Report:
    """The evaluation, printed once per run."""
    return evaluate(LABELS, outcomes, title="held-out corpus")


def test_held_out_corpus_has_forty_dumps_in_three_languages() -> None:
    languages = [label["language"] for label in LABELS.values()]
    assert (languages.count("en"), languages.count("ru"), languages.count("kk")) == (20, 14, 6)
    assert all((CORPUS / name).is_file() for name in LABELS)
    assert sum(len(label["articles"]) > 1 for label in LABELS.values()) >= 3


@pytest.mark.parametrize("name", sorted(LABELS))
def test_every_held_out_dump_yields_the_labelled_number_of_events(
    name: str, outcomes: dict[str, Outcome]
) -> None:
    outcome = outcomes[name]
    assert len(outcome.events) == len(LABELS[name]["articles"]), outcome.rejections


@pytest.mark.parametrize("group", FLOOR_GROUPS)
def test_headline_date_place_and_language_clear_the_floor_on_unseen_dumps(group: str, report: Report) -> None:
    got = {name: round(report.accuracy(group, name), 3) for name in PARSE_FLOOR}
    low = {name: value for name, value in got.items() if value < PARSE_FLOOR[name]}
    assert not low, f"{group}: below the floor {low} (all: {got})"


@pytest.mark.parametrize("group", FLOOR_GROUPS)
def test_people_places_and_quotes_clear_the_f1_floor_on_unseen_dumps(group: str, report: Report) -> None:
    got = {name: round(report.entities[group][name].f1, 3) for name in F1_FLOOR}
    low = {name: value for name, value in got.items() if value < F1_FLOOR[name]}
    assert not low, f"{group}: below the F1 floor {low} (all: {got})"
