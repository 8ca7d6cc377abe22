"""Enqueueing: hand RawDocuments to the Celery queue, in batches, and mark them queued.

A task is built by Celery's own message builder (`app.amqp.create_task_message`, protocol 2) and
wrapped in the envelope kombu's Redis transport stores (`Channel.prepare_message` plus the
`body_encoding` / `delivery_tag` / `delivery_info` it adds when publishing), then pushed onto the
queue's list by the same Lua call that marks the documents queued. Going through `send_task`
instead costs ~0.6 ms of CPU per task whatever its size (routing, a new redis-py client object
per publish, kombu's JSON envelope re-escaping the whole body) and one more round trip; the
worker reads both alike, as kombu's consumer only LPOPs and parses that envelope.
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from itertools import islice

import orjson
import redis
import redis.asyncio as aioredis

from schemas import RawDocument
from services.keys import Keys
from services.settings import Settings

# KEYS: the Celery queue's list, the counters hash, the documents' status hashes, then the keys to
# SET. ARGV: the task message, status TTL, number of documents, number of counters; the counters
# (field, increment); then (value, TTL) for each key to SET. With the broker in the same Redis (the
# default), the message and the statuses are written atomically: "queued" (and a stored 202)
# never exists without its task, nor the reverse.
# An empty message: the task was already pushed onto a broker of its own (NEWSWIRE_BROKER_URL).
ENQUEUE = """
if ARGV[1] ~= '' then redis.call('LPUSH', KEYS[1], ARGV[1]) end
local ttl, docs, counters = ARGV[2], tonumber(ARGV[3]), tonumber(ARGV[4])
for i = 3, docs + 2 do
  redis.call('HSETNX', KEYS[i], 'state', 'queued')
  redis.call('EXPIRE', KEYS[i], ttl)
end
local a = 5
for _ = 1, counters do
  redis.call('HINCRBY', KEYS[2], ARGV[a], ARGV[a + 1])
  a = a + 2
end
for k = docs + 3, #KEYS do
  redis.call('SET', KEYS[k], ARGV[a], 'EX', ARGV[a + 1])
  a = a + 2
end
"""


class TaskMessages:
    """Builds the queue entries of tasks carrying documents, and the script call that enqueues them."""

    def __init__(self, settings: Settings, *, task_name: str | None = None) -> None:
        from workers.app import TASK_NAME, create_app

        self._settings = settings
        self._keys = Keys.from_settings(settings)
        self._app = create_app(settings)
        # Another task name is for benchmarks (bench/noop.py): the same producer path, a no-op task.
        self._task_name = task_name or TASK_NAME
        self.queue_key = self._keys.celery_queue(settings.queue)
        # A broker elsewhere (NEWSWIRE_BROKER_URL, a Redis too: the worker's transport options are
        # kombu's Redis ones) gets the task first, then the status is written.
        self.separate_broker = settings.broker != str(settings.redis_url)

    def message(self, documents: Sequence[RawDocument]) -> bytes:
        """The queue entry of one task carrying these documents: what kombu would LPUSH for send_task.

        Celery builds the protocol-2 task (headers, properties, body); the envelope around it is
        what kombu's virtual channel makes of a publish to the default exchange (prepare_message,
        then basic_publish's body_encoding, delivery_tag and delivery_info). The body is JSON
        written by orjson and stored as it is ("utf-8" body encoding, not kombu's base64 default:
        a worker decodes whichever the message names).
        """
        task_id = str(uuid.uuid4())
        payload = [doc.model_dump(mode="json") for doc in documents]
        # A short argsrepr: by default Celery reprs the documents into every message's headers,
        # which costs CPU on each send and puts article text into Flower and task events.
        headers, properties, body, _ = self._app.amqp.create_task_message(
            task_id,
            self._task_name,
            [payload],
            {},
            reply_to=self._app.thread_oid,
            create_sent_event=self._app.conf.task_send_sent_event,
            argsrepr=f"[<{len(documents)} documents>]",
            ignore_result=None,  # what send_task puts in the headers unless told otherwise
        )
        envelope = {
            "body": orjson.dumps(body).decode(),
            "content-encoding": "utf-8",
            "content-type": "application/json",
            "headers": headers,
            "properties": {
                **properties,
                "delivery_mode": 2,  # persistent, kombu's default
                "delivery_info": {"exchange": "", "routing_key": self._settings.queue},
                "priority": 0,  # the queue's own list; other priorities have suffixed keys
                "body_encoding": "utf-8",
                "delivery_tag": str(uuid.uuid4()),
            },
        }
        return orjson.dumps(envelope)

    def script_input(
        self, documents: Sequence[RawDocument], message: bytes, then_set: Sequence[tuple[str, str, int]]
    ) -> tuple[list[str], list[bytes | str | int]]:
        """KEYS and ARGV of the ENQUEUE script; `message` empty when a separate broker got it already."""
        # A worker may already have written "published" for a document sent before; HSETNX
        # leaves that alone.
        counters = Counter(f"documents_in:{doc.channel}" for doc in documents)
        keys = [self.queue_key, self._keys.counters, *(self._keys.status(doc.id) for doc in documents)]
        args: list[bytes | str | int] = [
            message,
            self._settings.status_ttl_seconds,
            len(documents),
            len(counters),
        ]
        for field, count in counters.items():
            args += [field, count]
        for key, value, ttl in then_set:
            keys.append(key)
            args += [value, ttl]
        return keys, args

    def close(self) -> None:
        """Release Celery's app (its pools are unused, but opened lazily by anything that asks)."""
        self._app.close()


