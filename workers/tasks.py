"""Celery tasks: glue that runs the pure pipeline and hands its output to the sink."""

from __future__ import annotations

import logging
from time import perf_counter
from typing import Any

import redis
from celery import Task, shared_task
from celery.exceptions import SoftTimeLimitExceeded

from schemas import RawDocument
from services.errors import RetryableError
from services.metrics import worker_metrics
from workers.app import TASK_NAME
from workers.pipeline import Outcome, process
from workers.runtime import get_runtime

log = logging.getLogger(__name__)

# A transient failure (Redis hiccup) retries the whole batch: the sink's dedup makes the second
# run add only what the first did not.
_TRANSIENT = (redis.ConnectionError, redis.TimeoutError, RetryableError)


@shared_task(
    name=TASK_NAME,
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=_TRANSIENT,
    retry_backoff=True,
    retry_backoff_max=60,
    retry_jitter=True,
    max_retries=None,
)
def process_documents(self: Task, documents: list[dict[str, Any]]) -> dict[str, int]:
    """Process a batch of RawDocuments (as JSON dicts) and publish what they produce."""
    runtime = get_runtime()
    sink = runtime.sink
    metrics = worker_metrics()
    raws = [RawDocument.model_validate(doc) for doc in documents]
    outcomes: list[tuple[RawDocument, Outcome]] = []
    crashed: list[tuple[RawDocument, Exception]] = []
    for raw in raws:
        try:
            outcome = process(raw)
            metrics.record_outcome(raw.channel, outcome)
            log.info(
                "document processed",
                extra={
                    "doc_id": raw.id,
                    "events": len(outcome.events),
                    "rejections": len(outcome.rejections),
                },
            )
            outcomes.append((raw, outcome))
        except SoftTimeLimitExceeded:
            raise
        except Exception as exc:  # a poison document: isolate it from the rest of the batch
            log.exception("pipeline crashed on %s", raw.id, extra={"doc_id": raw.id})
            crashed.append((raw, exc))

    events = [event for _, outcome in outcomes for event in outcome.events]
    started = perf_counter()
    published = sink.publish(events)
    added = sum(result.added for result in published)
    metrics.record_publish(perf_counter() - started, added, len(published) - added)
    entry_of = {result.event_id: result.entry_id for result in published}
    statuses: list[tuple[str, dict[str, str]]] = []
    for raw, outcome in outcomes:
        for rejection in outcome.rejections:
            sink.reject(raw, stage=rejection.stage, code=rejection.code, reason=rejection.reason, index=rejection.index)
        statuses.append((raw.id, _status(outcome, entry_of)))

    attempts = self.request.retries + 1
    if crashed and attempts <= runtime.settings.task_max_retries:
        sink.record_status(statuses)
        # Retry only the documents that crashed; the others are published and done.
        retry_docs = [raw.model_dump(mode="json") for raw, _ in crashed]
        raise self.retry(args=[retry_docs], countdown=min(2**attempts, 60), exc=crashed[0][1])
    for raw, exc in crashed:
        reason = f"pipeline crashed {attempts} times: {type(exc).__name__}: {exc}"
        sink.reject(raw, stage="task", code="crash", reason=reason[:2000], attempts=attempts)
        metrics.record_crash()
        statuses.append((raw.id, {"state": "rejected", "reasons": reason[:2000]}))
    sink.record_status(statuses)
    return {
        "documents": len(raws),
        "events": len(events),
        "added": added,
        "rejected": sum(len(outcome.rejections) for _, outcome in outcomes) + len(crashed),
    }


def _status(outcome: Outcome, entry_of: dict[str, str]) -> dict[str, str]:
    reasons = "; ".join(f"{r.stage}: {r.reason}" for r in outcome.rejections)
    if outcome.events:
        status = {
            "state": "published",
            "event_ids": ",".join(e.id for e in outcome.events),
            "entry_ids": ",".join(entry_of[e.id] for e in outcome.events),
        }
        if reasons:
            status["reasons"] = reasons
        return status
    return {"state": "rejected", "reasons": reasons or "no article found"}
