"""Parsing measured against the labelled fixture corpus: per-field accuracy, exact article counts."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from schemas import ParsedArticle, RawDocument
from services.documents import content_type_for
from services.errors import PermanentError
from workers.enrich import language
from workers.parse import parse
from workers.validate import validate

FIXTURES = Path(__file__).parents[1] / "fixtures"
LABELS: dict[str, Any] = {
    name: label
    for name, label in json.loads((FIXTURES / "dumps" / "labels.json").read_text(encoding="utf-8")).items()
    if not name.startswith("_")
}
FIELDS = ("headline", "date", "place", "agency", "language")
THRESHOLD = 0.95


def raw_document(name: str) -> RawDocument:
    """The fixture as the CLI would hand it to the pipeline."""
    content = (FIXTURES / name).read_bytes()
    return RawDocument.create(
        content, channel="cli", content_type=content_type_for(name, content), filename=name
    )


def observed(article: ParsedArticle) -> dict[str, str | None]:
    """The labelled fields as the parser (and the language enricher) see them."""
    dateline = article.dateline
    detected, _ = language.detect(f"{article.headline or ''}\n{article.body}")
    return {
        "headline": article.headline,
        "date": article.published_at.date().isoformat() if article.published_at else None,
        "place": dateline.place if dateline else None,
        "agency": dateline.agency if dateline else None,
        # As workers.enrich does: a language the document declares wins over detection.
        "language": article.language_hint or detected,
    }


def same(field_name: str, expected: str | None, got: str | None) -> bool:
    """Equal, ignoring case and spacing (a dateline place may be written in caps or not)."""
    if expected is None or got is None:
        return expected is got
    if field_name in ("place", "agency"):
        return expected.casefold() == got.casefold()
    return " ".join(expected.split()) == " ".join(got.split())


@dataclass
class Score:
    """Per-field hits over every labelled article, and the mismatches to show."""

    hits: Counter[str] = field(default_factory=Counter)
    total: int = 0
    misses: list[str] = field(default_factory=list)

    def add(self, name: str, index: int, expected: dict[str, str | None], got: dict[str, str | None]) -> None:
        self.total += 1
        for field_name in FIELDS:
            if same(field_name, expected[field_name], got[field_name]):
                self.hits[field_name] += 1
            else:
                self.misses.append(
                    f"{name}[{index}] {field_name}: want {expected[field_name]!r}, got {got[field_name]!r}"
                )

    def accuracy(self, field_name: str) -> float:
        return self.hits[field_name] / self.total


def _score_corpus() -> tuple[Score, list[str]]:
    score, count_errors = Score(), []
    for name, label in LABELS.items():
        if label.get("reject"):
            continue
        articles = parse(raw_document(name))
        wanted = label["articles"]
        if len(articles) != len(wanted):
            count_errors.append(f"{name}: {len(articles)} articles, labelled {len(wanted)}")
            continue
        for article, expected in zip(articles, wanted, strict=True):
            score.add(name, article.index, {**expected, "language": label["language"]}, observed(article))
    return score, count_errors


def test_corpus_covers_every_language_and_enough_listings() -> None:
    news = {n: label for n, label in LABELS.items() if not label.get("reject")}
    assert sum(n.startswith("dumps/") for n in LABELS) >= 45
    assert Counter(label["language"] for label in news.values()).keys() >= {"en", "ru", "kk"}
    assert sum(len(label["articles"]) > 1 for label in news.values()) >= 5
    assert sum(n.startswith("dumps/") for n in LABELS if LABELS[n].get("reject")) >= 2


def test_per_field_accuracy_on_the_labelled_corpus_is_at_least_95_percent() -> None:
    score, count_errors = _score_corpus()
    print(f"\nparse accuracy over {score.total} labelled articles in {len(LABELS)} documents:")
    for field_name in FIELDS:
        print(f"  {field_name:<9} {score.accuracy(field_name):.3f}  ({score.hits[field_name]}/{score.total})")
    for miss in score.misses:
        print("  miss:", miss)
    assert not count_errors, count_errors
    low = {f: round(score.accuracy(f), 3) for f in FIELDS if score.accuracy(f) < THRESHOLD}
    assert not low, f"fields below {THRESHOLD}: {low}; misses: {score.misses}"


@pytest.mark.parametrize("name", [n for n, label in LABELS.items() if len(label.get("articles", [])) > 1])
def test_listing_page_yields_exactly_the_labelled_number_of_articles(name: str) -> None:
    articles = parse(raw_document(name))
    assert len(articles) == len(LABELS[name]["articles"])
    assert [a.index for a in articles] == list(range(len(articles)))
    assert {a.parser for a in articles} == {"listing"}


@pytest.mark.parametrize("name", [n for n, label in LABELS.items() if not label.get("reject")])
def test_every_labelled_news_article_passes_validation(name: str) -> None:
    for article in parse(raw_document(name)):
        validate(article)
        assert "\n\n\n" not in article.body
        assert article.truncated is bool(LABELS[name].get("truncated"))


@pytest.mark.parametrize("name", [n for n, label in LABELS.items() if label.get("reject")])
def test_non_news_document_is_rejected_with_a_reason(name: str) -> None:
    def parse_and_validate() -> None:
        for article in parse(raw_document(name)):
            validate(article)

    with pytest.raises(PermanentError) as caught:
        parse_and_validate()
    assert caught.value.reason
    assert caught.value.code not in ("error", "permanent")
