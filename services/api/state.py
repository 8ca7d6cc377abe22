"""What one API process holds for its lifetime: clients, the enqueuer, stores, probes, metrics."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import partial

import anyio
import redis
import redis.asyncio as aioredis
from celery import Celery

from schemas import RawDocument
from services.api.auth import Credentials
from services.api.batching import Record, SubmitBatcher
from services.api.gate import AdmissionGate
from services.api.idempotency import PENDING_TTL_SECONDS, IdempotencyStore
from services.api.metrics import ApiMetrics
from services.api.models import Readiness
from services.api.ratelimit import RateLimiter
from services.keys import Keys
from services.queue import Enqueuer
from services.settings import Settings


@dataclass
class ReadinessProbe:
    """Redis PING and a Celery worker ping, cached briefly so probes do not flood the broker."""

    redis: aioredis.Redis
    celery: Celery
    cache_seconds: float = 2.0
    _last: tuple[float, Readiness] | None = None
    _lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    async def check(self) -> Readiness:
        """Whether Redis answers and at least one worker answered a ping within 1 s."""
        async with self._lock:
            if self._last and time.monotonic() - self._last[0] < self.cache_seconds:
                return self._last[1]
            result = await self._probe()
            self._last = (time.monotonic(), result)
            return result

    async def _probe(self) -> Readiness:
        try:
            await self.redis.ping()
        except redis.RedisError as exc:
            return Readiness(ready=False, redis=False, workers=0, detail=f"Redis does not answer: {exc}")
        try:
            # Celery's ping is blocking; limit=1 returns at the first reply instead of the timeout.
            replies = await anyio.to_thread.run_sync(lambda: self.celery.control.ping(timeout=1.0, limit=1))
        except Exception as exc:  # the broker itself is unreachable: report, do not crash the probe
            return Readiness(ready=False, redis=True, workers=0, detail=f"Celery ping failed: {exc}")
        if not replies:
            return Readiness(
                ready=False, redis=True, workers=0, detail="no worker answered a ping within 1 s"
            )
        return Readiness(ready=True, redis=True, workers=len(replies), detail="ok")


@dataclass
class Resources:
    """Everything the routes use, built when the app starts and closed when it stops."""

    settings: Settings
    keys: Keys
    redis: aioredis.Redis
    enqueuer: Enqueuer
    credentials: Credentials
    gate: AdmissionGate
    idempotency: IdempotencyStore
    probe: ReadinessProbe
    metrics: ApiMetrics
    batcher: SubmitBatcher

    @classmethod
    def open(cls, settings: Settings, metrics: ApiMetrics) -> Resources:
        """Build the clients (connections open lazily, on first use)."""
        from workers.app import create_app as create_celery

        keys = Keys.from_settings(settings)
        enqueuer = Enqueuer(settings, client=redis.Redis.from_url(
            str(settings.redis_url), socket_connect_timeout=3, socket_timeout=10
        ))  # fmt: skip
        # socket_timeout above the SSE route's XREAD BLOCK, so a quiet stream is not a timeout.
        client = aioredis.Redis.from_url(
            str(settings.redis_url), decode_responses=True, socket_connect_timeout=3, socket_timeout=15
        )
        gate = AdmissionGate(
            client,
            limit=settings.api_rate_limit,
            rate_ttl=settings.api_rate_limit_window_seconds + 1,
            claim_ttl=min(PENDING_TTL_SECONDS, settings.idempotency_ttl_seconds),
        )
        limiter = RateLimiter(
            keys, limit=settings.api_rate_limit, window=settings.api_rate_limit_window_seconds
        )
        return cls(
            settings=settings,
            keys=keys,
            redis=client,
            enqueuer=enqueuer,
            credentials=Credentials.from_settings(settings),
            gate=gate,
            idempotency=IdempotencyStore(client, keys, gate, limiter, ttl=settings.idempotency_ttl_seconds),
            probe=ReadinessProbe(client, create_celery(settings)),
            metrics=metrics,
            batcher=SubmitBatcher(
                partial(_send, enqueuer, settings.ingest_batch_size),
                max_documents=settings.ingest_batch_size,
            ),
        )

    async def enqueue(self, documents: Sequence[RawDocument], record: Record | None = None) -> None:
        """Send documents to the broker, batched with concurrent requests; returns once it holds them.

        `record` (an idempotent answer) is stored in the same round trip as the documents' status.
        """
        await self.batcher.submit(documents, record)

    async def close(self) -> None:
        """Stop the batcher and the gate, and close every client."""
        await self.batcher.close()
        await self.gate.close()
        await self.redis.aclose()
        await anyio.to_thread.run_sync(self.enqueuer.close)
        self.probe.celery.close()


def _send(enqueuer: Enqueuer, size: int, documents: Sequence[RawDocument], records: Sequence[Record]) -> None:
    """Enqueue in tasks of `size` documents; the records go with the last task's status round trip."""
    chunks = [documents[start : start + size] for start in range(0, len(documents), size)]
    for number, chunk in enumerate(chunks, start=1):
        enqueuer.submit(chunk, then_set=records if number == len(chunks) else ())
