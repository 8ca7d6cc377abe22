"""Coalesce concurrent POSTs into shared Celery tasks: one broker round-trip serves many requests.

Each request still gets its 202 only after the task holding its documents is in the broker. There
is no waiting for a batch to fill: a flusher takes whatever is queued the moment it is free, so an
idle API sends one task per request and a busy one sends fewer, larger tasks.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Sequence

import anyio

from schemas import RawDocument


class SubmitBatcher:
    """Queues documents from many requests and submits them with a few flusher tasks."""

    def __init__(
        self, submit: Callable[[list[RawDocument]], object], *, max_documents: int, flushers: int = 2
    ) -> None:
        self._submit = submit
        self._max = max_documents
        self._flushers = flushers
        self._queue: asyncio.Queue[tuple[Sequence[RawDocument], asyncio.Future[None]]] = asyncio.Queue()
        self._tasks: list[asyncio.Task[None]] = []

    def start(self) -> None:
        """Start the flusher tasks (inside the running event loop)."""
        self._tasks = [asyncio.create_task(self._flush_forever()) for _ in range(self._flushers)]

    async def submit(self, documents: Sequence[RawDocument]) -> None:
        """Return once the broker holds these documents; raise what the broker raised otherwise."""
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        await self._queue.put((documents, done))
        await done

    async def _flush_forever(self) -> None:
        while True:
            batch = [await self._queue.get()]
            size = len(batch[0][0])
            while size < self._max and not self._queue.empty():
                item = self._queue.get_nowait()
                batch.append(item)
                size += len(item[0])
            documents = [doc for docs, _ in batch for doc in docs]
            try:
                # The Celery producer blocks: run it in a thread so the event loop keeps serving.
                await anyio.to_thread.run_sync(self._submit, documents)
            except Exception as exc:
                for _, done in batch:
                    if not done.done():
                        done.set_exception(exc)
                continue
            for _, done in batch:
                if not done.done():
                    done.set_result(None)

    async def close(self) -> None:
        """Stop the flushers; documents still queued get an error (their requests were not answered 202)."""
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        while not self._queue.empty():
            _, done = self._queue.get_nowait()
            if not done.done():
                done.set_exception(RuntimeError("the API is shutting down"))
