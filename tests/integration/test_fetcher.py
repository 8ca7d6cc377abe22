"""The fetcher against a real HTTP server on 127.0.0.1, a real Redis and a real worker."""

from __future__ import annotations

import asyncio
import itertools
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from http.server import BaseHTTPRequestHandler

import pytest
import redis

from services.errors import BlockedURL
from services.fetcher import Fetcher
from services.fetcher.sources import FeedSource
from services.keys import Keys
from services.settings import Settings
from tests.integration.test_fetcher_support import (
    LAST_MODIFIED,
    FixtureServer,
    fake_resolver,
    fetcher_settings,
    fixture_file,
)
from tests.support import WorkerProcess, wait_for

SOLAR, BRIDGE, MOVED, TRAM = (
    f"/articles/{name}.html" for name in ("solar-farm", "ishim-bridge", "moved-away", "tram-line")
)


@asynccontextmanager
async def fetcher_for(settings: Settings) -> AsyncIterator[Fetcher]:
    """A Fetcher for the test, closed afterwards."""
    fetcher = Fetcher(settings)
    try:
        yield fetcher
    finally:
        await fetcher.aclose()


def _poll(settings: Settings, *urls: str) -> list[int]:
    async def scenario() -> list[int]:
        async with fetcher_for(settings) as fetcher:
            return list(await asyncio.gather(*(fetcher.poll_feed(FeedSource(url=url)) for url in urls)))  # type: ignore[arg-type]

    return asyncio.run(scenario())


def _documents_in(r: redis.Redis, keys: Keys) -> int:
    return int(r.hget(keys.counters, "documents_in:fetcher") or 0)


def _events(r: redis.Redis, keys: Keys) -> dict[str, dict[str, object]]:
    return {
        event["url"]: event for _, fields in r.xrange(keys.events) if (event := json.loads(fields["data"]))
    }


def test_feed_articles_become_events_with_the_page_text_or_the_entry_content_as_fallback(
    settings: Settings, keys: Keys, r: redis.Redis, worker: WorkerProcess
) -> None:
    with FixtureServer() as server:
        [enqueued] = _poll(fetcher_settings(settings), server.url("/wire.rss"))
        assert enqueued == 3
        wait_for(lambda: r.xlen(keys.events) == 3, what="three events")
        events = _events(r, keys)
        assert set(events) == {server.url(SOLAR), server.url(BRIDGE), server.url(MOVED)}
        assert "fifty megawatts" in str(events[server.url(SOLAR)]["body"])
        # The page of the third entry is a 404: the event comes from the entry's own content.
        assert len(server.requests_for(MOVED)) == 1
        assert "eleven public libraries" in str(events[server.url(MOVED)]["body"])
        [feed_request] = server.requests_for("/wire.rss")
        assert feed_request.headers["user-agent"].startswith("newswire-fetcher/")
        assert len(server.requests_for("/robots.txt")) == 1


def test_second_poll_sends_validators_gets_304_and_enqueues_nothing(
    settings: Settings, keys: Keys, r: redis.Redis
) -> None:
    with FixtureServer() as server:
        fsettings = fetcher_settings(settings)

        async def scenario() -> tuple[int, int, float]:
            async with fetcher_for(fsettings) as fetcher:
                source = FeedSource(url=server.url("/wire.rss"))  # type: ignore[arg-type]
                first, second = await fetcher.poll_feed(source), await fetcher.poll_feed(source)
                return first, second, fetcher.metrics.value("feed", "not_modified")

        first, second, not_modified = asyncio.run(scenario())
        assert (first, second, not_modified) == (3, 0, 1)
        assert _documents_in(r, keys) == 3
        initial, conditional = server.requests_for("/wire.rss")
        assert "if-none-match" not in initial.headers
        assert conditional.headers["if-none-match"].startswith('"')
        assert conditional.headers["if-modified-since"] == LAST_MODIFIED
        assert len(server.requests_for(SOLAR)) == 1


def test_page_listed_in_two_feeds_is_fetched_once(settings: Settings, keys: Keys, r: redis.Redis) -> None:
    with FixtureServer() as server:
        counts = _poll(fetcher_settings(settings), server.url("/wire.rss"), server.url("/city.atom"))
        assert sum(counts) == 4  # 3 + 2 entries, one article shared
        assert len(server.requests_for(BRIDGE)) == 1
        assert len(server.requests_for(TRAM)) == 1
        assert _documents_in(r, keys) == 4
        # A later poll with the feeds changed (validators gone) still skips seen entries.
        r.delete(keys.fetch_validators(server.url("/city.atom")))
        assert _poll(fetcher_settings(settings), server.url("/city.atom")) == [0]
        assert len(server.requests_for(TRAM)) == 1


