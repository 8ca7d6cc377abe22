"""Coalesce concurrent POSTs: one flusher admits, sends and records many requests per Redis round trip.

Per flush, in a worker thread: one admission script call (rate limits and idempotency claims of
every request in it, services/api/gate.py), one Celery task with the admitted requests'
documents, then one script call marking them queued and storing the claimed requests' answers.
Each request gets its verdict only after that, so a 202 always means the broker holds its
documents. There is no waiting for a batch to fill: the flusher takes whatever is queued the
moment it is free, so an idle API sends one task per request and a busy one fewer, larger ones.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import anyio
import redis

from schemas import RawDocument
from services.api.gate import ADMIT, AdmissionParams, Ask, Verdict, script_input
from services.queue import Enqueuer


@dataclass(frozen=True)
class Submission:
    """One request's documents, what to admit it by, and the answer record to store if it claims its key."""

    documents: Sequence[RawDocument]
    ask: Ask = field(default_factory=Ask)
    record: str = ""


# Runs in the worker thread: admits the submissions, sends the admitted ones, returns the verdicts.
Send = Callable[[Sequence[Submission]], list[Verdict]]


class Dispatch:
    """The flusher's work, in the worker thread: admit the submissions, send the admitted, record them."""

    def __init__(
        self,
        enqueuer: Enqueuer,
        client: redis.Redis,
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

    def __call__(self, submissions: Sequence[Submission]) -> list[Verdict]:
        """One verdict per submission; the admitted ones are in the broker when this returns."""
        asks = [sub.ask for sub in submissions]
        verdicts: list[Verdict] = ["open"] * len(asks)
        if not all(ask.empty for ask in asks):
            keys, args = script_input(asks, self._params)
            verdicts = [_text(reply) for reply in self._admit(keys=keys, args=args)]
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
                self._enqueuer.submit(chunk, then_set=records if number == len(chunks) else ())
        except Exception:
            if records:  # free the keys so the clients' retries can run (best effort: Redis may be down)
                with contextlib.suppress(redis.RedisError):
                    self._client.delete(*(key for key, _, _ in records))
            raise
        return verdicts


def _text(reply: bytes | str) -> str:
    return reply.decode() if isinstance(reply, bytes) else reply


class SubmitBatcher:
    """Queues submissions from many requests and hands them to `send` from one flusher task."""

    def __init__(self, send: Send, *, max_documents: int, interval: float = 0.0) -> None:
        self._send = send
        self._max = max_documents
        self._interval = interval
        self._queue: asyncio.Queue[tuple[Submission, asyncio.Future[Verdict]]] = asyncio.Queue()
        self._task: asyncio.Task[None] | None = None

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
        # One flusher, not several: while it sends, requests pile up and the next send takes
        # them all, so the per-task cost is shared by more requests the busier the API is.
        loop = asyncio.get_running_loop()
        started = -self._interval
        while True:
            batch = [await self._queue.get()]
            # Sends start at most every `interval` seconds and carry what arrived meanwhile: a send
            # costs ~1 ms of CPU however few documents it carries. After a pause it starts at once.
            if (wait := started + self._interval - loop.time()) > 0:
                await asyncio.sleep(wait)
            started = loop.time()
            self._take_queued(batch)
            try:
                # The Celery producer blocks: run it in a thread so the event loop keeps serving.
                verdicts = await anyio.to_thread.run_sync(self._send, [sub for sub, _ in batch])
            except Exception as exc:
                for _, done in batch:
                    if not done.done():
                        done.set_exception(exc)
                continue
            except BaseException:  # closing: the requests of this batch were not answered 202
                for _, done in batch:
                    done.cancel()
                raise
            for (_, done), verdict in zip(batch, verdicts, strict=True):
                if not done.done():
                    done.set_result(verdict)

    def _take_queued(self, batch: list[tuple[Submission, asyncio.Future[Verdict]]]) -> None:
        size = sum(len(sub.documents) for sub, _ in batch)
        while size < self._max and not self._queue.empty():
            item = self._queue.get_nowait()
            batch.append(item)
            size += len(item[0].documents)

    async def close(self) -> None:
        """Stop the flusher; submissions still queued get an error (their requests were not answered 202)."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        while not self._queue.empty():
            _, done = self._queue.get_nowait()
            if not done.done():
                done.set_exception(RuntimeError("the API is shutting down"))
