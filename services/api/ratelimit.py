"""Per-client rate limit: a fixed-window counter in Redis, shared by every API process.

The counting itself happens in the admission gate (services/api/gate.py), in the same script
call as the request's idempotency claim; this module names the counter and words the refusal.
"""

from __future__ import annotations

import math

from services.api.errors import RateLimited
from services.keys import Keys


class RateLimiter:
    """At most `limit` requests per client per `window` seconds (0: no limit)."""

    def __init__(self, keys: Keys, *, limit: int, window: int) -> None:
        self._keys = keys
        self.limit = limit
        self.window = window

    def counter(self, client_id: str, *, now: float) -> str | None:
        """The Redis counter this request counts under, or None when there is no limit."""
        if self.limit <= 0:
            return None
        return self._keys.rate_limit(client_id, int(now // self.window))

    def refusal(self, *, now: float) -> RateLimited:
        """The 429 for a client over its limit, with Retry-After until the window ends."""
        retry_after = max(1, math.ceil((int(now // self.window) + 1) * self.window - now))
        return RateLimited(
            f"more than {self.limit} requests in {self.window} s from this client; retry in {retry_after} s",
            headers={"Retry-After": str(retry_after)},
        )
