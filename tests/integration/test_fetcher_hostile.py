"""Hostile servers: a gzip bomb, a one-byte-per-second drip, entity-expansion and malformed feeds."""

from __future__ import annotations

import asyncio
import time
import tracemalloc
import zlib
from http.server import BaseHTTPRequestHandler

import pytest
import redis

from services.fetcher import Fetcher
from services.fetcher.client import Limits, SafeClient
from services.fetcher.errors import FetchFailed, FetchRejected
from services.fetcher.policy import AllowList, Policy
from services.fetcher.sources import FeedSource
from services.keys import Keys
from services.settings import Settings
from tests.integration.test_fetcher_support import FixtureServer, fetcher_settings

CAP = 1024 * 1024
INFLATED = 64 * CAP


def _gzip_of_zeros(size: int) -> bytes:
    compressor = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    block = bytes(CAP)
    return b"".join(compressor.compress(block) for _ in range(size // CAP)) + compressor.flush()


def _client(**limits: float) -> SafeClient:
    return SafeClient(Policy(AllowList.parse("127.0.0.1")), Limits(**limits))  # type: ignore[arg-type]


def test_gzip_bomb_is_cut_at_the_cap_with_bounded_memory() -> None:
    bomb = _gzip_of_zeros(INFLATED)
    assert len(bomb) < CAP // 8  # small on the wire, 64 MiB inflated

    with FixtureServer() as server:

        def serve_bomb(request: BaseHTTPRequestHandler, hit: int) -> None:
            request.send_body(200, bomb, "text/html", {"Content-Encoding": "gzip"})  # type: ignore[attr-defined]

        server.route("/bomb.html", serve_bomb)

        async def scenario() -> tuple[int, bool, int]:
            client = _client(max_bytes=CAP)
            try:
                tracemalloc.start()
                fetched = await client.get(server.url("/bomb.html"))
                _, peak = tracemalloc.get_traced_memory()
                tracemalloc.stop()
                return len(fetched.body), fetched.truncated, peak
            finally:
                await client.aclose()

        size, truncated, peak = asyncio.run(scenario())
    assert (size, truncated) == (CAP, True)
    assert peak < 4 * CAP, f"peak {peak} bytes while reading a {CAP} byte cap"


def test_gzip_bomb_page_is_refused_as_too_large_by_the_fetcher(settings: Settings) -> None:
    bomb = _gzip_of_zeros(8 * CAP)
    with FixtureServer() as server:
        server.route(
            "/bomb.html",
            lambda request, hit: request.send_body(200, bomb, "text/html", {"Content-Encoding": "gzip"}),  # type: ignore[attr-defined]
        )

        async def scenario() -> None:
            fetcher = Fetcher(fetcher_settings(settings, fetch_max_bytes=CAP))
            try:
                await fetcher.fetch(server.url("/bomb.html"), kind="page")
            finally:
                await fetcher.aclose()

        with pytest.raises(FetchRejected, match="larger than") as caught:
            asyncio.run(scenario())
        assert caught.value.code == "too_large"


def test_a_server_sending_one_byte_per_second_is_abandoned_at_the_deadline() -> None:
    with FixtureServer() as server:

        def drip(request: BaseHTTPRequestHandler, hit: int) -> None:
            request.send_response(200)
            request.send_header("Content-Type", "text/html")
            request.send_header("Content-Length", "100")
            request.end_headers()
            try:
                for _ in range(20):  # stops on its own well after the client gave up
                    request.wfile.write(b"x")
                    request.wfile.flush()
                    time.sleep(1)
            except OSError:
                pass

        server.route("/drip.html", drip)

        async def scenario() -> float:
            # A read timeout alone never fires: each byte arrives within it. The deadline does.
            client = _client(deadline=2.0)
            started = time.monotonic()
            try:
                with pytest.raises(FetchFailed, match="deadline") as caught:
                    await client.get(server.url("/drip.html"))
                assert caught.value.code == "timeout"
                return time.monotonic() - started
            finally:
                await client.aclose()

        elapsed = asyncio.run(scenario())
    assert 1.9 <= elapsed < 4.0


def test_entity_expansion_and_malformed_feeds_are_dead_lettered_with_a_reason_and_polling_goes_on(
    settings: Settings, keys: Keys, r: redis.Redis
) -> None:
    with FixtureServer() as server:

        async def scenario() -> list[int]:
            fetcher = Fetcher(fetcher_settings(settings))
            try:
                counts = []
                for name in ("entities.rss", "broken.rss", "wire.rss"):
                    counts.append(await fetcher.poll_feed(FeedSource(url=server.url(f"/{name}"))))  # type: ignore[arg-type]
                assert fetcher.metrics.value("feed", "failed", "feed_entities") == 1
                assert fetcher.metrics.value("feed", "failed", "bad_feed") == 1
                return counts
            finally:
                await fetcher.aclose()

        started = time.monotonic()
        counts = asyncio.run(scenario())
        elapsed = time.monotonic() - started
    assert counts == [0, 0, 3]  # the good feed after the bad ones is polled as usual
    assert elapsed < 10
    letters = {fields["code"]: fields for _, fields in r.xrange(keys.rejected)}
    assert set(letters) == {"feed_entities", "bad_feed"}
    assert "entities" in letters["feed_entities"]["reason"]
    assert "not well-formed" in letters["bad_feed"]["reason"]
    assert all(letter["stage"] == "fetch" for letter in letters.values())
    # wire.rss enqueued all three entries: the entities feed claimed none of them, its items unread.
    assert int(r.hget(keys.counters, "documents_in:fetcher") or 0) == 3


def test_a_redirect_to_a_malformed_url_is_refused_at_once_not_retried_as_a_broken_connection(
    settings: Settings,
) -> None:
    with FixtureServer() as server:
        server.route(
            "/broken-redirect.html",
            lambda request, hit: request.send_body(302, b"", "text/plain", {"Location": "http://[::1/admin"}),  # type: ignore[attr-defined]
        )

        async def scenario() -> None:
            fetcher = Fetcher(fetcher_settings(settings))
            try:
                await fetcher.fetch(server.url("/broken-redirect.html"), kind="page")
            finally:
                await fetcher.aclose()

        with pytest.raises(FetchRejected, match="malformed URL") as caught:
            asyncio.run(scenario())
        assert caught.value.code == "bad_redirect"
        # Permanent: the server's answer will not change by asking again (no 3 backoff retries).
        assert len(server.requests_for("/broken-redirect.html")) == 1
