"""The SSRF matrix: every refused form, fetched for real, and a canary on 127.0.0.1 that nothing reaches."""

from __future__ import annotations

import asyncio
import socket
from http.server import BaseHTTPRequestHandler

import pytest
import redis

from services.errors import BlockedURL
from services.fetcher import Fetcher
from services.fetcher.errors import FetchRejected
from services.keys import Keys
from services.settings import Settings
from tests.integration.test_fetcher_support import Canary, FixtureServer, fake_resolver

# Names the fake DNS answers; nothing in these tests asks a real resolver.
DNS = {
    "localhost": ["127.0.0.1"],
    "news-portal.example": ["127.0.0.1"],  # a public-looking name resolving to loopback
    "mixed.example": ["93.184.216.34", "127.0.0.1"],  # one public and one private answer
    "nat64.example": ["64:ff9b::7f00:1"],
    "metadata.google.internal": ["169.254.169.254"],
    "intranet.example": ["10.1.2.3"],
    "mapped.example": ["::ffff:127.0.0.1"],
    "allowed.test": ["127.0.0.1"],  # the one allow-listed host, serving redirects
}

DIRECT = [
    "http://127.0.0.1:{c}/",
    "http://127.0.0.2:{c}/",
    "http://127.1:{c}/",
    "http://0177.0.0.1:{c}/",
    "http://0x7f.0.0.1:{c}/",
    "http://0x7f.1:{c}/",
    "http://0x7f000001:{c}/",
    "http://2130706433:{c}/",
    "http://017700000001:{c}/",
    "http://127.0.0.1.:{c}/",
    "http://0:{c}/",
    "http://0.0.0.0:{c}/",
    "http://[::1]:{c}/",
    "http://[::]:{c}/",
    "http://[::ffff:127.0.0.1]:{c}/",
    "http://[::ffff:7f00:1]:{c}/",
    "http://[0:0:0:0:0:ffff:127.0.0.1]:{c}/",
    "http://[::127.0.0.1]:{c}/",
    "http://[64:ff9b::127.0.0.1]:{c}/",
    "http://[64:ff9b::a00:1]:{c}/",
    "http://[2002:7f00:1::1]:{c}/",
    "http://[2002:c0a8:101::1]:{c}/",
    "http://[2001:0:4136:e378:8000:63bf:80ff:fffe]:{c}/",  # Teredo carrying 127.0.0.1
    "http://[fe80::1]:{c}/",
    "http://[fc00::1]:{c}/",
    "http://[fd12:3456:789a::1]:{c}/",
    "http://10.0.0.1:{c}/",
    "http://172.16.0.1:{c}/",
    "http://192.168.1.1:{c}/",
    "http://169.254.169.254/latest/meta-data/",
    "http://[::ffff:169.254.169.254]/latest/meta-data/",
    "http://100.64.0.1:{c}/",
    "http://100.127.255.254:{c}/",
    "http://198.18.0.1:{c}/",
    "http://224.0.0.1:{c}/",
    "http://255.255.255.255:{c}/",
    "http://localhost:{c}/",
    "http://LOCALHOST.:{c}/",
    "http://news-portal.example:{c}/",
    "http://mixed.example:{c}/",
    "http://nat64.example:{c}/",
    "http://mapped.example:{c}/",
    "http://metadata.google.internal/computeMetadata/v1/",
    "http://intranet.example:{c}/",
    "https://127.0.0.1:{c}/",
    "http://user:secret@127.0.0.1:{c}/",
    "ftp://127.0.0.1:{c}/",
    "gopher://127.0.0.1:{c}/_GET",
    "file:///etc/passwd",
    "dict://127.0.0.1:{c}/",
    "//127.0.0.1:{c}/",
]
REDIRECTS = [
    "http://127.0.0.1:{c}/",
    "http://localhost:{c}/",
    "http://[::ffff:127.0.0.1]:{c}/",
    "http://0x7f000001:{c}/",
    "http://169.254.169.254/latest/meta-data/",
    "file:///etc/passwd",
]


