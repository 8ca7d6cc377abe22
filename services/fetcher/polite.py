"""Being a good citizen: per-host concurrency and pacing, robots.txt, and backoff."""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from urllib.parse import urlsplit
from urllib.robotparser import RobotFileParser

from services.errors import BlockedURL
from services.fetcher.client import Fetched
from services.fetcher.errors import FetchFailed, FetchRejected


@dataclass
class _Host:
    semaphore: asyncio.Semaphore
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    next_at: float = 0.0
    held_until: float = 0.0
    delay: float = 0.0


class HostGate:
    """At most `concurrency` requests in flight per host, started at least `interval` s apart."""

    def __init__(self, concurrency: int, interval: float) -> None:
        self._concurrency = concurrency
        self._interval = interval
        self._hosts: dict[str, _Host] = {}

    def _host(self, host: str) -> _Host:
        if host not in self._hosts:
            self._hosts[host] = _Host(asyncio.Semaphore(self._concurrency))
        return self._hosts[host]

    @asynccontextmanager
    async def slot(self, host: str) -> AsyncIterator[None]:
        """Hold one of the host's request slots, waiting for its pacing and any hold-off."""
        state = self._host(host)
        async with state.semaphore:
            async with state.lock:
                wait = max(state.next_at, state.held_until) - time.monotonic()
                if wait > 0:
                    await asyncio.sleep(wait)
                state.next_at = time.monotonic() + max(self._interval, state.delay)
            yield

    def hold_off(self, host: str, seconds: float) -> None:
        """Send nothing to `host` for `seconds` (a Retry-After, or backoff after errors)."""
        state = self._host(host)
        state.held_until = max(state.held_until, time.monotonic() + seconds)

    def set_crawl_delay(self, host: str, seconds: float) -> None:
        """A robots.txt Crawl-delay: space this host's requests at least this far apart."""
        self._host(host).delay = seconds


def backoff(attempt: int, *, base: float, cap: float) -> float:
    """Exponential backoff with full jitter: a random wait in [base/2, base * 2**attempt], capped."""
    return min(cap, random.uniform(base / 2, base * 2**attempt))


RobotsFetch = Callable[[str], Awaitable[Fetched]]


class Robots:
    """robots.txt per origin, fetched with the same safe client and cached for `ttl` seconds."""

    def __init__(self, fetch: RobotsFetch, *, user_agent: str, ttl: float, enabled: bool = True) -> None:
        self._fetch = fetch
        self._agent = user_agent.split("/", 1)[0]
        self._ttl = ttl
        self.enabled = enabled
        self._cache: dict[str, tuple[float, RobotFileParser]] = {}
        self._locks: dict[str, asyncio.Lock] = {}

    async def check(self, url: str) -> float | None:
        """Raise BlockedURL if robots.txt disallows `url`; return its Crawl-delay, if any."""
        if not self.enabled:
            return None
        parser = await self._parser(url)
        if not parser.can_fetch(self._agent, url):
            raise BlockedURL(f"robots.txt of {urlsplit(url).netloc} disallows {url}", url=url, code="robots")
        delay = parser.crawl_delay(self._agent)
        return float(delay) if delay is not None else None

    async def _parser(self, url: str) -> RobotFileParser:
        parts = urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc}"
        lock = self._locks.setdefault(origin, asyncio.Lock())
        async with lock:  # one robots.txt fetch per origin, however many URLs wait for it
            cached = self._cache.get(origin)
            if cached and cached[0] > time.monotonic():
                return cached[1]
            parser, ttl = await self._load(origin)
            self._cache[origin] = (time.monotonic() + ttl, parser)
            return parser

    async def _load(self, origin: str) -> tuple[RobotFileParser, float]:
        parser = RobotFileParser()
        try:
            fetched = await self._fetch(f"{origin}/robots.txt")
        except (FetchFailed, FetchRejected, BlockedURL):
            # RFC 9309: an unreachable robots.txt means assume complete disallow, for a while.
            parser.parse(["User-agent: *", "Disallow: /"])
            return parser, min(self._ttl, 300.0)
        if fetched.status >= 500 or fetched.status == 429:
            parser.parse(["User-agent: *", "Disallow: /"])
            return parser, min(self._ttl, 300.0)
        if fetched.status >= 400 or fetched.status == 304:
            parser.parse([])  # 4xx: no robots.txt, everything allowed
            return parser, self._ttl
        parser.parse(fetched.body.decode("utf-8", errors="replace").splitlines())
        return parser, self._ttl
