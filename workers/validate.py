"""Validation: is a ParsedArticle acceptable news? Raises ValidationFailed with a reason if not."""

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
    earliest: datetime = datetime(1990, 1, 1, tzinfo=UTC)
    future_tolerance: timedelta = timedelta(days=2)


DEFAULT_RULES = Rules()


def validate(article: ParsedArticle, *, rules: Rules = DEFAULT_RULES, now: datetime | None = None) -> ParsedArticle:
    """Return the article unchanged if acceptable, else raise ValidationFailed saying why."""
    words = len(article.body.split())
    if not article.headline and words == 0:
        raise ValidationFailed("no headline and no body text", doc_id=article.doc_id, code="empty")
    if words < rules.min_body_words or len(article.body) < rules.min_body_chars:
        raise ValidationFailed(
            f"body too short to be a news article: {words} words, {len(article.body)} characters "
            f"(need at least {rules.min_body_words} words and {rules.min_body_chars} characters)",
            doc_id=article.doc_id,
            code="too_short",
        )
    if article.published_at is not None:
        published = article.published_at
        if published.tzinfo is None:
            published = published.replace(tzinfo=UTC)
        now = now or datetime.now(UTC)
        if published < rules.earliest:
            raise ValidationFailed(
                f"publication date {published.date()} is before {rules.earliest.date()}",
                doc_id=article.doc_id,
                code="bad_date",
            )
        if published > now + rules.future_tolerance:
            raise ValidationFailed(
                f"publication date {published.isoformat()} is in the future",
                doc_id=article.doc_id,
                code="bad_date",
            )
    return article