def test_every_refused_form_is_blocked_with_a_reason_and_nothing_reaches_the_canary(
    settings: Settings, keys: Keys, r: redis.Redis
) -> None:
    with Canary() as canary, FixtureServer() as allowed:

        def redirect(request: BaseHTTPRequestHandler, hit: int) -> None:
            target = REDIRECTS[int(request.path.rsplit("/", 1)[1])].format(c=canary.port)
            request.send_body(302, b"", "text/plain", {"Location": target})  # type: ignore[attr-defined]

        for index in range(len(REDIRECTS)):
            allowed.route(f"/redirect/{index}", redirect)
        targets = [t.format(c=canary.port) for t in DIRECT]
        targets += [f"http://allowed.test:{allowed.port}/redirect/{i}" for i in range(len(REDIRECTS))]
        assert len(targets) >= 40
        fsettings = settings.model_copy(
            update={"fetch_allow": "allowed.test", "fetch_host_interval_seconds": 0.0}
        )

        async def scenario() -> list[BaseException | None]:
            fetcher = Fetcher(fsettings, resolver=fake_resolver(DNS))
            try:
                outcomes: list[BaseException | None] = []
                for target in targets:
                    try:
                        await fetcher.fetch(target, kind="request")
                        outcomes.append(None)
                    except Exception as exc:
                        outcomes.append(exc)
                # One blocked request also goes where a person sees it: the dead-letter stream.
                state = await fetcher.handle_request({"url": targets[0], "request_id": "fr_ssrf"})
                assert state == "rejected"
                assert fetcher.metrics.value("request", "blocked", "address") >= len(DIRECT) - 10
                return outcomes
            finally:
                await fetcher.aclose()

        outcomes = asyncio.run(scenario())
        not_blocked = [
            (t, o) for t, o in zip(targets, outcomes, strict=True) if not isinstance(o, BlockedURL)
        ]
        assert not_blocked == []
        assert all(o is not None and o.reason for o in outcomes)
        assert canary.connections == 0
        # Each redirect did reach the allowed host (so the refusal happened on the redirect hop).
        assert all(len(allowed.requests_for(f"/redirect/{i}")) == 1 for i in range(len(REDIRECTS)))
        [(_, letter)] = r.xrange(keys.rejected)
        assert letter["stage"] == "fetch"
        assert "loopback" in letter["reason"]
        assert r.hget(keys.status("fr_ssrf"), "state") == "rejected"

        # The canary does count connections: the zero above is not for lack of listening.
        with socket.create_connection(("127.0.0.1", canary.port), timeout=2):
            pass
        _wait(lambda: canary.connections == 1)


def test_an_allow_listed_network_is_fetched_and_the_default_refuses_it(settings: Settings) -> None:
    with FixtureServer() as server:

        async def status(allow: str) -> int:
            fetcher = Fetcher(
                settings.model_copy(update={"fetch_allow": allow, "fetch_host_interval_seconds": 0.0})
            )
            try:
                return (await fetcher.fetch(server.url("/robots.txt"), kind="page")).status
            finally:
                await fetcher.aclose()

        assert asyncio.run(status("127.0.0.0/8")) == 200
        with pytest.raises(BlockedURL, match="loopback"):
            asyncio.run(status(""))


def _wait(check: object, timeout: float = 5.0) -> None:
    import time

    deadline = time.monotonic() + timeout
    while not check():  # type: ignore[operator]
        assert time.monotonic() < deadline, "canary never saw the control connection"
        time.sleep(0.02)


def test_the_connection_goes_to_the_checked_address_with_the_name_in_the_host_header(
    settings: Settings,
) -> None:
    # `checked.test` exists only in the fake DNS: had httpx resolved the name itself, it could not
    # have connected; the request arriving proves the fetcher dialled the address it checked.
    with FixtureServer() as server:

        async def scenario() -> int:
            fsettings = settings.model_copy(
                update={"fetch_allow": "127.0.0.0/8", "fetch_respect_robots": False}
            )
            fetcher = Fetcher(fsettings, resolver=fake_resolver({"checked.test": ["127.0.0.1"]}))
            try:
                return (
                    await fetcher.fetch(f"http://checked.test:{server.port}/robots.txt", kind="page")
                ).status
            finally:
                await fetcher.aclose()

        assert asyncio.run(scenario()) == 200
        [seen] = server.requests_for("/robots.txt")
        assert seen.headers["host"] == f"checked.test:{server.port}"


def test_more_than_five_redirects_are_refused(settings: Settings) -> None:
    with FixtureServer() as server:
        for hop in range(7):
            server.route(
                f"/hop/{hop}",
                lambda request, hit, hop=hop: request.send_body(  # type: ignore[attr-defined]
                    301, b"", "text/plain", {"Location": f"/hop/{hop + 1}"}
                ),
            )

        async def scenario() -> None:
            fsettings = settings.model_copy(
                update={"fetch_allow": "127.0.0.1", "fetch_respect_robots": False}
            )
            fetcher = Fetcher(fsettings)
            try:
                await fetcher.fetch(server.url("/hop/0"), kind="page")
            finally:
                await fetcher.aclose()

        with pytest.raises(FetchRejected, match="more than 5 redirects") as caught:
            asyncio.run(scenario())
        assert caught.value.code == "too_many_redirects"
        assert [len(server.requests_for(f"/hop/{hop}")) for hop in range(7)] == [1, 1, 1, 1, 1, 1, 0]
