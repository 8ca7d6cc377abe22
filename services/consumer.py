"""Consume a newswire stream with a consumer group: XREADGROUP, XACK, and XAUTOCLAIM of stale entries.

Usage::

    consumer = StreamConsumer(redis.Redis(), "newswire:events", group="search-indexer", name="idx-1")
    for message in consumer.messages():
        index(message.event)
        consumer.ack(message)
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import redis

from schemas import NewsEvent

log = logging.getLogger(__name__)


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
        # Entries this consumer found trimmed away (MAXLEN) while still pending: lost to it.
        self.trimmed = 0
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
                self.stream,
                self.group,
                self.name,
                min_idle_time=self._claim_idle_ms,
                start_id=start,
                count=self._batch,
            )
            start, entries = _text(reply[0]), reply[1]
            claimed += [_message(entry_id, fields) for entry_id, fields in entries if fields is not None]
            # Entries MAXLEN trimmed before anyone acked them: Redis 7 drops them from the group's
            # pending list and names them here; they are gone, so count them where a person can see.
            self._count_trimmed(len(reply[2]) if len(reply) > 2 else 0)
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
        return _messages(reply)

    def pending(self) -> list[Message]:
        """Entries delivered to this consumer earlier and not yet acked (e.g. before a crash)."""
        found: list[Message] = []
        start = "0"
        while True:
            reply: Any = self._redis.xreadgroup(
                self.group, self.name, {self.stream: start}, count=self._batch
            )
            entries = [(_text(eid), f) for _, batch in reply or [] for eid, f in batch]
            if not entries:
                return found
            found += [_message(eid, f) for eid, f in entries if f]
            # A pending entry MAXLEN already trimmed comes back without fields: it cannot be
            # handled, and left unacked it would stay in the pending list for ever.
            if trimmed := [eid for eid, f in entries if not f]:
                self._redis.xack(self.stream, self.group, *trimmed)
                self._count_trimmed(len(trimmed))
            start = entries[-1][0]

    def messages(self, *, block_ms: int | None = None) -> Iterator[Message]:
        """Yield entries forever: this consumer's own pending ones, stale ones reclaimed from
        dead consumers, then new ones. Ack each one once it is handled.

        Stale entries are reclaimed again every `claim_idle_ms / 2`, so a consumer that dies
        while this one runs has its entries taken over without anyone restarting.
        """
        yield from self.pending()
        yield from self.claim_stale()
        next_claim = time.monotonic() + self._claim_idle_ms / 2000
        while True:
            yield from self.read(block_ms=block_ms)
            if time.monotonic() >= next_claim:
                yield from self.claim_stale()
                next_claim = time.monotonic() + self._claim_idle_ms / 2000

    def _count_trimmed(self, count: int) -> None:
        if count:
            self.trimmed += count
            log.warning(
                "%d pending entries of %s were trimmed (MAXLEN) before group %s acked them",
                count, self.stream, self.group,
            )  # fmt: skip

    def ack(self, *messages: Message) -> int:
        """Acknowledge processed entries so they are not delivered again."""
        if not messages:
            return 0
        return int(self._redis.xack(self.stream, self.group, *(m.entry_id for m in messages)))


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


def _message(entry_id: bytes | str, fields: dict[bytes | str, bytes | str]) -> Message:
    return Message(_text(entry_id), {_text(k): _text(v) for k, v in fields.items()})


def _messages(reply: Any) -> list[Message]:
    # XREADGROUP's reply: [[stream, [(entry_id, fields), ...]], ...]; fields is None for an
    # entry trimmed away while pending.
    return [_message(eid, fields) for _, entries in reply or [] for eid, fields in entries if fields]
