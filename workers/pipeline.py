"""The stages composed: RawDocument -> events and rejections. Pure: no Celery, Redis or settings."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from time import perf_counter

from schemas import NewsEvent, RawDocument
from services.errors import PermanentError
from workers.enrich import enrich
from workers.parse import parse
from workers.validate import validate


@dataclass(frozen=True)
class Rejection:
    """Why one document, or one article of it, did not become an event."""

    stage: str
    code: str
    reason: str
    index: int | None = None


@dataclass
class Outcome:
    """What one document produced."""

    doc_id: str
    events: list[NewsEvent] = field(default_factory=list)
    rejections: list[Rejection] = field(default_factory=list)
    # Seconds per stage, summed over the document's articles: the pipeline only measures, the
    # task turns them into metrics (stages stay free of Prometheus).
    timings: dict[str, float] = field(default_factory=dict)

    @contextmanager
    def timed(self, stage: str) -> Iterator[None]:
        """Add the time the block takes (raising or not) to `timings[stage]`."""
        started = perf_counter()
        try:
            yield
        finally:
            self.timings[stage] = self.timings.get(stage, 0.0) + perf_counter() - started


def process(raw: RawDocument, *, now: datetime | None = None) -> Outcome:
    """Run parse -> validate -> enrich on one document.

    Permanent errors become rejections; anything else (a bug, a poison document) propagates so
    the task can retry and finally dead-letter it.
    """
    now = now or datetime.now(UTC)
    outcome = Outcome(doc_id=raw.id)
    try:
        with outcome.timed("parse"):
            articles = parse(raw)
    except PermanentError as exc:
        outcome.rejections.append(Rejection("parse", exc.code, exc.reason))
        return outcome
    for article in articles:
        try:
            with outcome.timed("validate"):
                validate(article, now=now)
        except PermanentError as exc:
            outcome.rejections.append(Rejection("validate", exc.code, exc.reason, article.index))
            continue
        with outcome.timed("enrich"):
            outcome.events.append(enrich(article, raw, now=now))
    return outcome
