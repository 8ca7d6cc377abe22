"""What is flowing right now, read from Redis: counters, stream lengths, consumer lag, queue depth."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

import redis

from services.keys import Keys
from services.settings import Settings

# Redis < 7 has no `lag` in XINFO GROUPS: we count the entries after the group's last delivered
# id instead, up to this many, so a status call stays cheap on a stream of millions.
LAG_COUNT_CAP = 10_000


@dataclass(frozen=True)
class GroupInfo:
    """One consumer group on a stream."""

    stream: str
    name: str
    consumers: int
    pending: int
    lag: int
    lag_capped: bool = False

    @property
    def lag_text(self) -> str:
        """The lag, with a '+' when it was counted only up to LAG_COUNT_CAP."""
        return f"{self.lag}{'+' if self.lag_capped else ''}"


@dataclass(frozen=True)
class Snapshot:
    """The deployment's picture at one moment."""

    documents_in: dict[str, int] = field(default_factory=dict)
    documents_processed: int = 0
    events_published: int = 0
    rejected: int = 0
    events_length: int = 0
    rejected_length: int = 0
    queue: str = ""
    queue_depth: int = 0
    unacked: int = 0
    groups: list[GroupInfo] = field(default_factory=list)

    @property
    def documents_in_total(self) -> int:
        """Documents received over every channel."""
        return sum(self.documents_in.values())

    @property
    def lag(self) -> int:
        """The largest lag of any consumer group on the event stream (0 without groups)."""
        return max((group.lag for group in self.groups), default=0)

    def as_dict(self) -> dict[str, Any]:
        """The snapshot as plain JSON-able data."""
        return {**asdict(self), "documents_in_total": self.documents_in_total, "lag": self.lag}


def collect(client: redis.Redis, settings: Settings) -> Snapshot:
    """Read the snapshot from Redis (a handful of commands, pipelined)."""
    keys = Keys.from_settings(settings)
    pipe = client.pipeline(transaction=False)
    pipe.hgetall(keys.counters)
    pipe.xlen(keys.events)
    pipe.xlen(keys.rejected)
    pipe.llen(keys.celery_queue(settings.queue))
    pipe.hlen(keys.celery_unacked)
    counters_raw, events_length, rejected_length, depth, unacked = pipe.execute()
    counters = {_text(name): int(value) for name, value in counters_raw.items()}
    return Snapshot(
        documents_in={
            name.split(":", 1)[1]: value
            for name, value in sorted(counters.items())
            if name.startswith("documents_in:")
        },
        documents_processed=counters.get("documents_processed", 0),
        events_published=counters.get("events_published", 0),
        rejected=counters.get("rejected", 0),
        events_length=int(events_length),
        rejected_length=int(rejected_length),
        queue=settings.queue,
        queue_depth=int(depth),
        unacked=int(unacked),
        groups=groups(client, keys.events) if events_length else [],
    )


def groups(client: redis.Redis, stream: str) -> list[GroupInfo]:
    """The consumer groups of a stream with their pending count and lag (entries not yet read)."""
    try:
        infos = client.xinfo_groups(stream)
    except redis.ResponseError:  # no such stream
        return []
    found = []
    for info in infos:
        info = {_text(k): v for k, v in info.items()}
        lag, capped = info.get("lag"), False
        if lag is None:
            # Redis 6 (the embedded one) or a lag Redis 7 cannot compute after trimming: count.
            after = (
                client.xrange(stream, min=f"({_text(info['last-delivered-id'])}", count=LAG_COUNT_CAP) or []
            )
            lag, capped = len(after), len(after) >= LAG_COUNT_CAP
        found.append(
            GroupInfo(
                stream=stream,
                name=_text(info["name"]),
                consumers=int(info["consumers"]),
                pending=int(info["pending"]),
                lag=int(lag),
                lag_capped=capped,
            )
        )
    return found


def status_line(snapshot: Snapshot) -> str:
    """One line: documents in, events out, rejected, stream length, consumer lag, queue depth."""
    lag = f"{snapshot.lag}{'+' if any(g.lag_capped for g in snapshot.groups) else ''}"
    return (
        f"in {snapshot.documents_in_total} | processed {snapshot.documents_processed} | "
        f"events out {snapshot.events_published} | rejected {snapshot.rejected} | "
        f"stream {snapshot.events_length} | lag {lag} | queue {snapshot.queue_depth}"
    )


def report(snapshot: Snapshot, settings: Settings) -> str:
    """The snapshot as aligned `label  value` lines, for `newswire status`."""
    keys = Keys.from_settings(settings)
    channels = ", ".join(f"{name} {count}" for name, count in snapshot.documents_in.items()) or "none yet"
    rows = [
        ("documents in", f"{snapshot.documents_in_total} ({channels})"),
        ("documents processed", str(snapshot.documents_processed)),
        ("events published", str(snapshot.events_published)),
        ("rejected", str(snapshot.rejected)),
        (f"stream {keys.events}", f"{snapshot.events_length} entries"),
        (f"stream {keys.rejected}", f"{snapshot.rejected_length} entries"),
        (f"queue {snapshot.queue}", f"{snapshot.queue_depth} waiting, {snapshot.unacked} in flight"),
    ]
    rows += [
        (
            f"group {group.name}",
            f"{group.consumers} consumers, {group.pending} pending, lag {group.lag_text}",
        )
        for group in snapshot.groups
    ] or [("consumer groups", "none")]
    width = max(len(label) for label, _ in rows)
    return "\n".join(f"{label.ljust(width)}  {value}" for label, value in rows)


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value
