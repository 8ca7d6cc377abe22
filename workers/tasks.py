"""Celery tasks: glue that runs the pure pipeline and hands its output to the sink."""

from __future__ import annotations

import gc
import logging
from time import perf_counter
from typing import Any

import redis
from celery import Task, shared_task
from celery.exceptions import SoftTimeLimitExceeded
from celery.signals import worker_init

from schemas import RawDocument
from services.errors import RetryableError
from services.metrics import worker_metrics
from services.sink.duplicates import annotate_and_route
from workers.app import TASK_NAME
from workers.pipeline import Outcome, process, warm_up
from workers.runtime import Runtime, get_runtime

log = logging.getLogger(__name__)

# A transient failure (Redis hiccup) retries the whole batch: the sink's dedup makes the second
# run add only what the first did not.
_TRANSIENT = (redis.ConnectionError, redis.TimeoutError, RetryableError)


@worker_init.connect(weak=False)
def _preload(**_: object) -> None:
    # Load the models and tables in the parent, before the pool forks: the children then share
    # those pages copy-on-write instead of each loading its own copy (~200 MB apiece). Freezing
    # keeps the collector from touching, and so copying, the shared objects.
    try:
        warm_up()
    except Exception:  # the children load lazily anyway; a start-up failure here must not stop the worker
        log.exception("pipeline warm-up failed; pool processes will load their models themselves")
    gc.freeze()


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
def process_documents(self: Task[Any, Any], documents: list[dict[str, Any]]) -> dict[str, int]:
    """Process a batch of RawDocuments (as JSON dicts) and publish what they produce."""
    runtime = get_runtime()
    sink = runtime.sink
    metrics = worker_metrics()
    raws = [RawDocument.model_validate(doc) for doc in documents]
    if _handled_after_worker_loss(self, runtime, raws):
        return {"documents": len(raws), "events": 0, "added": 0, "rejected": 0}
    outcomes: list[tuple[RawDocument, Outcome]] = []
    crashed: list[tuple[RawDocument, Exception]] = []
    for position, raw in enumerate(raws):
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
        except SoftTimeLimitExceeded as exc:
            # This document used up the batch's time: it counts as a crash (retried, then
            # dead-lettered) and the documents after it go back to the queue as a new task;
            # re-raising would fail the task, and a failed task is acked: the batch lost.
            log.exception("pipeline crashed on %s (time limit)", raw.id, extra={"doc_id": raw.id})
            crashed.append((raw, exc))
            _resubmit(self, runtime, raws[position + 1 :])
            break
        except Exception as exc:  # a poison document: isolate it from the rest of the batch
            log.exception("pipeline crashed on %s", raw.id, extra={"doc_id": raw.id})
            crashed.append((raw, exc))

    events = [event for _, outcome in outcomes for event in outcome.events]
    started = perf_counter()
    # Flag duplicates and route against what is already published; the index is idempotent.
    events, routes = annotate_and_route(runtime.redis, runtime.keys, runtime.settings, events)
    published = sink.publish(events, extra_streams=routes)
    added = sum(result.added for result in published)
    metrics.record_publish(perf_counter() - started, added, len(published) - added)
    entry_of = {result.event_id: result.entry_id for result in published}
    statuses: list[tuple[str, dict[str, str]]] = []
    for raw, outcome in outcomes:
        for rejection in outcome.rejections:
            sink.reject(
                raw,
                stage=rejection.stage,
                code=rejection.code,
                reason=rejection.reason,
                index=rejection.index,
            )
        statuses.append((raw.id, _status(outcome, entry_of)))

    attempts = self.request.retries + 1
    if crashed and attempts <= runtime.settings.task_max_retries:
        sink.record_status(statuses)
        # Retry only the documents that crashed; the others are published and done.
        retry_docs = [raw.model_dump(mode="json") for raw, _ in crashed]
        raise self.retry(args=(retry_docs,), countdown=min(2**attempts, 60), exc=crashed[0][1])
    for raw, error in crashed:
        reason = f"pipeline crashed {attempts} times: {type(error).__name__}: {error}"
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


def _handled_after_worker_loss(task: Task[Any, Any], runtime: Runtime, raws: list[RawDocument]) -> bool:
    """Deal with a message that started before and never finished: its process died (kill -9,
    OOM, segfault, hard time limit) and the broker gave it back. True if nothing is left to run.

    Redelivered as is, a document that kills its process would kill every worker forever and
    hold back its whole batch. So a batch is split into one task per document, and a single
    document whose process died more than task_max_retries times is dead-lettered.
    """
    key = runtime.keys.task_deliveries(str(task.request.id), task.request.retries)
    pipe = runtime.redis.pipeline(transaction=False)
    pipe.incr(key)
    pipe.expire(key, runtime.settings.status_ttl_seconds)
    deliveries = int(pipe.execute()[0])
    if deliveries == 1:
        return False
    if len(raws) > 1:
        log.warning("batch redelivered after its worker died: splitting %d documents", len(raws))
        for raw in raws:
            _resubmit(task, runtime, [raw])
        return True
    if deliveries <= runtime.settings.task_max_retries + 1:
        return False
    raw = raws[0]
    reason = f"the worker process died {deliveries - 1} times while processing this document"
    runtime.sink.reject(raw, stage="task", code="worker_lost", reason=reason, attempts=deliveries - 1)
    runtime.sink.record_status([(raw.id, {"state": "rejected", "reasons": reason})])
    log.error("dead-lettered %s: %s", raw.id, reason, extra={"doc_id": raw.id})
    return True


def _resubmit(task: Task[Any, Any], runtime: Runtime, raws: list[RawDocument]) -> None:
    # A fresh task (new id, no retries used): these documents have not failed themselves.
    if raws:
        payload = [raw.model_dump(mode="json") for raw in raws]
        task.app.send_task(TASK_NAME, args=[payload], queue=runtime.settings.queue)


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
