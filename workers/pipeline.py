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


# One short dump per language the enrichers keep tables for, so warm_up loads all of them.
_WARM_UP_DUMPS = (
    " date 2024-03-04 City council approves new bus routes for the spring\n\n"
    "ASTANA. KAZINFORM – The city council approved three new bus routes on Monday, linking the "  # noqa: RUF001
    "northern districts with the railway station. “The routes start on the first of April,” "
    "Deputy Mayor Arman Seitkali said. The council will review passenger numbers in the autumn.\n",
    " date 2024-03-05 В Караганде открыли новую детскую библиотеку\n\n"  # noqa: RUF001
    "Караганда. 5 марта. KAZINFORM – В Караганде открыли новую детскую библиотеку, в которой "  # noqa: RUF001
    "собрано более трех тысяч книг на казахском, русском и английском языках. «Записаться можно "
    "бесплатно», – сообщила директор библиотеки Алия Нурланова. Библиотека работает без выходных.\n",  # noqa: RUF001
)


def warm_up() -> None:
    """Load every stage's models and tables now, e.g. in a worker before it forks its pool."""
    for text in _WARM_UP_DUMPS:
        process(RawDocument.create(text.encode(), channel="sample", content_type="text/plain"))


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
