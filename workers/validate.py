"""Validation: is a ParsedArticle acceptable news? Raises ValidationFailed with a reason if not.

An acceptable article has a headline or a lede (its first paragraph), a body of some minimum
length that is running text rather than markup or numbers, and, when dated, a sane date.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from schemas import ParsedArticle
from services.errors import ValidationFailed


@dataclass(frozen=True)
class Rules:
    """Thresholds for an acceptable article."""

    min_body_words: int = 25
    min_body_chars: int = 120
    min_letter_share: float = 0.5
    max_headline_chars: int = 400
    earliest: datetime = datetime(1990, 1, 1, tzinfo=UTC)
    future_tolerance: timedelta = timedelta(days=2)


DEFAULT_RULES = Rules()


def validate(
    article: ParsedArticle, *, rules: Rules = DEFAULT_RULES, now: datetime | None = None
) -> ParsedArticle:
    """Return the article unchanged if acceptable, else raise ValidationFailed saying why."""
    _check_text(article, rules)
    _check_headline(article, rules)
    if article.published_at is not None:
        _check_date(article, article.published_at, rules, now or datetime.now(UTC))
    return article


def _fail(article: ParsedArticle, reason: str, code: str) -> ValidationFailed:
    where = f" (article {article.index} of the document)" if article.index else ""
    return ValidationFailed(reason + where, doc_id=article.doc_id, url=article.url, code=code)


def _check_text(article: ParsedArticle, rules: Rules) -> None:
    body = article.body
    tokens = body.split()
    words = len(tokens)
    if words < rules.min_body_words or len(body) < rules.min_body_chars:
        what = "no body text" if not words else f"{words} words, {len(body)} characters"
        headline = f" under the headline {article.headline[:80]!r}" if article.headline else ""
        raise _fail(
            article,
            f"body too short to be a news article: {what}{headline} "
            f"(need at least {rules.min_body_words} words and {rules.min_body_chars} characters)",
            "too_short",
        )
    visible = "".join(tokens)  # str.split drops exactly the characters str.isspace calls space
    # Most words of prose are letters only, so their length alone usually clears the threshold; a
    # per-character count (~0.2 ms on 400 words) is only needed when it does not.
    count = sum(map(len, filter(str.isalpha, tokens)))
    if count < rules.min_letter_share * len(visible):
        count = sum(map(str.isalpha, visible))
    letters = count / len(visible)
    if letters < rules.min_letter_share:
        raise _fail(
            article,
            f"body is not running text: only {letters:.0%} of its characters are letters "
            f"(need {rules.min_letter_share:.0%}); it looks like numbers, markup or binary data",
            "not_text",
        )


def _check_headline(article: ParsedArticle, rules: Rules) -> None:
    if article.headline and len(article.headline) > rules.max_headline_chars:
        raise _fail(
            article,
            f"headline is {len(article.headline)} characters long (at most {rules.max_headline_chars}): "
            "it is probably body text",
            "bad_headline",
        )


def _check_date(article: ParsedArticle, published: datetime, rules: Rules, now: datetime) -> None:
    if published.tzinfo is None:
        published = published.replace(tzinfo=UTC)
    if published < rules.earliest:
        raise _fail(
            article,
            f"publication date {published.date()} is before {rules.earliest.date()}: "
            "not a plausible news date",
            "bad_date",
        )
    if published > now + rules.future_tolerance:
        raise _fail(
            article,
            f"publication date {published.isoformat()} is in the future "
            f"(now is {now.isoformat(timespec='seconds')})",
            "bad_date",
        )
