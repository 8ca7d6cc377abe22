"""Coalesce concurrent POSTs: one flusher admits, sends and records many requests per Redis round trip.

Per flush, on the event loop: one admission script call (rate limits and idempotency claims of
every request in it, services/api/gate.py), then one script call that pushes a Celery task with
the admitted requests' documents, marks them queued and stores the claimed requests' answers
(services/queue.py). Both are awaited over redis.asyncio: the event loop serves other requests
meanwhile, and no thread competes with it for the GIL.

Each request gets its verdict only after that, so a 202 always means the broker holds its
documents. There is no waiting for a batch to fill: a send takes whatever is queued when it
starts (at most every NEWSWIRE_API_FLUSH_INTERVAL_MS, a few sends in flight), so an idle API
sends one task per request and a busy one fewer, larger ones.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field

import redis
import redis.asyncio as aioredis

from schemas import RawDocument
from services.api.gate import ADMIT, AdmissionParams, Ask, Verdict, script_input
from services.queue import AsyncEnqueuer


@dataclass(frozen=True)
class Submission:
    """One request's documents, what to admit it by, and the answer record to store if it claims its key."""

    documents: Sequence[RawDocument]
    ask: Ask = field(default_factory=Ask)
    record: str = ""


# Admits the submissions, sends the admitted ones, returns the verdicts.
Send = Callable[[Sequence[Submission]], Awaitable[list[Verdict]]]


class Dispatch:
    """The flusher's work: admit the submissions, send the admitted, record them."""

    def __init__(
        self,
        enqueuer: AsyncEnqueuer,
        client: aioredis.Redis,
        params: AdmissionParams,
        *,
        task_size: int,
        record_ttl: int,
    ) -> None:
        self._enqueuer = enqueuer
        self._client = client
        self._admit = client.register_script(ADMIT)
        self._params = params
        self._task_size = task_size
        self._record_ttl = record_ttl

    async def __call__(self, submissions: Sequence[Submission]) -> list[Verdict]:
        """One verdict per submission; the admitted ones are in the broker when this returns."""
        asks = [sub.ask for sub in submissions]
        verdicts: list[Verdict] = ["open"] * len(asks)
        if not all(ask.empty for ask in asks):
            keys, args = script_input(asks, self._params)
            verdicts = [_text(reply) for reply in await self._admit(keys=keys, args=args)]
        admitted = [
            (sub, v) for sub, v in zip(submissions, verdicts, strict=True) if v in ("open", "claimed")
        ]
        records = [
            (sub.ask.claim_key, sub.record, self._record_ttl)
            for sub, v in admitted
            if v == "claimed" and sub.ask.claim_key
        ]
        documents = [doc for sub, _ in admitted for doc in sub.documents]
        try:
            chunks = [
                documents[at : at + self._task_size] for at in range(0, len(documents), self._task_size)
            ]
            for number, chunk in enumerate(chunks, start=1):
                # The answers are stored with the last task's status: only once the broker holds all.
                await self._enqueuer.submit(chunk, then_set=records if number == len(chunks) else ())
        except BaseException:
            if records:  # free the keys so the clients' retries can run (best effort: Redis may be down)
                # Shielded: a flush cancelled at shutdown must still free them.
                with contextlib.suppress(redis.RedisError):
                    await asyncio.shield(self._client.delete(*(key for key, _, _ in records)))
            raise
        return verdicts


def _text(reply: bytes | str) -> str:
    return reply.decode() if isinstance(reply, bytes) else reply


# Sends in flight at once. While one waits for Redis the event loop keeps taking requests, and the
# next send starts after the interval instead of after that reply: on a loaded machine each round
# trip can take several ms (Redis waiting for a core), and with one send at a time those waits,
# not the CPU, bounded the requests per second. A few, not unbounded: each send costs its CPU
# however few requests it carries.
MAX_SENDS_IN_FLIGHT = 4

_Item = tuple[Submission, asyncio.Future[Verdict]]  # a request and where its verdict goes


class SubmitBatcher:
    """Queues submissions from many requests and hands them to `send` from one flusher task."""

    def __init__(self, send: Send, *, max_documents: int, interval: float = 0.0) -> None:
        self._send = send
        self._max = max_documents
        self._interval = interval
        self._queue: asyncio.Queue[_Item] = asyncio.Queue()
        self._task: asyncio.Task[None] | None = None
        self._sends: set[asyncio.Task[None]] = set()

    def start(self) -> None:
        """Start the flusher (inside the running event loop)."""
        self._task = asyncio.create_task(self._flush_forever())

    async def submit(self, submission: Submission) -> Verdict:
        """The request's admission verdict; 'open' or 'claimed' once the broker holds its documents.

        Raises what the send raised (Redis or the broker down): then nothing was admitted for sure.
        """
        done: asyncio.Future[Verdict] = asyncio.get_running_loop().create_future()
        self._queue.put_nowait((submission, done))
        return await done

    async def _flush_forever(self) -> None:
        # One flusher starting the sends: requests that arrive while sends are under way pile up
        # and the next send takes them all, so the per-send cost is shared by more requests the
        # busier the API is.
        loop = asyncio.get_running_loop()
        started = -self._interval
        in_flight = asyncio.Semaphore(MAX_SENDS_IN_FLIGHT)
        while True:
            batch = [await self._queue.get()]
            # Sends start at most every `interval` seconds and carry what arrived meanwhile: a send
            # costs ~0.3 ms of CPU however few documents it carries. After a pause it starts at once.
            if (wait := started + self._interval - loop.time()) > 0:
                await asyncio.sleep(wait)
            await in_flight.acquire()
            started = loop.time()
            self._take_queued(batch)
            send = asyncio.create_task(self._flush(batch))
            self._sends.add(send)
            send.add_done_callback(self._sends.discard)
            send.add_done_callback(lambda _: in_flight.release())

    async def _flush(self, batch: list[_Item]) -> None:
        try:
            verdicts = await self._send([sub for sub, _ in batch])
        except Exception as exc:
            for _, done in batch:
                if not done.done():
                    done.set_exception(exc)
            return
        except BaseException:  # closing: the requests of this batch were not answered 202
            for _, done in batch:
                done.cancel()
            raise
        for (_, done), verdict in zip(batch, verdicts, strict=True):
            if not done.done():
                done.set_result(verdict)

    def _take_queued(self, batch: list[_Item]) -> None:
        size = sum(len(sub.documents) for sub, _ in batch)
        while size < self._max and not self._queue.empty():
            item = self._queue.get_nowait()
            batch.append(item)
            size += len(item[0].documents)

    async def close(self) -> None:
        """Stop the flusher and its sends; submissions still queued get an error (not answered 202)."""
        for task in [t for t in (self._task, *self._sends) if t is not None]:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        while not self._queue.empty():
            _, done = self._queue.get_nowait()
            if not done.done():
                done.set_exception(RuntimeError("the API is shutting down"))
