"""Per-client rate limit: a fixed-window counter in Redis, shared by every API process."""

from __future__ import annotations

import math

import redis.asyncio as aioredis

from services.api.errors import RateLimited
from services.keys import Keys


class RateLimiter:
    """At most `limit` requests per client per `window` seconds (0: no limit)."""

    def __init__(self, client: aioredis.Redis, keys: Keys, *, limit: int, window: int) -> None:
        self._redis = client
        self._keys = keys
        self.limit = limit
        self.window = window

    async def check(self, client_id: str, *, now: float) -> None:
        """Count one request; raise RateLimited (429, Retry-After) when the client is over."""
        if self.limit <= 0:
            return
        window = int(now // self.window)
        key = self._keys.rate_limit(client_id, window)
        async with self._redis.pipeline(transaction=False) as pipe:
            pipe.incr(key)
            pipe.expire(key, self.window + 1)
            count, _ = await pipe.execute()
        if int(count) > self.limit:
            retry_after = max(1, math.ceil((window + 1) * self.window - now))
            raise RateLimited(
                f"more than {self.limit} requests in {self.window} s from this client; "
                f"retry in {retry_after} s",
                headers={"Retry-After": str(retry_after)},
            )
