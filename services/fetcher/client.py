"""An httpx client that fetches only what the SSRF policy allows, within a byte cap and a deadline."""

from __future__ import annotations

import asyncio
import contextlib
import time
import zlib
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from urllib.parse import urljoin

import httpx

from services.errors import BlockedURL
from services.fetcher.errors import FetchFailed, FetchRejected
from services.fetcher.policy import Policy, Target

_REDIRECTS = {301, 302, 303, 307, 308}
_RAW_CHUNK = 16 * 1024

# Entered around each request of a fetch (the first and every redirect), with that request's URL,
# once the URL passed the policy: where the caller consults robots.txt and waits for the host's turn.
Hop = Callable[[str], AbstractAsyncContextManager[None]]


def _no_hop(url: str) -> AbstractAsyncContextManager[None]:
    return contextlib.nullcontext()


@dataclass(frozen=True)
class Limits:
    """How much one fetch may cost."""

    max_bytes: int = 10 * 1024 * 1024
    deadline: float = 30.0
    connect_timeout: float = 10.0
    max_redirects: int = 5
    user_agent: str = "newswire-fetcher/0.1"


@dataclass(frozen=True)
class Fetched:
    """A response: final URL, status, headers, and the body (decompressed, at most the cap)."""

    url: str
    status: int
    headers: httpx.Headers
    body: bytes
    truncated: bool = False

    @property
    def content_type(self) -> str | None:
        """The media type without parameters, lower-case."""
        value: str = self.headers.get("content-type", "")
        return value.split(";", 1)[0].strip().lower() or None

    @property
    def charset(self) -> str | None:
        """The charset parameter of Content-Type, if any."""
        for param in self.headers.get("content-type", "").split(";")[1:]:
            name, _, value = param.partition("=")
            if name.strip().lower() == "charset" and value.strip():
                return str(value.strip().strip('"').lower())
        return None


class SafeClient:
    """GETs URLs through the policy: every hop checked, connected to the checked address."""

    def __init__(self, policy: Policy, limits: Limits, *, max_connections: int = 32) -> None:
        self.policy = policy
        self.limits = limits
        self._client = httpx.AsyncClient(
            # trust_env=False: an HTTP(S)_PROXY in the environment would dial the host by name,
            # bypassing the address check.
            trust_env=False,
            follow_redirects=False,
            timeout=httpx.Timeout(limits.deadline, connect=limits.connect_timeout),
            limits=httpx.Limits(max_connections=max_connections, max_keepalive_connections=8),
            # Only encodings the bounded inflater below understands.
            headers={"User-Agent": limits.user_agent, "Accept-Encoding": "gzip, deflate"},
        )

    async def aclose(self) -> None:
        """Close the connection pool."""
        await self._client.aclose()

    async def get(
        self,
        url: str,
        *,
        headers: Mapping[str, str] | None = None,
        max_bytes: int | None = None,
        hop: Hop = _no_hop,
    ) -> Fetched:
        """GET `url`, following at most `max_redirects` redirects, each re-checked.

        `hop(url)` is entered around every request of the chain, after the policy passed it.
        Returns any status (the caller decides what 304 or 404 means); raises BlockedURL when
        the policy (or the hop) refuses a hop, FetchFailed on timeout or connection errors,
        FetchRejected on too many redirects, a malformed Location or an undecodable body.
        """
        try:
            return await self._follow(url, dict(headers or {}), max_bytes or self.limits.max_bytes, hop)
        except TimeoutError as exc:
            raise FetchFailed(
                f"no complete answer within the {self.limits.deadline:g} s deadline", url=url, code="timeout"
            ) from exc

    async def _follow(self, url: str, headers: dict[str, str], cap: int, hop: Hop) -> Fetched:
        current = url
        budget = _Budget(self.limits.deadline)
        for _ in range(self.limits.max_redirects + 1):
            async with budget.spend():
                target = await self.policy.check(current)
            # Released between hops: a redirect to another host waits for that host's robots.txt
            # and turn without holding a slot the robots.txt fetch itself may need.
            async with hop(current), budget.spend():
                response = await self._send(target, headers)
                try:
                    location = response.headers.get("location")
                    if response.status_code in _REDIRECTS and location:
                        current = _redirect_target(current, location)
                        continue
                    body, truncated = b"", False
                    if 200 <= response.status_code < 300:
                        body, truncated = await _read_capped(response, cap, current)
                    return Fetched(current, response.status_code, response.headers, body, truncated)
                finally:
                    await response.aclose()
        raise FetchRejected(
            f"more than {self.limits.max_redirects} redirects, last to {current}",
            url=url,
            code="too_many_redirects",
        )

    async def _send(self, target: Target, headers: dict[str, str]) -> httpx.Response:
        try:
            original = httpx.URL(target.url)
            # Dial the checked address; Host and SNI keep the name, so virtual hosts and
            # certificate checks still work, while a rebinding DNS answer is never consulted.
            request = self._client.build_request(
                "GET",
                original.copy_with(host=target.address),
                headers={**headers, "Host": original.netloc.decode("ascii")},
                extensions={"sni_hostname": original.raw_host.decode("ascii")}
                if target.scheme == "https"
                else None,
            )
            return await self._client.send(request, stream=True)
        except httpx.InvalidURL as exc:
            raise BlockedURL(
                f"not a valid URL: {target.url!r} ({exc})", url=target.url, code="invalid_url"
            ) from exc
        except httpx.TimeoutException as exc:
            raise FetchFailed(
                f"timed out talking to {target.host}: {exc!r}", url=target.url, code="timeout"
            ) from exc
        except httpx.RemoteProtocolError as exc:
            # httpx parses Location even when not following: a malformed one is the server's
            # answer, not a broken connection, and retrying will not mend it.
            if str(exc).startswith("Invalid URL in location header"):
                raise FetchRejected(
                    f"{target.url} redirected to a malformed URL: {exc}", url=target.url, code="bad_redirect"
                ) from exc
            raise FetchFailed(
                f"could not fetch {target.url}: {exc!r}", url=target.url, code="connect"
            ) from exc
        except httpx.HTTPError as exc:
            raise FetchFailed(
                f"could not fetch {target.url}: {exc!r}", url=target.url, code="connect"
            ) from exc