def test_503_with_retry_after_is_retried_later_and_the_page_becomes_an_event(
    settings: Settings, keys: Keys, r: redis.Redis, worker: WorkerProcess
) -> None:
    with FixtureServer() as server:

        def busy_then_fine(request: BaseHTTPRequestHandler, hit: int) -> None:
            if hit == 1:
                request.send_body(503, b"busy", "text/plain", {"Retry-After": "1"})  # type: ignore[attr-defined]
            else:
                request.send_body(200, fixture_file("articles/flaky.html", server.base), "text/html")  # type: ignore[attr-defined]

        server.route("/articles/flaky.html", busy_then_fine)
        assert _poll(fetcher_settings(settings), server.url("/flaky.rss")) == [1]
        first, second = server.requests_for("/articles/flaky.html")
        assert second.at - first.at >= 0.95
        wait_for(lambda: r.xlen(keys.events) == 1, what="the event")
        [event] = _events(r, keys).values()
        # The entry has no content of its own: this body can only come from the retried page.
        assert "forty kilometres" in str(event["body"])


def test_robots_txt_disallow_is_honoured_unless_turned_off(settings: Settings) -> None:
    with FixtureServer() as server:
        url = server.url("/private/staff-notes.html")

        async def fetch(fsettings: Settings) -> int:
            async with fetcher_for(fsettings) as fetcher:
                return (await fetcher.fetch(url, kind="page")).status

        with pytest.raises(BlockedURL, match=r"robots\.txt"):
            asyncio.run(fetch(fetcher_settings(settings)))
        assert server.requests_for("/private/staff-notes.html") == []
        assert asyncio.run(fetch(fetcher_settings(settings, fetch_respect_robots=False))) == 200


def test_requests_to_one_host_are_spaced_by_the_minimum_interval(settings: Settings) -> None:
    with FixtureServer() as server:
        fsettings = fetcher_settings(settings, fetch_host_interval_seconds=0.3, fetch_host_concurrency=1)
        assert _poll(fsettings, server.url("/wire.rss")) == [3]
        times = sorted(seen.at for seen in server.state.requests)
        assert len(times) == 5  # robots.txt, the feed, three article pages
        assert min(b - a for a, b in itertools.pairwise(times)) >= 0.28


def test_a_redirect_to_another_host_obeys_that_hosts_robots_txt(settings: Settings) -> None:
    with FixtureServer() as origin, FixtureServer() as other:
        newsroom = f"http://newsroom.test:{other.port}"  # another host name, reached at 127.0.0.1
        for path, target in (("/go/private", "/private/staff-notes.html"), ("/go/article", SOLAR)):
            origin.route(
                path,
                lambda request, hit, target=target: request.send_body(  # type: ignore[attr-defined,misc]
                    302, b"", "text/plain", {"Location": newsroom + target}
                ),
            )
        # One fetch slot: a redirect hop must not hold it while the other host's robots.txt is fetched.
        fsettings = fetcher_settings(settings, fetch_concurrency=1)

        async def scenario() -> tuple[BaseException | None, int]:
            fetcher = Fetcher(fsettings, resolver=fake_resolver({"newsroom.test": ["127.0.0.1"]}))
            try:
                try:
                    await fetcher.fetch(origin.url("/go/private"), kind="page")
                    refused = None
                except BlockedURL as exc:
                    refused = exc
                fetched = await fetcher.fetch(origin.url("/go/article"), kind="page")
                return refused, fetched.status
            finally:
                await fetcher.aclose()

        refused, status = asyncio.run(asyncio.wait_for(scenario(), 20))
        # The origin allows /go/private; the redirect target's host disallows /private/.
        assert isinstance(refused, BlockedURL)
        assert refused.code == "robots"
        assert f"newsroom.test:{other.port}" in refused.reason
        assert other.requests_for("/private/staff-notes.html") == []
        assert status == 200
        assert len(other.requests_for(SOLAR)) == 1
        # Each host's robots.txt fetched once, cached for the second redirect.
        assert len(origin.requests_for("/robots.txt")) == 1
        [robots] = other.requests_for("/robots.txt")
        assert robots.headers["host"] == f"newsroom.test:{other.port}"


def test_each_redirect_hop_waits_its_hosts_turn_and_the_wait_is_not_counted_in_the_deadline(
    settings: Settings,
) -> None:
    with FixtureServer() as server:
        server.route(
            "/go/tram",
            lambda request, hit: request.send_body(302, b"", "text/plain", {"Location": TRAM}),  # type: ignore[attr-defined]
        )
        fsettings = fetcher_settings(
            settings, fetch_host_interval_seconds=0.6, fetch_host_concurrency=1, fetch_deadline_seconds=0.5
        )

        async def scenario() -> int:
            async with fetcher_for(fsettings) as fetcher:
                return (await fetcher.fetch(server.url("/go/tram"), kind="page")).status

        assert asyncio.run(scenario()) == 200
        times = [seen.at for seen in server.state.requests]
        assert [seen.path for seen in server.state.requests] == ["/robots.txt", "/go/tram", TRAM]
        # The redirect hop was paced like any request to the host, and the 1.2 s of waiting
        # did not use up the 0.5 s network deadline.
        assert min(b - a for a, b in itertools.pairwise(times)) >= 0.58
