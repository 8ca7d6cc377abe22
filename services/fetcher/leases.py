"""Fetch requests being served: leases renewed so no consumer reclaims them mid-fetch, and delivery counts."""

from __future__ import annotations

from typing import Any

import redis


class Leases:
    """The fetch-request entries one consumer of the group is serving right now.

    A pending entry idle for `claim_idle` is taken over by XAUTOCLAIM, by this consumer or another:
    without renewal, a fetch slower than that (retries, a slow host) would be served twice.
    """

    def __init__(self, client: redis.Redis, stream: str, *, group: str, consumer: str) -> None:
        self._redis = client
        self.stream = stream
        self.group = group
        self.consumer = consumer
        self._held: set[str] = set()

    def __contains__(self, entry_id: object) -> bool:
        return entry_id in self._held

    def __len__(self) -> int:
        return len(self._held)

    def take(self, entry_id: str) -> bool:
        """Hold `entry_id` while it is served; False if it is already held (one task per entry)."""
        if entry_id in self._held:
            return False
        self._held.add(entry_id)
        return True

    def release(self, entry_id: str) -> None:
        """Stop renewing `entry_id` (served and acked, or left for a later retry)."""
        self._held.discard(entry_id)

    def renew(self) -> int:
        """Reset the idle time of every held entry; returns how many were renewed.

        XCLAIM with JUSTID to this same consumer: the entry stays ours, its idle time restarts,
        and (JUSTID) its delivery count is not incremented, so renewals never count as retries.
        """
        held: list[Any] = list(self._held)
        if not held:
            return 0
        renewed = self._redis.xclaim(
            self.stream, self.group, self.consumer, min_idle_time=0, message_ids=held, justid=True
        )
        return len(renewed)

    def deliveries(self, entry_ids: list[str]) -> dict[str, int]:
        """How many times each entry has been delivered, for those still pending on this consumer.

        An entry missing from the answer was acked meanwhile or taken over by another consumer:
        it is not this consumer's to serve.
        """
        if not entry_ids:
            return {}
        pipe = self._redis.pipeline(transaction=False)
        for entry_id in entry_ids:
            pipe.xpending_range(self.stream, self.group, min=entry_id, max=entry_id, count=1)
        counts: dict[str, int] = {}
        for reply in pipe.execute():
            for item in reply:
                if _text(item["consumer"]) == self.consumer:
                    counts[_text(item["message_id"])] = int(item["times_delivered"])
        return counts


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value