class _Budget:
    """The deadline of one fetch, spent only while talking to servers (DNS, connect, answer, body):
    waits for a host's turn or its robots.txt are politeness, not a slow server."""

    def __init__(self, seconds: float) -> None:
        self.left = seconds

    @contextlib.asynccontextmanager
    async def spend(self) -> AsyncIterator[None]:
        """Run the block within what is left; raises TimeoutError when it runs out."""
        started = time.monotonic()
        try:
            async with asyncio.timeout(max(self.left, 0.0)):
                yield
        finally:
            self.left -= time.monotonic() - started


def _redirect_target(current: str, location: str) -> str:
    """The absolute URL a Location header points to; refused if it does not parse."""
    try:
        return urljoin(current, location.strip())
    except ValueError as exc:  # httpx refuses most such Locations first; urljoin raises on the rest
        raise FetchRejected(
            f"{current} redirected to a malformed URL {location!r} ({exc})", url=current, code="bad_redirect"
        ) from exc


async def _read_capped(response: httpx.Response, cap: int, url: str) -> tuple[bytes, bool]:
    """The decompressed body, stopped at `cap` bytes: memory stays near cap + one raw chunk."""
    inflater = _Inflater(response.headers.get("content-encoding", ""), url)
    body = bytearray()
    try:
        async for chunk in response.aiter_raw(_RAW_CHUNK):
            body += inflater.inflate(chunk, cap - len(body) + 1)
            if len(body) > cap:
                return bytes(body[:cap]), True
    except httpx.TimeoutException as exc:
        raise FetchFailed(f"timed out reading {url}", url=url, code="timeout") from exc
    except httpx.HTTPError as exc:
        raise FetchFailed(f"connection broke while reading {url}: {exc!r}", url=url, code="connect") from exc
    return bytes(body), False


class _Inflater:
    """Content-Encoding decoding with an output limit per call, so a gzip bomb never inflates in full."""

    def __init__(self, header: str, url: str) -> None:
        encodings = [
            e.strip().lower() for e in header.split(",") if e.strip().lower() not in ("", "identity")
        ]
        self._url = url
        self._raw_deflate_tried = False
        self._z: zlib._Decompress | None = None
        if not encodings:
            return
        if len(encodings) > 1 or encodings[0] not in ("gzip", "x-gzip", "deflate"):
            raise FetchRejected(
                f"unsupported Content-Encoding {header!r}", url=url, code="unsupported_encoding"
            )
        # 32 + MAX_WBITS: detect a gzip or zlib header; raw deflate is tried if that fails.
        self._z = zlib.decompressobj(32 + zlib.MAX_WBITS)

    def inflate(self, data: bytes, limit: int) -> bytes:
        """Up to `limit` decoded bytes of `data`."""
        if self._z is None:
            return data[:limit]
        try:
            out = self._z.decompress(data, limit)
        except zlib.error as exc:
            if self._raw_deflate_tried or self._z.unused_data:
                raise FetchRejected(
                    f"corrupt compressed body: {exc}", url=self._url, code="bad_encoding"
                ) from exc
            self._raw_deflate_tried = True
            self._z = zlib.decompressobj(-zlib.MAX_WBITS)
            return self.inflate(data, limit)
        self._raw_deflate_tried = True
        while self._z.unconsumed_tail and len(out) < limit:
            out += self._z.decompress(self._z.unconsumed_tail, limit - len(out))
        return out


def retry_after(headers: httpx.Headers, *, now: datetime | None = None) -> float | None:
    """Seconds a Retry-After header asks to wait (delta-seconds or an HTTP date), if present."""
    value = headers.get("retry-after", "").strip()
    if not value:
        return None
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


def raise_for_status(fetched: Fetched) -> None:
    """Map an HTTP status to the fetch error tree: 429/5xx retryable, other 4xx permanent."""
    status = fetched.status
    if status == 429 or status >= 500:
        raise FetchFailed(
            f"{fetched.url} answered HTTP {status}",
            url=fetched.url,
            code=f"http_{status}",
            retry_after=retry_after(fetched.headers),
        )
    if status != 304 and not 200 <= status < 300:
        raise FetchRejected(f"{fetched.url} answered HTTP {status}", url=fetched.url, code=f"http_{status}")
