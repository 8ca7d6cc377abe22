"""Near-duplicates and routing through the real CLI -> Celery worker -> duplicate index -> sink path."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import redis

from services.keys import Keys
from services.settings import Settings
from tests.support import WorkerProcess, env_for, wait_for

ORIGINAL = """ date 2024-05-14 Kazakhstan to build three new grain terminals on the Caspian coast

AKTAU. KAZINFORM – Kazakhstan will build three grain terminals on its Caspian coast by 2027 to raise exports to Iran, Azerbaijan and the Gulf states, Minister of Agriculture Aidarbek Saparov said on Tuesday.

The terminals near Aktau and Kuryk will handle up to 1.5 million tonnes of wheat and barley a year. Two of them will be built by private investors, and the third by the national company Food Contract Corporation.

"Our farmers harvested a record crop, and the ports must keep pace with them," Saparov said at a briefing in Aktau.

Grain shipments across the Caspian grew by 40 percent last year, according to the ministry. Rail tariffs for grain travelling to the coast will be cut by a fifth from July.
"""

# Another outlet's copy: new dateline, paragraphs reordered, one sentence rewritten.
REWRITE = """ date 2024-05-15 Kazakhstan plans three grain terminals on the Caspian

ASTANA, May 15 – "Our farmers harvested a record crop, and the ports must keep pace with them," Saparov said at a briefing in Aktau.

Kazakhstan will build three grain terminals on its Caspian coast by 2027 to raise exports to Iran, Azerbaijan and the Gulf states, Minister of Agriculture Aidarbek Saparov said on Tuesday.

Grain shipments across the Caspian grew by 40 percent last year, according to the ministry. Rail tariffs for grain travelling to the coast will be cut by a fifth from July.

The terminals near Aktau and Kuryk will handle as much as 1.5 million tonnes of grain annually. Two of them will be built by private investors, and the third by the national company Food Contract Corporation.
"""

# Same topic, same minister, different story.
UNRELATED = """ date 2024-05-16 Wheat sowing nears completion in northern regions

KOSTANAY. KAZINFORM – Farmers in Kostanay, Akmola and North Kazakhstan regions have sown 85 percent of the planned wheat area, Minister of Agriculture Aidarbek Saparov said on Thursday.

Warm weather in early May let farmers start a week earlier than usual. The ministry expects the sowing campaign to end by May 25, and has asked banks to speed up loans for fuel and seeds.

