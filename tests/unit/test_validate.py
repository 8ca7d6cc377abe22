"""Validation: what an acceptable article is, and the reason given when it is not."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from schemas import ParsedArticle
from services.errors import ValidationFailed
from workers.validate import validate

NOW = datetime(2024, 6, 1, tzinfo=UTC)
BODY = (
    "The city administration said on Tuesday that the new bridge across the river will open to traffic "
    "in September, two months earlier than planned, after the contractor finished the main span."
)


def article(**fields: object) -> ParsedArticle:
    values: dict[str, object] = {
        "doc_id": "doc_test",
        "parser": "dump",
        "headline": "Bridge opens early",
        "body": BODY,
    }
    values.update(fields)
    return ParsedArticle.model_validate(values)


def test_article_with_headline_body_and_sane_date_is_returned_unchanged() -> None:
    given = article(published_at=datetime(2024, 5, 30, tzinfo=UTC))
    assert validate(given, now=NOW) is given


def test_article_without_headline_is_accepted_when_its_body_gives_a_lede() -> None:
    assert validate(article(headline=None), now=NOW).headline is None


def test_short_body_is_rejected_with_word_and_character_counts() -> None:
    with pytest.raises(ValidationFailed) as caught:
        validate(article(body="Bridge opens in September."), now=NOW)
    assert caught.value.code == "too_short"
    assert "too short" in caught.value.reason
    assert "4 words" in caught.value.reason
    assert "Bridge opens early" in caught.value.reason


def test_headline_without_body_is_rejected_saying_there_is_no_body_text() -> None:
    with pytest.raises(ValidationFailed) as caught:
        validate(article(body=""), now=NOW)
    assert caught.value.code == "too_short"
    assert "no body text" in caught.value.reason


def test_body_of_numbers_is_rejected_as_not_running_text() -> None:
    numbers = " ".join(f"{n}.{n * 7 % 100:02d}" for n in range(60))
    with pytest.raises(ValidationFailed) as caught:
        validate(article(body=numbers), now=NOW)
    assert caught.value.code == "not_text"
    assert "letters" in caught.value.reason


def test_overlong_headline_is_rejected() -> None:
    with pytest.raises(ValidationFailed) as caught:
        validate(article(headline="word " * 100), now=NOW)
    assert caught.value.code == "bad_headline"


@pytest.mark.parametrize(
    ("published", "phrase"),
    [(datetime(1985, 1, 1, tzinfo=UTC), "before 1990"), (datetime(2024, 6, 10, tzinfo=UTC), "in the future")],
)
def test_implausible_publication_date_is_rejected(published: datetime, phrase: str) -> None:
    with pytest.raises(ValidationFailed) as caught:
        validate(article(published_at=published), now=NOW)
    assert caught.value.code == "bad_date"
    assert phrase in caught.value.reason


def test_naive_publication_date_is_read_as_utc() -> None:
    assert validate(article(published_at=datetime(2024, 5, 31, 12, 0)), now=NOW).published_at is not None


def test_reason_names_the_article_of_a_listing() -> None:
    with pytest.raises(ValidationFailed) as caught:
        validate(article(body="Short.", index=3), now=NOW)
    assert "article 3" in caught.value.reason
