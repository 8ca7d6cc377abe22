"""`newswire status` and the Redis metrics collector, against the real (shared) Redis and a real worker."""

from __future__ import annotations

import json
import re
import subprocess
import sys

import redis
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.parser import text_string_to_metric_families

from schemas import RawDocument
from services.embedded import free_port
from services.keys import Keys
from services.metrics import RedisCollector
from services.queue import Enqueuer
from services.samples import sample_documents
from services.settings import Settings
from services.status import collect
from tests.support import WorkerProcess, env_for, wait_for
from workers.pipeline import process


def _status(settings: Settings, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "services.cli", "status", *args],
        env=env_for(settings, **env), capture_output=True, text=True, timeout=30,
    )  # fmt: skip


def _enqueue(settings: Settings, batches: list[list[RawDocument]]) -> None:
    enqueuer = Enqueuer(settings)
    try:
        for batch in batches:
            enqueuer.submit(batch)
    finally:
        enqueuer.close()


def _samples_by_kind() -> tuple[int, int]:
    outcomes = [process(doc) for doc in sample_documents()]
    return sum(len(o.events) for o in outcomes), sum(len(o.rejections) for o in outcomes)


def test_status_shows_tasks_waiting_in_the_celery_queue_while_no_worker_runs(
    settings: Settings, keys: Keys, r: redis.Redis
) -> None:
    docs = sample_documents()
    _enqueue(settings, [docs[:2], docs[2:]])

    snapshot = json.loads(_status(settings, "--json").stdout)
    assert snapshot["queue_depth"] == 2  # one task per batch, in `<namespace>:celery:<queue>`
    assert r.llen(keys.celery_queue(settings.queue)) == 2
    assert snapshot["documents_in"] == {"sample": len(docs)}
    assert snapshot["documents_processed"] == 0
    assert snapshot["events_length"] == 0
    assert snapshot["groups"] == []


def test_status_reports_events_rejections_and_consumer_group_lag_once_processed(
    settings: Settings, keys: Keys, r: redis.Redis, worker: WorkerProcess
) -> None:
    events, rejections = _samples_by_kind()
    _enqueue(settings, [sample_documents()])
    wait_for(
        lambda: collect(r, settings).documents_processed == len(sample_documents()), what="samples processed"
    )
    r.xgroup_create(keys.events, "indexer", id="0")
    r.xreadgroup("indexer", "i1", {keys.events: ">"}, count=1)

    snapshot = json.loads(_status(settings, "--json").stdout)
    assert snapshot["events_published"] == events
    assert snapshot["events_length"] == events
    assert snapshot["rejected"] == rejections
    assert snapshot["rejected_length"] == rejections
    assert snapshot["queue_depth"] == 0
    [group] = snapshot["groups"]
    assert (group["name"], group["consumers"], group["pending"], group["lag"]) == (
        "indexer",
        1,
        1,
        events - 1,
    )

    text = _status(settings).stdout
    assert re.search(rf"^events published +{events}$", text, re.MULTILINE)
    assert re.search(rf"^group indexer +1 consumers, 1 pending, lag {events - 1}$", text, re.MULTILINE)


def test_status_command_says_which_redis_it_cannot_reach(settings: Settings) -> None:
    url = f"redis://127.0.0.1:{free_port()}/0"
    result = _status(settings, NEWSWIRE_REDIS_URL=url)
    assert result.returncode == 1
    assert f"cannot read status from Redis at {url}" in result.stderr


def test_redis_collector_exposes_queue_depth_stream_length_and_group_lag(
    settings: Settings, keys: Keys, r: redis.Redis
) -> None:
    _enqueue(settings, [sample_documents()[:1]])
    for n in range(3):
        r.xadd(keys.events, {"id": f"nw_{n}", "data": "{}"})
    r.xgroup_create(keys.events, "archive", id="0")
    r.xreadgroup("archive", "a1", {keys.events: ">"}, count=2)
    registry = CollectorRegistry()
    registry.register(RedisCollector(r, settings))

    samples = {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(generate_latest(registry).decode())
        for sample in family.samples
    }
    assert samples[("newswire_redis_up", ())] == 1
    assert samples[("newswire_queue_depth", (("queue", settings.queue),))] == 1
    assert samples[("newswire_documents_received_total", (("channel", "sample"),))] == 1
    assert samples[("newswire_stream_length", (("stream", keys.events),))] == 3
    assert samples[("newswire_consumer_group_lag", (("group", "archive"), ("stream", keys.events)))] == 1
    assert samples[("newswire_consumer_group_pending", (("group", "archive"), ("stream", keys.events)))] == 2


def test_redis_collector_reports_redis_down_instead_of_failing_the_scrape(settings: Settings) -> None:
    client = redis.Redis(port=free_port(), socket_connect_timeout=0.5)
    registry = CollectorRegistry()
    registry.register(RedisCollector(client, settings))
    try:
        page = generate_latest(registry).decode()
    finally:
        client.close()
    assert "newswire_redis_up 0.0" in page
    assert "newswire_queue_depth" not in page
