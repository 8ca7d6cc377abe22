"""Enqueueing: hand RawDocuments to the Celery queue, in batches, and mark them queued."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from itertools import islice

import redis

from schemas import RawDocument
from services.keys import Keys
from services.settings import Settings


class Enqueuer:
    """Sends documents to the workers. Returns only once the broker holds the task."""

    def __init__(
        self, settings: Settings, client: redis.Redis | None = None, *, task_name: str | None = None
    ) -> None:
        from workers.app import TASK_NAME, create_app

        self._settings = settings
        self._keys = Keys.from_settings(settings)
        self._app = create_app(settings)
        # Another task name is for benchmarks (bench/noop.py): the same producer path, a no-op task.
        self._task_name = task_name or TASK_NAME
        self._redis = client or redis.Redis.from_url(str(settings.redis_url))

    def submit(self, documents: Sequence[RawDocument]) -> None:
        """Enqueue one task carrying these documents, and record them as queued."""
        if not documents:
            return
        pipe = self._redis.pipeline(transaction=False)
        for doc in documents:
            key = self._keys.status(doc.id)
            # Do not overwrite the status of a document already processed (a re-ingest).
            pipe.hsetnx(key, "state", "queued")
            pipe.expire(key, self._settings.status_ttl_seconds)
        for channel, count in Counter(doc.channel for doc in documents).items():
            pipe.hincrby(self._keys.counters, f"documents_in:{channel}", count)
        pipe.execute()
        payload = [doc.model_dump(mode="json") for doc in documents]
        # A short argsrepr: by default Celery reprs the documents into every message's headers,
        # which costs CPU on each send and puts article text into Flower and task events.
        argsrepr = f"[<{len(documents)} documents>]"
        self._app.send_task(self._task_name, args=[payload], queue=self._settings.queue, argsrepr=argsrepr)

    def submit_many(self, documents: Iterable[RawDocument], batch_size: int | None = None) -> Iterator[int]:
        """Enqueue documents in batches of `batch_size`; yields the size of each batch sent."""
        size = batch_size or self._settings.ingest_batch_size
        iterator = iter(documents)
        while batch := list(islice(iterator, size)):
            self.submit(batch)
            yield len(batch)

    def close(self) -> None:
        """Release the broker connections."""
        self._app.close()
        self._redis.close()
