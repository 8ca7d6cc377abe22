"""Idempotent publishing with one Lua script: an id already published is never added again."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, cast

import redis

from schemas import DeadLetter, NewsEvent, RawDocument, StreamEntry
from services.keys import Keys
from services.sink.scripts import Call, run_pipelined

# KEYS[1] = marker, KEYS[2] = counters hash, KEYS[3..] = streams.
# ARGV[1] = maxlen, ARGV[2] = marker ttl, ARGV[3] = counter field, ARGV[4..] = entry fields.
# Check-and-add in one script: Redis runs it atomically, so two workers racing on a redelivered
# task cannot both publish. The marker keeps the main stream's entry id for status lookups.
_PUBLISH_ONCE = """
local existing = redis.call('GET', KEYS[1])
if existing then return {0, existing} end
local fields = {}
for i = 4, #ARGV do fields[#fields + 1] = ARGV[i] end
local first
for i = 3, #KEYS do
  local id = redis.call('XADD', KEYS[i], 'MAXLEN', '~', ARGV[1], '*', unpack(fields))
  if not first then first = id end
end
redis.call('SET', KEYS[1], first, 'EX', ARGV[2])
redis.call('HINCRBY', KEYS[2], ARGV[3], 1)
return {1, first}
"""


@dataclass(frozen=True)
class PublishResult:
    """One publish: the stream entry id and whether this call added it (False: already there)."""

    event_id: str
    entry_id: str
    added: bool


class Sink:
    """Writes events and dead letters to Redis Streams, idempotently."""

    def __init__(
        self, client: redis.Redis, keys: Keys, *, maxlen: int, dedup_ttl: int, status_ttl: int
    ) -> None:
        self._redis = client
        self._keys = keys
        self._maxlen = maxlen
        self._dedup_ttl = dedup_ttl
        self._status_ttl = status_ttl
        self._script = client.register_script(_PUBLISH_ONCE)

    def publish(
        self, events: Sequence[NewsEvent], *, extra_streams: Sequence[Sequence[str]] = ()
    ) -> list[PublishResult]:
        """Publish events (pipelined); `extra_streams[i]` are routed streams for events[i]."""
        calls: list[Call] = []
        for i, event in enumerate(events):
            routes = list(extra_streams[i]) if i < len(extra_streams) else []
            fields = StreamEntry.wrap(event).fields()
            argv: list[str | int] = [self._maxlen, self._dedup_ttl, "events_published"]
            for name, value in fields.items():
                argv += [name, value]
            keys = [self._keys.published(event.id), self._keys.counters, self._keys.events, *routes]
            calls.append((keys, argv))
        replies = run_pipelined(self._redis, _PUBLISH_ONCE, self._script.sha, calls) if calls else []
        return [
            PublishResult(event.id, _text(entry), bool(added))
            for event, (added, entry) in zip(events, replies, strict=True)
        ]

    def reject(
        self,
        document: RawDocument,
        *,
        stage: str,
        code: str,
        reason: str,
        index: int | None = None,
        attempts: int = 1,
    ) -> PublishResult:
        """Dead-letter a document (or one article of it) once, with its reason and original bytes."""
        letter = DeadLetter(
            doc_id=document.id,
            index=index,
            stage=stage,
            code=code,
            reason=reason,
            attempts=attempts,
            rejected_at=datetime.now(UTC),
            document=document,
        )
        fields = {
            "doc_id": letter.doc_id,
            "stage": stage,
            "code": code,
            "reason": reason,
            "data": letter.model_dump_json(),
        }
        argv: list[str | int] = [self._maxlen, self._dedup_ttl, "rejected"]
        for name, value in fields.items():
            argv += [name, value]
        marker = self._keys.dead_lettered(document.id, stage, index)
        added, entry = self._script(keys=[marker, self._keys.counters, self._keys.rejected], args=argv)
        return PublishResult(document.id, _text(entry), bool(added))

    def record_status(self, statuses: Sequence[tuple[str, dict[str, str]]]) -> None:
        """Store documents' statuses (`state`: queued, published, rejected, ...) with a TTL, pipelined."""
        now = datetime.now(UTC).isoformat()
        pipe = self._redis.pipeline(transaction=False)
        for doc_id, fields in statuses:
            key = self._keys.status(doc_id)
            # cast: redis-py types `mapping` with an invariant key union a dict[str, str] can't match.
            pipe.hset(key, mapping=cast(Any, {"updated_at": now, **fields}))
            pipe.expire(key, self._status_ttl)
        # Counts processing runs, so a redelivered document counts twice here (never on the stream).
        pipe.hincrby(self._keys.counters, "documents_processed", len(statuses))
        pipe.execute()


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value
