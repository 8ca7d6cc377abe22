"""The sink against a real Redis: idempotent publishing, dead letters, bounded streams."""

from __future__ import annotations

import json
from pathlib import Path

import redis

from schemas import RawDocument, StreamEntry
from services.embedded import EmbeddedRedis
from services.keys import Keys
from services.settings import Settings
from services.sink import Sink
from services.sink.duplicates import DuplicateIndex
from workers.pipeline import process

DUMP = (
    " date 2024-05-02 Wheat harvest forecast raised after spring rains\n\n"
    "KOSTANAY. KAZINFORM – The regional agriculture department raised its wheat harvest forecast "
    "on Thursday after heavy spring rains improved soil moisture across the northern districts, "
    "officials told reporters. Farmers expect yields of about fourteen centners per hectare.\n"
)


def _sink(client: redis.Redis, settings: Settings, keys: Keys, maxlen: int = 1000) -> Sink:
    return Sink(client, keys, maxlen=maxlen, dedup_ttl=600, status_ttl=600)


def test_publishing_the_same_event_twice_adds_one_entry(
    settings: Settings, keys: Keys, r: redis.Redis
) -> None:
    event = process(RawDocument.create(DUMP.encode(), channel="cli")).events[0]
    sink = _sink(r, settings, keys)
    first = sink.publish([event])
    second = sink.publish([event, event])
    assert r.xlen(keys.events) == 1
    assert first[0].added
    assert not second[0].added
    assert not second[1].added
    assert second[0].entry_id == first[0].entry_id


def test_stream_entry_carries_cloudevents_attributes_and_the_event(
    settings: Settings, keys: Keys, r: redis.Redis
) -> None:
    event = process(RawDocument.create(DUMP.encode(), channel="cli")).events[0]
    _sink(r, settings, keys).publish([event])
    [(_, fields)] = r.xrange(keys.events)
    assert fields["specversion"] == "1.0"
    assert fields["type"] == "io.newswire.article.published.v1"
    assert fields["id"] == event.id
    assert fields["datacontenttype"] == "application/json"
    assert json.loads(fields["data"])["headline"] == "Wheat harvest forecast raised after spring rains"
    assert StreamEntry.model_validate(fields).event() == event


def test_routed_streams_get_the_event_with_the_main_stream(
    settings: Settings, keys: Keys, r: redis.Redis
) -> None:
    event = process(RawDocument.create(DUMP.encode(), channel="cli")).events[0]
    sink = _sink(r, settings, keys)
    sink.publish([event], extra_streams=[[keys.stream("lang:en")]])
    sink.publish([event], extra_streams=[[keys.stream("lang:en")]])
    assert r.xlen(keys.events) == 1
    assert r.xlen(keys.stream("lang:en")) == 1


def test_a_rejection_is_dead_lettered_once_with_reason_and_original(
    settings: Settings, keys: Keys, r: redis.Redis
) -> None:
    doc = RawDocument.create(b"Home | News | Contact", channel="cli")
    sink = _sink(r, settings, keys)
    for _ in range(3):
        sink.reject(doc, stage="validate", code="too_short", reason="body too short", index=0)
    [(_, fields)] = r.xrange(keys.rejected)
    assert fields["reason"] == "body too short"
    assert fields["stage"] == "validate"
    letter = json.loads(fields["data"])
    assert RawDocument.model_validate(letter["document"]).content == b"Home | News | Contact"


def test_stream_length_is_bounded_by_maxlen(settings: Settings, keys: Keys, r: redis.Redis) -> None:
    sink = _sink(r, settings, keys, maxlen=100)
    events = []
    for i in range(600):
        text = DUMP.replace("Wheat", f"Wheat {i}")
        events.append(process(RawDocument.create(text.encode(), channel="cli")).events[0])
    sink.publish(events)
    # MAXLEN ~ trims whole macro nodes, so the length stays near, not exactly at, the cap.
    assert 100 <= r.xlen(keys.events) < 300


def test_scripts_flushed_from_redis_are_loaded_again_and_each_call_runs_once(
    settings: Settings, keys: Keys, tmp_path: Path
) -> None:
    # A private server: SCRIPT FLUSH on the shared one would pull scripts from under other tests.
    server = EmbeddedRedis(tmp_path / "redis", appendonly=False).start()
    client = redis.Redis.from_url(server.url)
    try:
        events = [
            process(RawDocument.create(text.encode(), channel="cli")).events[0]
            for text in (DUMP, DUMP.replace("forecast raised", "forecast raised again"))
        ]
        sink = _sink(client, settings, keys)
        index = DuplicateIndex(client, keys, ttl=600, threshold=0.5, story_window=86400)
        sink.publish(events[:1])
        index.annotate(events[:1])
        client.script_flush()
        annotated = index.annotate(events)  # NOSCRIPT for both, loaded, sent again in order
        results = sink.publish(events)
        assert client.xlen(keys.events) == 2
        assert [r.added for r in results] == [False, True]
        assert annotated[1].duplicate_of == events[0].id
        assert index.annotate(events)[1].duplicate_of == events[0].id  # the answer is kept
    finally:
        client.close()
        server.stop()