class Enqueuer:
    """Sends documents to the workers. Returns only once the broker holds the task."""

    def __init__(
        self, settings: Settings, client: redis.Redis | None = None, *, task_name: str | None = None
    ) -> None:
        self._settings = settings
        self._messages = TaskMessages(settings, task_name=task_name)
        self._redis = client or redis.Redis.from_url(str(settings.redis_url))
        self._broker = redis.Redis.from_url(settings.broker) if self._messages.separate_broker else None
        # One script call for the task and its documents' status, not a send then 2 commands per document.
        self._enqueue = self._redis.register_script(ENQUEUE)

    def submit(
        self,
        documents: Sequence[RawDocument],
        *,
        then_set: Sequence[tuple[str, str, int]] = (),
    ) -> None:
        """Enqueue one task carrying these documents and record them as queued, in one script call.

        Args:
            documents: the task's documents.
            then_set: (key, value, TTL) to SET in the same call (the API's idempotent answers), so
                they too are written only together with the task.
        """
        if not documents:
            return
        message = self._messages.message(documents)
        if self._broker is not None:
            self._broker.lpush(self._messages.queue_key, message)
            message = b""
        keys, args = self._messages.script_input(documents, message, then_set)
        self._enqueue(keys=keys, args=args)

    def submit_many(self, documents: Iterable[RawDocument], batch_size: int | None = None) -> Iterator[int]:
        """Enqueue documents in batches of `batch_size`; yields the size of each batch sent."""
        size = batch_size or self._settings.ingest_batch_size
        iterator = iter(documents)
        while batch := list(islice(iterator, size)):
            self.submit(batch)
            yield len(batch)

    def close(self) -> None:
        """Release the broker connections."""
        self._messages.close()
        self._redis.close()
        if self._broker is not None:
            self._broker.close()


class AsyncEnqueuer:
    """Enqueuer for an event loop (the API): the same task and status, over redis.asyncio.

    The script call is awaited, not run in a thread: a thread doing Redis I/O in a busy API waits
    for the GIL after every reply (up to the 5 ms switch interval each time), which is what
    stretched the webhook's latency while the event loop served other requests.
    """

    def __init__(self, settings: Settings, client: aioredis.Redis) -> None:
        self._messages = TaskMessages(settings)
        self._broker = aioredis.Redis.from_url(settings.broker) if self._messages.separate_broker else None
        self._enqueue = client.register_script(ENQUEUE)

    async def submit(
        self, documents: Sequence[RawDocument], *, then_set: Sequence[tuple[str, str, int]] = ()
    ) -> None:
        """As Enqueuer.submit: returns once the broker holds the task and the status is written."""
        if not documents:
            return
        message = self._messages.message(documents)
        if self._broker is not None:
            await self._broker.lpush(self._messages.queue_key, message)
            message = b""
        keys, args = self._messages.script_input(documents, message, then_set)
        await self._enqueue(keys=keys, args=args)

    async def close(self) -> None:
        """Release the broker client (the main client belongs to the caller)."""
        self._messages.close()
        if self._broker is not None:
            await self._broker.aclose()
