"""Enqueueing: hand RawDocuments to the Celery queue, in batches, and mark them queued."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from itertools import islice

import orjson
import redis
from kombu.serialization import register

from schemas import RawDocument
from services.keys import Keys
from services.settings import Settings

# Celery's "json" format written by orjson: the same JSON, ~50x faster on the documents' base64
# content; workers decode it as any application/json body.
SERIALIZER = "newswire-json"


# KEYS: the counters hash, the documents' status hashes, then the keys to SET.
# ARGV: status TTL, number of documents, number of counters; the counters (field, increment);
# then (value, TTL) for each key to SET.
_MARK_QUEUED = """
local ttl, docs, counters = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3])
for i = 2, docs + 1 do
  redis.call('HSETNX', KEYS[i], 'state', 'queued')
  redis.call('EXPIRE', KEYS[i], ttl)
end
local a = 4
for _ = 1, counters do
  redis.call('HINCRBY', KEYS[1], ARGV[a], ARGV[a + 1])
  a = a + 2
end
for k = docs + 2, #KEYS do
  redis.call('SET', KEYS[k], ARGV[a], 'EX', ARGV[a + 1])
  a = a + 2
end
"""


def _dumps(body: object) -> str:
    return orjson.dumps(body).decode()


class Enqueuer:
    """Sends documents to the workers. Returns only once the broker holds the task."""

    def __init__(
        self, settings: Settings, client: redis.Redis | None = None, *, task_name: str | None = None
    ) -> None:
        from workers.app import TASK_NAME, create_app

        self._settings = settings
        self._keys = Keys.from_settings(settings)
        self._app = create_app(settings)
        # The body goes into Redis as it is, not base64-encoded first (kombu's default for the
        # Redis transport, ~1/3 of a send's CPU on document-sized bodies); every message says
        # which it is, so any worker reads both.
        self._app.conf.broker_transport_options = {
            **self._app.conf.broker_transport_options,
            "body_encoding": "utf-8",
        }
        register(SERIALIZER, _dumps, None, content_type="application/json", content_encoding="utf-8")
        # Another task name is for benchmarks (bench/noop.py): the same producer path, a no-op task.
        self._task_name = task_name or TASK_NAME
        self._redis = client or redis.Redis.from_url(str(settings.redis_url))
        # One script call, not 2 commands per document: a tenth of the CPU for a batch's status.
        self._mark_queued = self._redis.register_script(_MARK_QUEUED)

    def submit(
        self,
        documents: Sequence[RawDocument],
        *,
        then_set: Sequence[tuple[str, str, int]] = (),
    ) -> None:
        """Enqueue one task carrying these documents, then record them as queued.

        Args:
            documents: the task's documents.
            then_set: (key, value, TTL) to SET in the same round trip as the status (the API's
                idempotent answers), so they too are written only once the broker holds the task.
        """
        if not documents:
            return
        payload = [doc.model_dump(mode="json") for doc in documents]
        # A short argsrepr: by default Celery reprs the documents into every message's headers,
        # which costs CPU on each send and puts article text into Flower and task events.
        argsrepr = f"[<{len(documents)} documents>]"
        self._app.send_task(
            self._task_name,
            args=[payload],
            queue=self._settings.queue,
            argsrepr=argsrepr,
            serializer=SERIALIZER,
        )
        # Status and counters only now: a send that failed must not leave "queued" behind. A
        # worker may already have written "published"; HSETNX leaves that alone.
        counters = Counter(f"documents_in:{doc.channel}" for doc in documents)
        keys = [self._keys.counters, *(self._keys.status(doc.id) for doc in documents)]
        args: list[str | int] = [self._settings.status_ttl_seconds, len(documents), len(counters)]
        for field, count in counters.items():
            args += [field, count]
        for key, value, ttl in then_set:
            keys.append(key)
            args += [value, ttl]
        self._mark_queued(keys=keys, args=args)

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
