"""The fetcher service: polls feeds, pages and inboxes, serves fetch requests, enqueues RawDocuments."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from functools import partial
from typing import Any, TypeVar
from urllib.parse import urlsplit

import redis
import redis.asyncio

from schemas import RawDocument
from services.consumer import Message, StreamConsumer
from services.errors import BlockedURL, NewswireError
from services.fetcher.client import Fetched, Limits, SafeClient, raise_for_status
from services.fetcher.errors import FetchFailed, FetchRejected
from services.fetcher.feeds import Feed, FeedEntry, entry_document, parse_feed
from services.fetcher.inbox import InboxResult, ingest_file, pending_files
from services.fetcher.leases import Leases
from services.fetcher.metrics import FetchMetrics
from services.fetcher.policy import AllowList, Policy, Resolver, system_resolver
from services.fetcher.polite import HostGate, Robots, backoff
from services.fetcher.sources import FeedSource, InboxSource, PageSource, SourcesWatcher
from services.keys import Keys
from services.queue import Enqueuer
from services.settings import Settings
from services.sink import Sink

log = logging.getLogger(__name__)
T = TypeVar("T")

# Media types handed to the workers as the article itself; anything else (images, PDFs) is not.
_DOCUMENT_TYPES = ("text/", "application/xhtml+xml", "application/json", "application/xml")
_INBOX_INTERVAL = 5.0
_SEEN_LEASE = 600  # seconds an entry claim lives if this fetcher dies before finishing it
_Source = FeedSource | PageSource | InboxSource


class Fetcher:
    """Everything the `newswire fetcher` process does; each public coroutine is one unit of work."""

    def __init__(self, settings: Settings, *, resolver: Resolver | None = None) -> None:
        self.settings = settings
        self.keys = Keys.from_settings(settings)
        self.metrics = FetchMetrics()
        policy = Policy(AllowList.parse(settings.fetch_allow), resolver or system_resolver)
        limits = Limits(
            max_bytes=settings.fetch_max_bytes,
            deadline=settings.fetch_deadline_seconds,
            connect_timeout=settings.fetch_connect_timeout_seconds,
            max_redirects=settings.fetch_max_redirects,
            user_agent=settings.fetch_user_agent,
        )
        self.client = SafeClient(policy, limits, max_connections=settings.fetch_concurrency * 2)
        self.gate = HostGate(settings.fetch_host_concurrency, settings.fetch_host_interval_seconds)
        self.robots = Robots(
            self._fetch_robots,
            user_agent=settings.fetch_user_agent,
            ttl=settings.fetch_robots_ttl_seconds,
            enabled=settings.fetch_respect_robots,
        )
        self.watcher = SourcesWatcher(settings.sources)
        self._slots = asyncio.Semaphore(settings.fetch_concurrency)
        self._redis = redis.asyncio.Redis.from_url(str(settings.redis_url), decode_responses=True)
        self._sync_redis = redis.Redis.from_url(str(settings.redis_url))
        self._enqueuer = Enqueuer(settings, client=self._sync_redis)
        self._sink = Sink(
            self._sync_redis,
            self.keys,
            maxlen=settings.stream_maxlen,
            dedup_ttl=settings.dedup_ttl_seconds,
            status_ttl=settings.status_ttl_seconds,
        )
        # One thread for the broker and the sink: Celery producers are not shared across threads,
        # and documents reach the queue in the order they were fetched.
        self._executor = ThreadPoolExecutor(1, thread_name_prefix="newswire-enqueue")

    async def aclose(self) -> None:
        """Release connections, threads and the metrics server."""
        await self.client.aclose()
        await self._redis.aclose()
        await asyncio.get_running_loop().run_in_executor(self._executor, self._enqueuer.close)
        self._executor.shutdown(wait=True)
        self._sync_redis.close()
        self.metrics.close()

    # -- fetching ---------------------------------------------------------------------------

    async def fetch(self, url: str, *, kind: str, conditional: bool = False) -> Fetched:
        """A polite, safe GET with retries; counted in the metrics by `kind` and outcome.

        Returns a 2xx or (when `conditional`) a 304 response; raises BlockedURL, FetchRejected,
        or FetchFailed once the retries are spent.
        """
        try:
            fetched = await self._fetch(url, conditional=conditional)
        except NewswireError as exc:
            self.count(kind, exc)
            raise
        self.count(kind, fetched)
        return fetched

    def count(self, kind: str, outcome: Fetched | NewswireError) -> None:
        """Count one fetch outcome: ok, not_modified, blocked or failed (with the error's code)."""
        if isinstance(outcome, BlockedURL):
            self.metrics.count(kind, "blocked", outcome.code)
        elif isinstance(outcome, NewswireError):
            self.metrics.count(kind, "failed", outcome.code)
        else:
            self.metrics.count(kind, "not_modified" if outcome.status == 304 else "ok")

    async def _fetch(self, url: str, *, conditional: bool) -> Fetched:
        headers = await self._validators(url) if conditional else {}
        attempt = 0
        while True:
            try:
                fetched = await self.client.get(url, headers=headers, hop=self._hop)
                raise_for_status(fetched)
            except FetchFailed as exc:
                wait = (
                    exc.retry_after
                    if exc.retry_after is not None
                    else backoff(
                        attempt,
                        base=self.settings.fetch_backoff_seconds,
                        cap=self.settings.fetch_max_wait_seconds,
                    )
                )
                if attempt >= self.settings.fetch_retries or wait > self.settings.fetch_max_wait_seconds:
                    raise
                # The whole host that failed waits, not just this URL: Retry-After speaks for the server.
                self.gate.hold_off(_host(exc.url or url), wait)
                attempt += 1
                log.info("retrying %s in %.1f s (attempt %d): %s", url, wait, attempt, exc.reason)
                continue
            if fetched.truncated:
                raise FetchRejected(
                    f"{url} is larger than the {self.settings.fetch_max_bytes} byte limit",
                    url=url,
                    code="too_large",
                )
            return fetched

    @contextlib.asynccontextmanager
    async def _hop(self, url: str) -> AsyncIterator[None]:
        """One request of a fetch, the first or a redirect: the robots.txt of its host is consulted
        (so a redirect to another host obeys that host's rules), then a slot of that host is held.

        The client enters this only once the SSRF policy passed `url`, so a refused host's
        robots.txt is never fetched either.
        """
        if (delay := await self.robots.check(url)) is not None:
            self.gate.set_crawl_delay(_host(url), min(delay, 60.0))
        async with self._slot(url):
            yield

    @contextlib.asynccontextmanager
    async def _slot(self, url: str) -> AsyncIterator[None]:
        async with self.gate.slot(_host(url)), self._slots:
            yield

    async def _fetch_robots(self, url: str) -> Fetched:
        try:
            fetched = await self.client.get(url, hop=self._slot)
        except NewswireError as exc:
            self.metrics.count("robots", "blocked" if isinstance(exc, BlockedURL) else "failed", exc.code)
            raise
        self.metrics.count(
            "robots",
            "ok" if fetched.status < 400 else "failed",
            "" if fetched.status < 400 else f"http_{fetched.status}",
        )
        return fetched

    async def _validators(self, url: str) -> dict[str, str]:
        stored: dict[str, str] = await self._redis.hgetall(self.keys.fetch_validators(url))  # type: ignore[assignment]
        headers = {}
        if etag := stored.get("etag"):
            headers["If-None-Match"] = etag
        if modified := stored.get("last_modified"):
            headers["If-Modified-Since"] = modified
        return headers

    async def _remember(self, url: str, fetched: Fetched) -> None:
        """Keep the validators of a response whose content was enqueued (never before: a 304 must
        not hide content that never reached the queue)."""
        values: dict[str, str] = {
            name: value
            for name, value in (
                ("etag", fetched.headers.get("etag")),
                ("last_modified", fetched.headers.get("last-modified")),
            )
            if value
        }
        key = self.keys.fetch_validators(url)
        pipe = self._redis.pipeline(transaction=True)
        pipe.delete(key)
        if values:
            pipe.hset(key, mapping=values)  # type: ignore[arg-type]
            pipe.expire(key, self.settings.fetch_seen_ttl_seconds)
        await pipe.execute()

    # -- handing over -----------------------------------------------------------------------

    async def _in_executor(self, func: Callable[..., T], *args: Any) -> T:
        return await asyncio.get_running_loop().run_in_executor(self._executor, func, *args)

    async def enqueue(self, documents: Sequence[RawDocument]) -> None:
        """Hand documents to the workers in batches; returns once the broker holds them."""
        size = self.settings.ingest_batch_size
        for start in range(0, len(documents), size):
            await self._in_executor(self._enqueuer.submit, list(documents[start : start + size]))
        for doc in documents:
            self.metrics.documents.labels(channel=doc.channel).inc()

    async def dead_letter(
        self, url: str, exc: NewswireError, *, content: bytes = b"", source: str | None = None
    ) -> None:
        """Put a refused fetch on the dead-letter stream (once per URL and content), with its reason."""
        document = RawDocument.create(content, channel="fetcher", url=url, source_name=source)
        await self._in_executor(
            lambda: self._sink.reject(document, stage="fetch", code=exc.code, reason=exc.reason)
        )

    # -- feeds and pages --------------------------------------------------------------------

    async def poll_feed(self, source: FeedSource) -> int:
        """Poll one feed: new entries' pages (or their own content) enqueued; returns how many."""
        url = str(source.url)
        fetched: Fetched | None = None
        try:
            fetched = await self._fetch(url, conditional=True)
            feed = None if fetched.status == 304 else _parse(fetched, url)
        except NewswireError as exc:
            self.count("feed", exc)
            if isinstance(exc, FetchFailed):
                raise
            log.warning("feed %s refused: %s", url, exc.reason)
            await self.dead_letter(url, exc, content=fetched.body if fetched else b"", source=source.name)
            return 0
        self.count("feed", fetched)
        if feed is None:
            return 0
        name = source.name or feed.title
        claimed = [entry for entry in feed.entries if await self._claim(entry.key)]
        results = await asyncio.gather(*(self._entry(entry, source, name) for entry in claimed))
        documents = [doc for doc in results if doc is not None]
        try:
            await self.enqueue(documents)
        except BaseException:
            await asyncio.gather(*(self._release(entry.key) for entry in claimed))
            raise
        await self._mark_seen(
            [entry.key for entry, doc in zip(claimed, results, strict=True) if doc is not None]
        )
        await self._remember(url, fetched)
        return len(documents)

    async def _entry(self, entry: FeedEntry, source: FeedSource, name: str | None) -> RawDocument | None:
        """The document for one new entry: its page, else its own content; None if there is none."""
        failure: NewswireError | None = None
        if entry.link and source.follow_links:
            try:
                page = await self.fetch(entry.link, kind="article")
                if page.body.strip() and (page.content_type or "text/html").startswith(_DOCUMENT_TYPES):
                    return _page_document(page, name)
                failure = FetchRejected(
                    f"{entry.link} is not a document ({page.content_type})",
                    url=entry.link,
                    code="not_a_document",
                )
            except NewswireError as exc:
                failure = exc
            log.info("page %s failed (%s); using the feed entry", entry.link, failure.reason)
        if entry.content_html or entry.title:
            return RawDocument.create(
                entry_document(entry),
                channel="fetcher",
                content_type="text/html",
                charset="utf-8",
                url=entry.link,
                source_name=name,
            )
        if failure is None or isinstance(failure, FetchFailed):
            await self._release(entry.key)  # a transient failure: the next poll tries again
        else:
            await self.dead_letter(entry.link or entry.key, failure, source=name)
            await self._mark_seen([entry.key])
        return None

    async def poll_page(self, source: PageSource) -> int:
        """Fetch one configured page (conditional GET); returns 1 if it was enqueued."""
        url = str(source.url)
        try:
            fetched = await self.fetch(url, kind="page", conditional=True)
        except (BlockedURL, FetchRejected) as exc:
            log.warning("page %s refused: %s", url, exc.reason)
            await self.dead_letter(url, exc, source=source.name)
            return 0
        if fetched.status == 304:
            return 0
        doc = _page_document(fetched, source.name)
        await self.enqueue([doc])
        await self._remember(url, fetched)
        return 1

    async def _claim(self, key: str) -> bool:
        # SET NX: of two feeds (or two fetchers) listing the same article, one fetches it.
        return bool(await self._redis.set(self.keys.fetch_seen(key), "fetching", nx=True, ex=_SEEN_LEASE))

    async def _release(self, key: str) -> None:
        await self._redis.delete(self.keys.fetch_seen(key))

    async def _mark_seen(self, keys: list[str]) -> None:
        if not keys:
            return
        pipe = self._redis.pipeline(transaction=False)
        for key in keys:
            pipe.set(self.keys.fetch_seen(key), "done", ex=self.settings.fetch_seen_ttl_seconds)
        await pipe.execute()

    # -- inbox ------------------------------------------------------------------------------

    async def scan_inbox(self, source: InboxSource) -> list[InboxResult]:
        """Ingest the inbox folder's waiting files, each moved to done/ or failed/ afterwards."""
        paths = await asyncio.to_thread(pending_files, source.path, settle_seconds=source.settle_seconds)
        results = []
        for path in paths:
            result = await self._in_executor(
                lambda p=path: ingest_file(
                    p,
                    self._enqueuer.submit,
                    max_bytes=self.settings.inbox_max_bytes,
                    source_name=source.name,
                    batch_size=self.settings.ingest_batch_size,
                )
            )
            self.metrics.documents.labels(channel="inbox").inc(result.documents)
            if result.reason:
                log.warning("inbox file %s refused: %s", path, result.reason)
            results.append(result)
        return results

    # -- fetch requests ---------------------------------------------------------------------

    async def handle_request(self, fields: dict[str, str]) -> str:
        """Serve one fetch request (`url`, optional `request_id`, `source_name`); returns its state."""
        url = fields.get("url", "").strip()
        request_id = fields.get("request_id") or None
        source = fields.get("source_name") or None
        try:
            if not url:
                raise FetchRejected("fetch request has no url field", code="invalid_request")
            fetched = await self.fetch(url, kind="request")
        except NewswireError as exc:
            await self.dead_letter(url, exc, source=source)
            await self._request_status(
                request_id, url, state="rejected", reasons=f"fetch: {exc.reason}", code=exc.code
            )
            return "rejected"
        doc = _page_document(fetched, source)
        await self.enqueue([doc])
        await self._request_status(request_id, url, state="fetched", doc_ids=doc.id)
        return "fetched"

    async def _request_status(self, request_id: str | None, url: str, **fields: str) -> None:
        """Record a request's outcome under its id, with the status TTL of documents.

        Written here, not with Sink.record_status: a fetch request is not a document run through
        the pipeline, and counting it there would count each fetched document as processed twice.
        """
        if not request_id:
            return
        key = self.keys.status(request_id)
        pipe = self._redis.pipeline(transaction=True)
        mapping: dict[Any, Any] = {"url": url, "updated_at": datetime.now(UTC).isoformat(), **fields}
        pipe.hset(key, mapping=mapping)
        pipe.expire(key, self.settings.status_ttl_seconds)
        await pipe.execute()

    async def consume_requests(
        self, stop: asyncio.Event, *, name: str | None = None, block_ms: int = 500
    ) -> None:
        """Serve the fetch-requests stream as one consumer of the group until `stop` is set."""
        consumer = await self._join_group(stop, name=name, block_ms=block_ms)
        if consumer is None:
            return
        leases = Leases(self._sync_redis, consumer.stream, group=consumer.group, consumer=consumer.name)
        renewer = asyncio.create_task(self._renew(leases))
        running: set[asyncio.Task[None]] = set()
        # Delivered before (to this consumer before a restart, or to a dead one): counted first.
        try:
            backlog = await asyncio.to_thread(lambda: consumer.pending() + consumer.claim_stale())
        except redis.RedisError:
            backlog = []  # Redis away again: the loop below waits for it, and reclaims later
        next_claim = time.monotonic() + self.settings.fetch_claim_idle_seconds / 2
        try:
            while not stop.is_set():
                try:
                    fresh = [] if backlog else await asyncio.to_thread(consumer.read)
                    again, backlog = backlog, []
                    if time.monotonic() > next_claim:
                        # A fetcher that died leaves its entries pending: take them over once they are stale.
                        again += await asyncio.to_thread(consumer.claim_stale)
                        next_claim = time.monotonic() + self.settings.fetch_claim_idle_seconds / 2
                    deliveries = await self._deliveries(leases, fresh, again)
                except redis.RedisError as exc:
                    # Redis away (restarting?): keep consuming once it is back instead of letting this
                    # task die while the pollers go on. Entries read meanwhile stay pending in the
                    # group, so claim_stale hands them back once they are idle.
                    log.warning("fetch requests: Redis unavailable, retrying in 1 s: %r", exc)
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(stop.wait(), timeout=1.0)
                    if "NOGROUP" in str(exc):
                        # Redis came back without its data (no AOF): the group is gone, recreate it.
                        with contextlib.suppress(redis.RedisError):
                            await asyncio.to_thread(consumer.ensure_group, from_start=True)
                    continue
                for message, delivered in deliveries:
                    task = asyncio.create_task(self._serve(consumer, leases, message, delivered))
                    running.add(task)
                    task.add_done_callback(running.discard)
                while len(running) >= self.settings.fetch_concurrency:
                    await asyncio.wait(running, return_when=asyncio.FIRST_COMPLETED)
            if running:
                await asyncio.wait(running)
        finally:
            renewer.cancel()
            await asyncio.gather(renewer, return_exceptions=True)

    async def _join_group(
        self, stop: asyncio.Event, *, name: str | None, block_ms: int
    ) -> StreamConsumer | None:
        """Join the fetch-requests consumer group, waiting for Redis if it is down; None if stopped."""
        while not stop.is_set():
            try:
                return await asyncio.to_thread(
                    StreamConsumer,
                    self._sync_redis,
                    self.keys.fetch_requests,
                    group=self.settings.fetch_group,
                    name=name or f"{socket.gethostname()}-{os.getpid()}",
                    # From the stream's start: requests posted before any fetcher ran are served too.
                    from_start=True,
                    claim_idle_ms=int(self.settings.fetch_claim_idle_seconds * 1000),
                    block_ms=block_ms,
                )
            except redis.RedisError as exc:
                log.warning("fetch requests: Redis unavailable at start, retrying in 1 s: %r", exc)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), timeout=1.0)
        return None

    async def _deliveries(
        self, leases: Leases, fresh: list[Message], again: list[Message]
    ) -> list[tuple[Message, int]]:
        """The messages to serve now, each held in `leases`, with how many times it was delivered."""
        # Already held: this consumer is serving it (a reclaim that raced a renewal); one task only.
        again = [m for m in again if m.entry_id not in leases]
        counts = await asyncio.to_thread(leases.deliveries, [m.entry_id for m in again]) if again else {}
        chosen = [(m, 1) for m in fresh] + [(m, counts[m.entry_id]) for m in again if m.entry_id in counts]
        return [(m, delivered) for m, delivered in chosen if leases.take(m.entry_id)]

    async def _renew(self, leases: Leases) -> None:
        """Renew the leases of the requests being served, four times per claim-idle period."""
        interval = self.settings.fetch_claim_idle_seconds / 4
        while True:
            await asyncio.sleep(interval)
            try:
                await asyncio.to_thread(leases.renew)
            except redis.RedisError as exc:
                log.warning("could not renew %d fetch-request leases: %r", len(leases), exc)

    async def _serve(
        self, consumer: StreamConsumer, leases: Leases, message: Message, delivered: int
    ) -> None:
        """Serve one request and ack it; a crash leaves it pending for a retry, up to the limit."""
        try:
            if await self._settle(message, delivered):
                await asyncio.to_thread(consumer.ack, message)
        except Exception:
            # Dead-lettering or acking failed (Redis away?): still pending, so retried later.
            log.exception("fetch request %s could not be settled", message.entry_id)
        finally:
            leases.release(message.entry_id)

    async def _settle(self, message: Message, delivered: int) -> bool:
        """Serve one request, or give up on it past the delivery limit; False leaves it pending."""
        limit = self.settings.fetch_request_max_deliveries
        if delivered > limit:
            reason = (
                f"delivered {delivered} times and never acknowledged: every fetcher that took it "
                "crashed or was stopped before finishing it"
            )
            await self._give_up(message, reason)
            return True
        try:
            await self.handle_request(message.fields)
        except Exception as exc:
            if delivered < limit:
                # Left unacked: once idle for fetch_claim_idle_seconds, a fetcher reclaims it.
                log.exception("fetch request %s crashed (delivery %d of at most %d)",
                              message.entry_id, delivered, limit)  # fmt: skip
                return False
            log.exception("fetch request %s crashed on its last delivery", message.entry_id)
            await self._give_up(message, f"crashed the fetcher on each of {delivered} deliveries: {exc!r}")
        return True

    async def _give_up(self, message: Message, reason: str) -> None:
        """Dead-letter a request that keeps failing, and mark its status rejected."""
        url = message.fields.get("url", "").strip()
        exc = FetchRejected(reason, url=url or None, code="crashed")
        self.count("request", exc)
        await self.dead_letter(url, exc, source=message.fields.get("source_name") or None)
        await self._request_status(
            message.fields.get("request_id") or None, url, state="rejected", reasons=f"fetch: {reason}",
            code=exc.code,
        )  # fmt: skip

    # -- the loop ---------------------------------------------------------------------------

    async def run(self, stop: asyncio.Event, *, once: bool = False) -> None:
        """Poll every source on its interval (and serve fetch requests) until `stop` is set.

        With `once`, poll every source one time, wait for them, and return.
        """
        if self.settings.fetch_metrics_port is not None and not once:
            self.metrics.serve(self.settings.fetch_metrics_port)
        running: dict[tuple[str, str], asyncio.Task[Any]] = {}
        due: dict[tuple[str, str], float] = {}
        consumer = None if once else asyncio.create_task(self.consume_requests(stop))
        while not stop.is_set():
            if self.watcher.poll():
                log.info("sources loaded from %s", self.watcher.path)
            self.metrics.sources_error.set(1 if self.watcher.error else 0)
            now = time.monotonic()
            for key, interval, work in self._sources():
                if due.get(key, 0.0) > now or (key in running and not running[key].done()):
                    continue
                due[key] = now + interval
                running[key] = asyncio.create_task(_guard(key, work()))
            if once:
                await asyncio.gather(*running.values())
                break
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=0.25)
        for task in running.values():
            task.cancel()
        await asyncio.gather(*running.values(), return_exceptions=True)
        if consumer is not None:
            await consumer

    def _sources(self) -> list[tuple[tuple[str, str], float, Callable[[], Awaitable[Any]]]]:
        sources = self.watcher.sources
        default = self.settings.fetch_default_interval_seconds
        plan: list[tuple[tuple[str, str], float, Callable[[], Awaitable[Any]]]] = []
        for feed in sources.feeds:
            plan.append(
                (("feed", str(feed.url)), feed.interval_seconds or default, partial(self.poll_feed, feed))
            )
        for page in sources.pages:
            plan.append(
                (("page", str(page.url)), page.interval_seconds or default, partial(self.poll_page, page))
            )
        for inbox in sources.inboxes:
            interval = inbox.interval_seconds or _INBOX_INTERVAL
            plan.append((("inbox", str(inbox.path)), interval, partial(self.scan_inbox, inbox)))
        return plan


async def _guard(key: tuple[str, str], work: Awaitable[Any]) -> None:
    """Run one source's poll; a failure is logged, never allowed to stop the fetcher."""
    try:
        await work
    except asyncio.CancelledError:
        raise
    except FetchFailed as exc:
        log.warning("%s %s failed, next poll retries: %s", *key, exc.reason)
    except Exception:
        log.exception("%s %s crashed", *key)


def _host(url: str) -> str:
    try:
        return urlsplit(url).hostname or ""
    except ValueError:
        return ""


def _parse(fetched: Fetched, url: str) -> Feed:
    return parse_feed(fetched.body, url=url, content_type=fetched.headers.get("content-type"))


def _page_document(page: Fetched, source_name: str | None) -> RawDocument:
    """The RawDocument a fetched page becomes (HTML unless the server said otherwise)."""
    return RawDocument.create(
        page.body,
        channel="fetcher",
        content_type=page.content_type or "text/html",
        charset=page.charset,
        url=page.url,
        source_name=source_name,
    )
