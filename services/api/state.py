"""What one API process holds for its lifetime: clients, the enqueuer, stores, probes, metrics."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field

import anyio
import redis
import redis.asyncio as aioredis
from celery import Celery

from services.api.auth import Credentials
from services.api.batching import Dispatch, SubmitBatcher
from services.api.gate import AdmissionGate, AdmissionParams
from services.api.idempotency import PENDING_TTL_SECONDS, IdempotencyStore
from services.api.metrics import ApiMetrics
from services.api.models import Readiness
from services.api.ratelimit import RateLimiter
from services.keys import Keys
from services.metrics import RedisCollector
from services.queue import AsyncEnqueuer
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


SyncRedis = redis.Redis  # the `redis` field below shadows the module inside the class


@dataclass
class Resources:
    """Everything the routes use, built when the app starts and closed when it stops."""

    settings: Settings
    keys: Keys
    redis: aioredis.Redis
    enqueuer: AsyncEnqueuer
    credentials: Credentials
    gate: AdmissionGate
    idempotency: IdempotencyStore
    probe: ReadinessProbe
    metrics: ApiMetrics
    batcher: SubmitBatcher
    collector: tuple[RedisCollector, SyncRedis]

    @classmethod
    def open(cls, settings: Settings, metrics: ApiMetrics) -> Resources:
        """Build the clients (connections open lazily, on first use)."""
        from workers.app import create_app as create_celery

        keys = Keys.from_settings(settings)
        # socket_timeout above the SSE route's XREAD BLOCK, so a quiet stream is not a timeout.
        client = aioredis.Redis.from_url(
            str(settings.redis_url), decode_responses=True, socket_connect_timeout=3, socket_timeout=15
        )
        enqueuer = AsyncEnqueuer(settings, client)
        params = AdmissionParams(
            limit=settings.api_rate_limit,
            rate_ttl=settings.api_rate_limit_window_seconds + 1,
            claim_ttl=min(PENDING_TTL_SECONDS, settings.idempotency_ttl_seconds),
        )
        gate = AdmissionGate(client, params)
        limiter = RateLimiter(
            keys, limit=settings.api_rate_limit, window=settings.api_rate_limit_window_seconds
        )
        dispatch = Dispatch(
            enqueuer,
            client,
            params,
            task_size=settings.ingest_batch_size,
            record_ttl=settings.idempotency_ttl_seconds,
        )
        batcher = SubmitBatcher(
            dispatch, max_documents=settings.ingest_batch_size, interval=settings.api_flush_interval_ms / 1000
        )
        # The pipeline's picture (queue depth, stream lengths, group lag) on the API's /metrics too,
        # read at scrape time with short timeouts so a stuck Redis cannot hold a scrape for long.
        scrape_client = redis.Redis.from_url(
            str(settings.redis_url), socket_connect_timeout=2, socket_timeout=2
        )
        collector = RedisCollector(scrape_client, settings)
        metrics.registry.register(collector)
        return cls(
            settings=settings,
            keys=keys,
            redis=client,
            enqueuer=enqueuer,
            credentials=Credentials.from_settings(settings),
            gate=gate,
            idempotency=IdempotencyStore(
                client, keys, gate, limiter, batcher, ttl=settings.idempotency_ttl_seconds
            ),
            probe=ReadinessProbe(client, create_celery(settings)),
            metrics=metrics,
            batcher=batcher,
            collector=(collector, scrape_client),
        )

    async def close(self) -> None:
        """Stop the batcher and the gate, and close every client."""
        await self.batcher.close()
        await self.gate.close()
        await self.redis.aclose()
        await self.enqueuer.close()
        collector, scrape_client = self.collector
        self.metrics.registry.unregister(collector)
        scrape_client.close()
        self.probe.celery.close()
