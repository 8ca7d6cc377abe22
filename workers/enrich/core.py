"""Compose the enrichers: ParsedArticle -> NewsEvent."""

from __future__ import annotations

from datetime import UTC, datetime

from schemas import NewsEvent, Organization, ParsedArticle, Person, Provenance, RawDocument, Source
from workers.enrich import basics, entities, gazetteer, keywords, language, places, quotes, tone, topics

PIPELINE_VERSION = "0.2.0"


def enrich(article: ParsedArticle, raw: RawDocument, *, now: datetime | None = None) -> NewsEvent:
    """Build the NewsEvent for one validated article."""
    body_hash = basics.content_hash(article.body)
    # A language the document declares (HTML lang, a JSON field) is taken as it is, undetected.
    lang, confidence = article.language_hint, None
    if not lang:
        lang, confidence = language.detect(f"{article.headline or ''}\n{article.body}")
    gaz = gazetteer.load()
    # The headline is read with the body (names often appear there in full), quotes only in the body.
    head = f"{article.headline}\n" if article.headline else ""
    text = head + article.body
    found = entities.recognise(text, lang, gaz, places.PlaceFinder(gaz))
    body_found = found.shifted(len(head))
    # One pass over the body for its words: counted here and read again by the topic classifier.
    body_words = basics.words(article.body)
    return NewsEvent(
        id=basics.event_id(article, body_hash),
        url=article.url,
        source=Source(name=article.source_name, domain=basics.domain(article.url)),
        headline=article.headline,
        published_at=article.published_at,
        dateline=article.dateline,
        language=lang,
        language_confidence=confidence,
        body=article.body,
        lede=basics.lede(article.body),
        word_count=len(body_words),
        persons=[Person(name=p.name, role=p.role, mentions=len(p.mentions)) for p in found.persons],
        organizations=[
            Organization(name=o.name, acronym=o.acronym, mentions=len(o.mentions)) for o in found.orgs
        ],
        places=places.to_places(
            found.places, found.regions, article.dateline.place if article.dateline else None, gaz
        ),
        quotes=quotes.extract(article.body, body_found),
        keywords=keywords.extract(article.body, article.headline),
        topics=topics.classify(article.body, article.headline, words=body_words),
        tone=tone.score(text, lang),
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
