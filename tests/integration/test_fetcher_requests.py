"""Fetch requests on their stream: served once however slow, capped when they crash, traceable by id."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import httpx
import redis
from pydantic import RedisDsn, SecretStr

from services.consumer import StreamConsumer
from services.embedded import EmbeddedRedis, free_port
from services.fetcher import Fetcher
from services.fetcher.policy import Resolver
from services.keys import Keys
from services.settings import Settings
from tests.integration.test_fetcher_support import FixtureServer, fetcher_settings, fixture_file
from tests.support import ApiServer, WorkerProcess, wait_for

TOKEN = "fetch-requests-test-token"


async def _consume(fetchers: list[Fetcher], done: Callable[[], object], *, linger: float = 0.0) -> None:
    """Run each fetcher as one consumer of the group until `done()`, then `linger` s more, then stop."""

    async def scenario() -> None:
        stop = asyncio.Event()
        try:
            tasks = [
                asyncio.create_task(fetcher.consume_requests(stop, name=f"fetcher-{i}", block_ms=100))
                for i, fetcher in enumerate(fetchers)
            ]
            await asyncio.to_thread(wait_for, done, what="the requests served and acknowledged")
            # Several claim-idle periods more: a wrongful reclaim would happen in this window.
            await asyncio.sleep(linger)
            stop.set()
            await asyncio.gather(*tasks)
        finally:
            for fetcher in fetchers:
                await fetcher.aclose()

    await asyncio.wait_for(scenario(), 30)


def _pending(r: redis.Redis, keys: Keys, settings: Settings) -> int:
    return int(r.xpending(keys.fetch_requests, settings.fetch_group)["pending"])


def test_a_fetch_slower_than_the_claim_idle_time_is_served_once_by_two_competing_fetchers(
    settings: Settings, keys: Keys, r: redis.Redis
) -> None:
    with FixtureServer() as server:

        def slow(request: BaseHTTPRequestHandler, hit: int) -> None:
            time.sleep(1.5)  # three times the claim idle time below
            request.send_body(200, fixture_file("articles/flaky.html", server.base), "text/html")  # type: ignore[attr-defined]

        server.route("/slow.html", slow)
        fsettings = fetcher_settings(settings, fetch_claim_idle_seconds=0.5)
        r.xadd(keys.fetch_requests, {"url": server.url("/slow.html"), "request_id": "fr_slow"})
        asyncio.run(
            _consume(
                [Fetcher(fsettings), Fetcher(fsettings)],
                lambda: (
                    r.hget(keys.status("fr_slow"), "state") == "fetched" and not _pending(r, keys, fsettings)
                ),
                linger=1.5,
            )
        )
        # Before leases were renewed, each claim-idle period handed the entry out again: 3 fetches.
        assert len(server.requests_for("/slow.html")) == 1
        assert int(r.hget(keys.counters, "documents_in:fetcher") or 0) == 1


def _crashing_resolver(calls: list[str]) -> Resolver:
    """A resolver with a bug for one name: stands in for any unforeseen exception on the fetch path."""

    async def resolve(host: str, port: int) -> list[str]:
        calls.append(host)
        if host == "crash.test":
            raise RuntimeError("resolver bug: cannot handle crash.test")
        return ["127.0.0.1"]

    return resolve


def test_a_request_that_keeps_crashing_the_fetcher_is_dead_lettered_after_the_delivery_limit(
    settings: Settings, keys: Keys, r: redis.Redis
) -> None:
    with FixtureServer() as server:
        calls: list[str] = []
        fsettings = fetcher_settings(
            settings, fetch_claim_idle_seconds=0.3, fetch_request_max_deliveries=3, fetch_respect_robots=False
        )
        r.xadd(keys.fetch_requests, {"url": "http://crash.test/breaking.html", "request_id": "fr_crash"})
        r.xadd(keys.fetch_requests, {"url": server.url("/articles/solar-farm.html"), "request_id": "fr_fine"})
        fetcher = Fetcher(fsettings, resolver=_crashing_resolver(calls))
        asyncio.run(
            _consume(
                [fetcher],
                lambda: (
                    r.hget(keys.status("fr_crash"), "state") == "rejected"
                    and not _pending(r, keys, fsettings)
                ),
                linger=0.9,
            )
        )
        # Tried exactly the limit of times (each retry after the claim idle time), then given up.
        assert calls.count("crash.test") == 3
        status = r.hgetall(keys.status("fr_crash"))
        assert status["code"] == "crashed"
        assert "3 deliveries" in status["reasons"]
        assert "resolver bug" in status["reasons"]
        [(_, letter)] = r.xrange(keys.rejected)
        assert (letter["stage"], letter["code"]) == ("fetch", "crashed")
        assert "RuntimeError" in letter["reason"]
        assert fetcher.metrics.value("request", "failed", "crashed") == 1
        # The healthy request beside it was served normally, once.
        assert r.hget(keys.status("fr_fine"), "state") == "fetched"
        assert len(server.requests_for("/articles/solar-farm.html")) == 1


def test_a_request_every_fetcher_died_on_is_given_up_past_the_limit_without_fetching_it_again(
    settings: Settings, keys: Keys, r: redis.Redis
) -> None:
    with FixtureServer() as server:
        fsettings = fetcher_settings(settings, fetch_claim_idle_seconds=0.2, fetch_request_max_deliveries=2)
        r.xadd(
            keys.fetch_requests, {"url": server.url("/articles/tram-line.html"), "request_id": "fr_poison"}
        )
        # Two fetchers took it in turn and died on it (a crash that kills the process, e.g. OOM).
        client = redis.Redis.from_url(str(settings.redis_url))
        try:
            first = StreamConsumer(client, keys.fetch_requests, group=fsettings.fetch_group, name="died-1",
                                   from_start=True, claim_idle_ms=200)  # fmt: skip
            assert len(first.read(block_ms=100)) == 1
            time.sleep(0.25)
            second = StreamConsumer(client, keys.fetch_requests, group=fsettings.fetch_group, name="died-2",
                                    claim_idle_ms=200)  # fmt: skip
            assert len(second.claim_stale()) == 1
            time.sleep(0.25)
        finally:
            client.close()
        fetcher = Fetcher(fsettings)
        asyncio.run(
            _consume(
                [fetcher],
                lambda: (
                    r.hget(keys.status("fr_poison"), "state") == "rejected"
                    and not _pending(r, keys, fsettings)
                ),
            )
        )
    assert server.requests_for("/articles/tram-line.html") == []
    assert "delivered 3 times" in r.hget(keys.status("fr_poison"), "reasons")
    [(_, letter)] = r.xrange(keys.rejected)
    assert (letter["stage"], letter["code"]) == ("fetch", "crashed")


def test_a_request_with_a_malformed_url_is_rejected_on_its_first_delivery(
    settings: Settings, keys: Keys, r: redis.Redis
) -> None:
    # urlsplit raises ValueError on a broken IPv6 literal: this used to crash the fetch path.
    fsettings = fetcher_settings(settings, fetch_claim_idle_seconds=0.3)
    r.xadd(keys.fetch_requests, {"url": "http://[::1/admin", "request_id": "fr_bad"})
    asyncio.run(
        _consume(
            [Fetcher(fsettings)], lambda: r.exists(keys.status("fr_bad")) and not _pending(r, keys, fsettings)
        )
    )
    status = r.hgetall(keys.status("fr_bad"))
    assert (status["state"], status["code"]) == ("rejected", "invalid_url")
    assert "Invalid IPv6 URL" in status["reasons"]
    [(_, letter)] = r.xrange(keys.rejected)
    assert letter["code"] == "invalid_url"


def test_a_url_posted_to_the_api_is_traceable_from_its_request_id_to_the_published_document(
    settings: Settings, keys: Keys, r: redis.Redis, worker: WorkerProcess
) -> None:
    api_settings = settings.model_copy(update={"api_tokens": SecretStr(TOKEN)})
    api = ApiServer(api_settings).start()
    try:
        with FixtureServer() as pages, httpx.Client(base_url=api.url, timeout=10) as http:
            url = pages.url("/articles/ishim-bridge.html")
            posted = http.post(
                "/v1/fetch", json={"urls": [url]}, headers={"Authorization": f"Bearer {TOKEN}"}
            )
            assert posted.status_code == 202, posted.text
            [accepted] = posted.json()["requests"]
            request_id = accepted["request_id"]
            auth = {"Authorization": f"Bearer {TOKEN}"}
            assert accepted["status_url"] == f"/v1/fetch/{request_id}"
            queued = http.get(accepted["status_url"], headers=auth)
            assert (queued.status_code, queued.json()["state"]) == (200, "queued"), queued.text
            asyncio.run(
                _consume(
                    [Fetcher(fetcher_settings(settings))],
                    lambda: r.hget(keys.status(request_id), "state") == "fetched",
                )
            )
            status = r.hgetall(keys.status(request_id))
            assert status["url"] == url
            doc_id = status["doc_ids"]
            fetched = http.get(accepted["status_url"], headers=auth).json()
            assert (fetched["state"], fetched["document_id"]) == ("fetched", doc_id)
            assert fetched["document_url"] == f"/v1/documents/{doc_id}"
            assert http.get(f"/v1/fetch/fr_{'0' * 32}", headers=auth).status_code == 404
            # The document id the fetcher recorded is the one the API reports on.
            document = wait_for(
                lambda: (
                    answer
                    if (
                        answer := http.get(
                            f"/v1/documents/{doc_id}", headers={"Authorization": f"Bearer {TOKEN}"}
                        )
                    )
                    .json()
                    .get("state")
                    == "published"
                    else None
                ),
                what="the fetched document published",
            )
            [event_id] = document.json()["event_ids"]
            [(_, entry)] = r.xrange(keys.events)
            assert entry["id"] == event_id
            # One document went through the pipeline: the request's own status is not counted as one.
            assert r.hget(keys.counters, "documents_processed") == "1"
    finally:
        api.stop()


def test_a_fetcher_started_while_redis_is_down_serves_requests_once_redis_is_up(
    settings: Settings, tmp_path: Path
) -> None:
    port = free_port()
    down = settings.model_copy(update={"redis_url": RedisDsn(f"redis://127.0.0.1:{port}/0")})
    keys = Keys.from_settings(down)
    with FixtureServer() as server:
        fetcher = Fetcher(fetcher_settings(down))

        async def scenario() -> None:
            stop = asyncio.Event()
            consumer = asyncio.create_task(fetcher.consume_requests(stop, name="early", block_ms=100))
            await asyncio.sleep(1.5)  # the consumer is waiting for Redis, not dead
            assert not consumer.done()
            with EmbeddedRedis(tmp_path / "redis", port=port, appendonly=False) as redis_server:
                client = redis.Redis.from_url(redis_server.url, decode_responses=True)
                try:
                    client.xadd(
                        keys.fetch_requests,
                        {"url": server.url("/articles/flaky.html"), "request_id": "fr_up"},
                    )
                    await asyncio.to_thread(
                        wait_for, lambda: client.hget(keys.status("fr_up"), "state") == "fetched", timeout=20
                    )
                finally:
                    stop.set()
                    await asyncio.wait_for(consumer, 10)
                    await fetcher.aclose()
                    client.close()

        asyncio.run(scenario())
    assert server.requests_for("/articles/flaky.html")
