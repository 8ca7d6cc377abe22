"""Coalesce concurrent POSTs into shared Celery tasks: one broker round-trip serves many requests.

Each request still gets its 202 only after the task holding its documents is in the broker, and
its idempotency record is written in the same Redis round trip as the documents' status (after
the broker holds them). There is no waiting for a batch to fill: the flusher takes whatever is
queued the moment it is free, so an idle API sends one task per request and a busy one sends
fewer, larger tasks.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Sequence

import anyio

from schemas import RawDocument

Record = tuple[str, str, int]  # an idempotency record: key, value, TTL
Send = Callable[[Sequence[RawDocument], Sequence[Record]], object]


class SubmitBatcher:
    """Queues documents from many requests and submits them from one flusher task."""

    def __init__(self, send: Send, *, max_documents: int) -> None:
        self._send = send
        self._max = max_documents
        self._queue: asyncio.Queue[tuple[Sequence[RawDocument], Record | None, asyncio.Future[None]]]
        self._queue = asyncio.Queue()
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        """Start the flusher (inside the running event loop)."""
        self._task = asyncio.create_task(self._flush_forever())

    async def submit(self, documents: Sequence[RawDocument], record: Record | None = None) -> None:
        """Return once the broker holds these documents and `record` is stored; else raise why not."""
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._queue.put_nowait((documents, record, done))
        await done

    async def _flush_forever(self) -> None:
        # One flusher, not several: while it sends, requests pile up and the next send takes
        # them all, so the per-task cost is shared by more requests the busier the API is.
        while True:
            batch = [await self._queue.get()]
            size = len(batch[0][0])
            while size < self._max and not self._queue.empty():
                item = self._queue.get_nowait()
                batch.append(item)
                size += len(item[0])
            documents = [doc for docs, _, _ in batch for doc in docs]
            records = [record for _, record, _ in batch if record is not None]
            try:
                # The Celery producer blocks: run it in a thread so the event loop keeps serving.
                await anyio.to_thread.run_sync(self._send, documents, records)
            except Exception as exc:
                for _, _, done in batch:
                    if not done.done():
                        done.set_exception(exc)
                continue
            except BaseException:  # closing: the requests of this batch were not answered 202
                for _, _, done in batch:
                    done.cancel()
                raise
            for _, _, done in batch:
                if not done.done():
                    done.set_result(None)

    async def close(self) -> None:
        """Stop the flusher; documents still queued get an error (their requests were not answered 202)."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        while not self._queue.empty():
            _, _, done = self._queue.get_nowait()
            if not done.done():
                done.set_exception(RuntimeError("the API is shutting down"))
