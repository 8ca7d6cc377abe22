"""What a worker process shares across tasks: settings, one Redis client and the sink."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import redis

from services.keys import Keys
from services.settings import Settings, get_settings
from services.sink import Sink


@dataclass(frozen=True)
class Runtime:
    """Per-process resources, built once on first use (after the worker forks)."""

    settings: Settings
    keys: Keys
    redis: redis.Redis
    sink: Sink


def build_runtime(settings: Settings) -> Runtime:
    """Connect to Redis and build the sink for these settings."""
    keys = Keys.from_settings(settings)
    client = redis.Redis.from_url(
        str(settings.redis_url),
        health_check_interval=30,
        socket_timeout=10,
        socket_connect_timeout=5,
        retry_on_timeout=True,
    )
    sink = Sink(
        client,
        keys,
        maxlen=settings.stream_maxlen,
        dedup_ttl=settings.dedup_ttl_seconds,
        status_ttl=settings.status_ttl_seconds,
    )
    return Runtime(settings=settings, keys=keys, redis=client, sink=sink)


@lru_cache(maxsize=1)
def get_runtime() -> Runtime:
    """The worker process's runtime."""
    return build_runtime(get_settings())
