"""Consume a newswire stream with a consumer group: XREADGROUP, XACK, and XAUTOCLAIM of stale entries.

Usage::

    consumer = StreamConsumer(redis.Redis(), "newswire:events", group="search-indexer", name="idx-1")
    for message in consumer.messages():
        index(message.event)
        consumer.ack(message)
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import redis

from schemas import NewsEvent


@dataclass(frozen=True)
class Message:
    """One stream entry: its entry id and the CloudEvents fields."""

    entry_id: str
    fields: dict[str, str]

    @property
    def event(self) -> NewsEvent:
        """The NewsEvent in the entry's `data` field."""
        return NewsEvent.model_validate_json(self.fields["data"])


class StreamConsumer:
    """A member of a consumer group on one stream."""

    def __init__(
        self,
        client: redis.Redis,
        stream: str,
        *,
        group: str,
        name: str,
        from_start: bool = False,
        claim_idle_ms: int = 60_000,
        block_ms: int = 2_000,
        batch: int = 100,
    ) -> None:
        self._redis = client
        self.stream = stream
        self.group = group
        self.name = name
        self._claim_idle_ms = claim_idle_ms
        self._block_ms = block_ms
        self._batch = batch
        self.ensure_group(from_start=from_start)

    def ensure_group(self, *, from_start: bool = False) -> None:
        """Create the group if missing: at the stream's start, or only for new entries."""
        try:
            self._redis.xgroup_create(self.stream, self.group, id="0" if from_start else "$", mkstream=True)
        except redis.ResponseError as exc:
            if "BUSYGROUP" not in str(exc):
                raise

    def claim_stale(self) -> list[Message]:
        """Take over entries another consumer read but did not ack within `claim_idle_ms`."""
        claimed: list[Message] = []
        start = "0-0"
        while True:
            reply = self._redis.xautoclaim(
                self.stream, self.group, self.name, min_idle_time=self._claim_idle_ms, start_id=start, count=self._batch
            )
            start, entries = _text(reply[0]), reply[1]
            claimed += [_message(entry_id, fields) for entry_id, fields in entries if fields is not None]
            if start == "0-0":
                return claimed

    def read(self, *, block_ms: int | None = None) -> list[Message]:
        """Read up to `batch` new entries, waiting up to `block_ms` for them."""
        reply = self._redis.xreadgroup(
            self.group,
            self.name,
            {self.stream: ">"},
            count=self._batch,
            block=self._block_ms if block_ms is None else block_ms,
        )
        return [_message(eid, f) for _, entries in reply or [] for eid, f in entries if f]

    def pending(self) -> list[Message]:
        """Entries delivered to this consumer earlier and not yet acked (e.g. before a crash)."""
        reply = self._redis.xreadgroup(self.group, self.name, {self.stream: "0"}, count=self._batch)
        return [_message(eid, f) for _, entries in reply or [] for eid, f in entries if f]

    def messages(self, *, block_ms: int | None = None) -> Iterator[Message]:
        """Yield entries forever: this consumer's own pending ones, stale ones reclaimed from
        dead consumers, then new ones. Ack each one once it is handled."""
        yield from self.pending()
        yield from self.claim_stale()
        while True:
            yield from self.read(block_ms=block_ms)

    def ack(self, *messages: Message) -> int:
        """Acknowledge processed entries so they are not delivered again."""
        if not messages:
            return 0
        return int(self._redis.xack(self.stream, self.group, *(m.entry_id for m in messages)))


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


def _message(entry_id: bytes | str, fields: dict[bytes | str, bytes | str]) -> Message:
    return Message(_text(entry_id), {_text(k): _text(v) for k, v in fields.items()})