"Diesel prices for farmers are fixed until the end of the campaign," Saparov told reporters in Kostanay.
"""


def _cli(settings: Settings, *args: str) -> None:
    env = env_for(settings, NEWSWIRE_ROUTES=json.dumps({"originals": "duplicate=false", "kz": "country=KZ"}))
    subprocess.run(
        [sys.executable, "-m", "services.cli", *args], env=env, check=True, capture_output=True, timeout=60
    )


def test_a_rewritten_copy_is_flagged_duplicate_of_the_original_and_a_same_topic_story_is_not(
    settings: Settings, keys: Keys, r: redis.Redis, tmp_path: Path
) -> None:
    routes = json.dumps({"originals": "duplicate=false", "kz": "country=KZ"})
    worker = WorkerProcess(settings, tmp_path / "worker.log", NEWSWIRE_ROUTES=routes).start()
    try:
        for name, text in (("original", ORIGINAL), ("rewrite", REWRITE), ("unrelated", UNRELATED)):
            path = tmp_path / f"{name}.txt"
            path.write_text(text, encoding="utf-8")
            _cli(settings, "ingest", str(path))
            wait_for(
                lambda n=name: r.xlen(keys.events) == ["original", "rewrite", "unrelated"].index(n) + 1,
                what=f"{name} published",
            )
        events = {json.loads(f["data"])["headline"]: json.loads(f["data"]) for _, f in r.xrange(keys.events)}
        original = events["Kazakhstan to build three new grain terminals on the Caspian coast"]
        rewrite = events["Kazakhstan plans three grain terminals on the Caspian"]
        unrelated = events["Wheat sowing nears completion in northern regions"]

        assert original["duplicate_of"] is None
        assert rewrite["duplicate_of"] == original["id"]
        assert rewrite["story_id"] == original["story_id"]
        assert unrelated["duplicate_of"] is None

        # Duplicates are flagged, not dropped: the main stream has all three, 'originals' two.
        originals = [json.loads(f["data"])["id"] for _, f in r.xrange(keys.stream("originals"))]
        assert sorted(originals) == sorted([original["id"], unrelated["id"]])
        assert r.xlen(keys.stream("kz")) == 3

        # The same copy again (a redelivery or a re-ingest) keeps its annotation and adds nothing.
        _cli(settings, "ingest", str(tmp_path / "rewrite.txt"))
        wait_for(
            lambda: int(r.hget(keys.counters, "documents_processed") or 0) >= 4, what="re-ingest processed"
        )
        assert r.xlen(keys.events) == 3
        assert r.get(keys.duplicate_annotation(rewrite["id"])) == f"{original['id']}|{original['story_id']}"
    finally:
        worker.stop()


def test_an_exact_copy_under_another_url_is_a_duplicate_by_content_hash(
    settings: Settings, keys: Keys, r: redis.Redis
) -> None:
    from schemas import RawDocument
    from services.sink.duplicates import annotate_and_route
    from workers.pipeline import process

    first = process(RawDocument.create(ORIGINAL.encode(), channel="cli", url="https://a.example/1")).events[0]
    second = process(RawDocument.create(ORIGINAL.encode(), channel="cli", url="https://b.example/2")).events[
        0
    ]
    client = redis.Redis.from_url(str(settings.redis_url))
    try:
        annotated, routes = annotate_and_route(client, keys, settings, [first, second])
    finally:
        client.close()
    assert first.id != second.id
    assert annotated[0].duplicate_of is None
    assert annotated[1].duplicate_of == first.id
    assert routes == [[], []]  # no routing rules configured


def test_a_near_copy_is_matched_until_the_original_is_older_than_the_ttl_and_shared_bands_are_trimmed(
    settings: Settings, keys: Keys, r: redis.Redis
) -> None:
    """The index reads only band members newer than now - ttl (an original exactly ttl old is gone)."""
    from schemas import NewsEvent, RawDocument
    from services.sink.duplicates import DuplicateIndex
    from workers.enrich.basics import content_hash
    from workers.enrich.duplicates import signature
    from workers.pipeline import process

    def extended(event: NewsEvent, line: str, n: int) -> NewsEvent:
        """The event with a line added: a near copy of it, not an exact one."""
        body = f"{event.body}\n{line}"
        return event.model_copy(
            update={"id": f"nw_{n:032d}", "body": body, "content_hash": content_hash(body)}
        )

    original = process(RawDocument.create(ORIGINAL.encode(), channel="cli")).events[0]
    rewrite = process(RawDocument.create(REWRITE.encode(), channel="cli")).events[0]
    late = extended(rewrite, "The ministry will publish the tender in June.", 1)
    later = extended(late, "Bids close in August.", 2)
    client = redis.Redis.from_url(str(settings.redis_url))
    try:
        index = DuplicateIndex(client, keys, ttl=100, threshold=0.5, story_window=100)
        t0 = 1_700_000_000.0
        [first] = index.annotate([original], now=t0)
        [near] = index.annotate([rewrite], now=t0 + 99.999)  # still inside the TTL
        [expired] = index.annotate([late], now=t0 + 199.999)  # the rewrite is exactly 100 s old
        [again] = index.annotate([later], now=t0 + 200.5)
    finally:
        client.close()
    assert first.duplicate_of is None
    assert near.duplicate_of == original.id
    assert expired.duplicate_of is None
    assert again.duplicate_of == late.id
    # The bands `later` read `late` from were trimmed of the expired original and rewrite.
    sig = signature(later.body)
    assert sig is not None
    bands = [set(r.zrange(keys.duplicate_band(band), 0, -1)) for band in sig.bands]
    shared = [m for m in bands if late.id in m]
    assert shared
    assert all(m.isdisjoint({original.id, rewrite.id}) for m in shared)
