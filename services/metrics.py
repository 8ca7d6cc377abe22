"""Prometheus metrics: the worker's counters and histograms, and a collector reading Redis at scrape time.

The worker runs tasks in Celery's prefork pool, so its metrics use prometheus_client's
multiprocess mode: every pool process writes its samples to files in one folder, and the worker's
main process serves their sum (`serve_worker_metrics`). The Redis collector is shared: any role
(the API's /metrics too) can register it to expose queue depth, stream length and group lag.
"""

from __future__ import annotations

import atexit
import os
import shutil
import sys
import tempfile
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

import redis

from services.keys import Keys
from services.settings import Settings

if TYPE_CHECKING:
    from prometheus_client.core import Metric

    from workers.pipeline import Outcome

# Pipeline stages take micro- to milliseconds; a publish is a Redis round trip.
STAGE_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"


class WorkerMetrics:
    """The worker's metrics, recorded by the task in whichever pool process runs it."""

    def __init__(self) -> None:
        from prometheus_client import Counter, Histogram

        self.documents_processed = Counter(
            "newswire_worker_documents_processed", "Documents run through the pipeline.", ["channel"]
        )
        self.events_published = Counter(
            "newswire_worker_events_published", "Events added to the event stream (first publish)."
        )
        self.events_duplicate = Counter(
            "newswire_worker_events_duplicate",
            "Events the sink had already published (redelivery, re-ingest).",
        )
        self.rejected = Counter(
            "newswire_worker_rejected",
            "Documents or articles dead-lettered, by stage and reason code.",
            ["stage", "code"],
        )
        self.stage_seconds = Histogram(
            "newswire_worker_stage_seconds", "Time spent in each pipeline stage, per document.", ["stage"],
            buckets=STAGE_BUCKETS,
        )  # fmt: skip

    def record_outcome(self, channel: str, outcome: Outcome) -> None:
        """Count one processed document and observe its stage timings and rejections."""
        self.documents_processed.labels(channel).inc()
        for stage, seconds in outcome.timings.items():
            self.stage_seconds.labels(stage).observe(seconds)
        for rejection in outcome.rejections:
            self.rejected.labels(rejection.stage, rejection.code).inc()

    def record_publish(self, seconds: float, added: int, duplicates: int) -> None:
        """Observe one sink publish call and count what it added."""
        self.stage_seconds.labels("publish").observe(seconds)
        self.events_published.inc(added)
        self.events_duplicate.inc(duplicates)

    def record_crash(self, stage: str = "task", code: str = "crash") -> None:
        """Count a document dead-lettered because the pipeline kept crashing on it."""
        self.rejected.labels(stage, code).inc()


@lru_cache(maxsize=1)
def worker_metrics() -> WorkerMetrics:
    """The process's WorkerMetrics, built on first use (in the pool process, after the fork)."""
    return WorkerMetrics()


class RedisCollector:
    """Reads the deployment's state from Redis at scrape time: queue, streams, groups, counters."""

    def __init__(self, client: redis.Redis, settings: Settings) -> None:
        self._client = client
        self._settings = settings
        self._keys = Keys.from_settings(settings)

    def describe(self) -> list[Metric]:
        """Nothing up front: the registry must not scrape Redis when this is registered."""
        return []

    def collect(self) -> Iterator[Metric]:
        """One sample set per scrape; `newswire_redis_up 0` when Redis does not answer."""
        from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily

        from services.status import collect

        up = GaugeMetricFamily("newswire_redis_up", "1 if Redis answered this scrape.")
        try:
            snap = collect(self._client, self._settings)
        except redis.RedisError:
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        received = CounterMetricFamily(
            "newswire_documents_received",
            "Documents accepted for processing, by channel.",
            labels=["channel"],
        )
        for channel, count in snap.documents_in.items():
            received.add_metric([channel], count)
        yield received
        for name, value, text in (
            ("newswire_documents_processed", snap.documents_processed, "Document processing runs."),
            ("newswire_events_published", snap.events_published, "Events published to the event stream."),
            ("newswire_rejected", snap.rejected, "Dead letters written."),
        ):
            yield CounterMetricFamily(name, f"{text} (all workers, from Redis)", value=value)
        queue = GaugeMetricFamily(
            "newswire_queue_depth", "Tasks waiting in the Celery queue.", labels=["queue"]
        )
        queue.add_metric([snap.queue], snap.queue_depth)
        yield queue
        yield GaugeMetricFamily(
            "newswire_queue_unacked", "Tasks delivered and not yet acked.", value=snap.unacked
        )
        length = GaugeMetricFamily("newswire_stream_length", "Entries in a stream (XLEN).", labels=["stream"])
        length.add_metric([self._keys.events], snap.events_length)
        length.add_metric([self._keys.rejected], snap.rejected_length)
        yield length
        lag = GaugeMetricFamily(
            "newswire_consumer_group_lag",
            "Entries a consumer group has not read yet.",
            labels=["stream", "group"],
        )
        pending = GaugeMetricFamily(
            "newswire_consumer_group_pending", "Entries read and not acked.", labels=["stream", "group"]
        )
        for group in snap.groups:
            lag.add_metric([group.stream, group.name], group.lag)
            pending.add_metric([group.stream, group.name], group.pending)
        yield lag
        yield pending


def use_multiprocess_dir(settings: Settings) -> Path:
    """Point prometheus_client at a clean multiprocess folder; call before the pool forks.

    The folder is the `metrics_dir` setting, or a temporary one removed at exit. Files left by an
    earlier run are deleted: their counts belong to processes that no longer exist.
    """
    if settings.metrics_dir is not None:
        path = settings.metrics_dir
        path.mkdir(parents=True, exist_ok=True)
        for stale in path.glob("*.db"):
            stale.unlink()
    else:
        path = Path(tempfile.mkdtemp(prefix="newswire-metrics-"))
        atexit.register(shutil.rmtree, path, ignore_errors=True)
    os.environ[MULTIPROC_ENV] = str(path)
    if "prometheus_client.values" in sys.modules:
        # prometheus_client picks its value class when first imported; if something imported
        # it before the folder was set, pick again so the metrics built from now on use files.
        from prometheus_client import values

        values.ValueClass = values.get_value_class()  # type: ignore[no-untyped-call]
    return path


def serve_worker_metrics(settings: Settings, port: int) -> None:
    """Serve the pool's summed metrics plus the Redis collector on http://<metrics_host>:port/metrics."""
    from prometheus_client import CollectorRegistry, start_http_server
    from prometheus_client.multiprocess import MultiProcessCollector

    path = use_multiprocess_dir(settings)
    registry = CollectorRegistry()
    MultiProcessCollector(registry, path=str(path))  # type: ignore[no-untyped-call]
    client = redis.Redis.from_url(str(settings.redis_url), socket_timeout=2, socket_connect_timeout=2)
    registry.register(RedisCollector(client, settings))
    start_http_server(port, addr=settings.metrics_host, registry=registry)


def mark_process_dead(pid: int) -> None:
    """Drop a dead pool process's live gauges (counters and histograms keep their counts)."""
    if os.environ.get(MULTIPROC_ENV):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(pid)  # type: ignore[no-untyped-call]


def instrument_worker(settings: Settings, port: int | None) -> None:
    """Serve the worker's metrics on `port` (None or 0: no server), cleaning up after dead pool processes."""
    if not port:
        return
    from celery.signals import worker_process_shutdown

    serve_worker_metrics(settings, port)

    def forget(pid: int | None = None, **_: object) -> None:
        if pid is not None:
            mark_process_dead(pid)

    worker_process_shutdown.connect(forget, weak=False)
