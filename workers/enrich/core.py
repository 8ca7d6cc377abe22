"""Compose the enrichers: ParsedArticle -> NewsEvent."""

from __future__ import annotations

from datetime import UTC, datetime

from schemas import NewsEvent, ParsedArticle, Provenance, RawDocument, Source
from workers.enrich import basics, language

PIPELINE_VERSION = "0.1.0"


def enrich(article: ParsedArticle, raw: RawDocument, *, now: datetime | None = None) -> NewsEvent:
    """Build the NewsEvent for one validated article."""
    body_hash = basics.content_hash(article.body)
    lang, confidence = language.detect(f"{article.headline or ''}\n{article.body}")
    return NewsEvent(
        id=basics.event_id(article, body_hash),
        url=article.url,
        source=Source(name=article.source_name, domain=basics.domain(article.url)),
        headline=article.headline,
        published_at=article.published_at,
        dateline=article.dateline,
        language=article.language_hint or lang,
        language_confidence=None if article.language_hint else confidence,
        body=article.body,
        lede=basics.lede(article.body),
        word_count=basics.word_count(article.body),
        content_hash=body_hash,
        provenance=Provenance(
            doc_id=raw.id,
            index=article.index,
            channel=raw.channel,
            parser=article.parser,
            received_at=raw.received_at,
            processed_at=now or datetime.now(UTC),
            pipeline_version=PIPELINE_VERSION,
            dump_date=article.dump_date,
            filename=raw.filename,
        ),
    )
