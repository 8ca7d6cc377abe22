"""`newswire fetcher` as a real process: sources file, inbox folder, reload, fetch requests, metrics."""

from __future__ import annotations

import asyncio
import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import redis

from services.consumer import StreamConsumer
from services.embedded import free_port
from services.fetcher import Fetcher
from services.keys import Keys
from services.settings import Settings
from tests.integration.test_fetcher_support import FixtureServer, fetcher_settings
from tests.support import WorkerProcess, env_for, wait_for

DUMP = (
    " date 2024-03-04 Aktobe opens a winter shelter for stray dogs\n\n"
    "AKTOBE. STEPPE WIRE - Volunteers in Aktobe opened a heated shelter for up to two hundred stray "
    "dogs on Monday, after the city gave them a disused warehouse near the railway depot. Vets will "
    "check every animal, and families can adopt a dog after a short interview, the organisers said.\n"
)


def _urls(r: redis.Redis, keys: Keys) -> set[str | None]:
    return {json.loads(fields["data"]).get("url") for _, fields in r.xrange(keys.events)}


def test_fetcher_command_polls_feeds_ingests_the_inbox_reloads_sources_and_serves_fetch_requests(
    settings: Settings, keys: Keys, r: redis.Redis, worker: WorkerProcess, tmp_path: Path
) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "aktobe.txt").write_text(DUMP, encoding="utf-8")
    (inbox / "empty.txt").write_bytes(b"")
    sources = tmp_path / "sources.toml"
    metrics_port = free_port()
    with FixtureServer() as server:
        sources.write_text(
            f'[[feeds]]\nurl = "{server.url("/city.atom")}"\ninterval_seconds = 60\n'
            'name = "Capital City Desk"\n\n'
            f'[[inboxes]]\npath = "inbox"\ninterval_seconds = 1\nsettle_seconds = 0\n',
            encoding="utf-8",
        )
        env = env_for(
            settings,
            NEWSWIRE_SOURCES=str(sources),
            NEWSWIRE_FETCH_ALLOW="127.0.0.1",
            NEWSWIRE_FETCH_HOST_INTERVAL_SECONDS="0",
            NEWSWIRE_FETCH_METRICS_PORT=str(metrics_port),
            NEWSWIRE_LOG_FORMAT="text",
        )
        log_path = tmp_path / "fetcher.log"
        with log_path.open("wb") as log:
            process = subprocess.Popen([sys.executable, "-m", "services.cli", "fetcher"], env=env, stdout=log,
                                       stderr=subprocess.STDOUT)  # fmt: skip
        try:
            # The feed's two articles and the inbox dump become events; the empty file is refused.
            wait_for(lambda: len(_urls(r, keys)) == 3, timeout=30, what=f"3 events (log: {log_path})")
            assert {
                server.url("/articles/ishim-bridge.html"),
                server.url("/articles/tram-line.html"),
            } <= _urls(r, keys)
            assert (inbox / "done" / "aktobe.txt").exists()
            assert not (inbox / "aktobe.txt").exists()
            assert "file is empty" in (inbox / "failed" / "empty.txt.reason.txt").read_text(encoding="utf-8")

            # A page added to the sources file is picked up without a restart.
            with sources.open("a", encoding="utf-8") as file:
                file.write(f'\n[[pages]]\nurl = "{server.url("/articles/solar-farm.html")}"\n')
            wait_for(lambda: server.url("/articles/solar-farm.html") in _urls(r, keys), timeout=30,
                     what="the page added to the sources file")  # fmt: skip

            # A fetch request from the webhook's stream is served and acknowledged.
            r.xadd(keys.fetch_requests, {"url": server.url("/articles/flaky.html"), "request_id": "fr_cmd"})
            wait_for(
                lambda: server.url("/articles/flaky.html") in _urls(r, keys),
                timeout=30,
                what="the fetched URL",
            )
            wait_for(lambda: r.hget(keys.status("fr_cmd"), "state") == "fetched", what="request status")
            wait_for(
                lambda: r.xpending(keys.fetch_requests, settings.fetch_group)["pending"] == 0, what="ack"
            )

            metrics = httpx.get(f"http://127.0.0.1:{metrics_port}/metrics", timeout=5).text
            assert 'newswire_fetch_total{kind="feed",outcome="ok",reason=""} 1.0' in metrics
            assert 'newswire_fetch_total{kind="request",outcome="ok",reason=""} 1.0' in metrics
        finally:
            process.send_signal(signal.SIGTERM)
            code = process.wait(20)
        assert code == 0, log_path.read_text(errors="replace")[-3000:]


def test_fetch_requests_left_by_a_dead_fetcher_are_reclaimed_and_each_is_served_once(
    settings: Settings, keys: Keys, r: redis.Redis
) -> None:
    with FixtureServer() as server:
        urls = [server.url(f"/articles/{name}.html") for name in ("solar-farm", "tram-line", "ishim-bridge")]
        fsettings = fetcher_settings(settings, fetch_claim_idle_seconds=0.5)
        for i, url in enumerate(urls):
            r.xadd(keys.fetch_requests, {"url": url, "request_id": f"fr_{i}"})
        r.xadd(keys.fetch_requests, {"url": "http://10.0.0.1/admin", "request_id": "fr_blocked"})
        # A fetcher that read two requests and died before acknowledging them.
        dead = StreamConsumer(redis.Redis.from_url(str(settings.redis_url)), keys.fetch_requests,
                              group=fsettings.fetch_group, name="dead", from_start=True, batch=2)  # fmt: skip
        assert len(dead.read(block_ms=100)) == 2
        time.sleep(0.6)

        async def scenario() -> None:
            fetcher = Fetcher(fsettings)
            stop = asyncio.Event()
            try:
                task = asyncio.create_task(fetcher.consume_requests(stop, name="alive", block_ms=100))
                await asyncio.to_thread(
                    wait_for,
                    lambda: (
                        not r.xpending(keys.fetch_requests, fsettings.fetch_group)["pending"]
                        and r.exists(keys.status("fr_blocked"))
                    ),
                    what="every request served and acknowledged",
                )
                stop.set()
                await task
            finally:
                await fetcher.aclose()

        asyncio.run(asyncio.wait_for(scenario(), 30))
        dead._redis.close()
    assert [
        len(server.requests_for(p)) for p in ("/articles/solar-farm.html", "/articles/tram-line.html")
    ] == [1, 1]
    assert {r.hget(keys.status(f"fr_{i}"), "state") for i in range(3)} == {"fetched"}
    assert r.hget(keys.status("fr_blocked"), "state") == "rejected"
    assert "10.0.0.1" in (r.hget(keys.status("fr_blocked"), "reasons") or "")
    assert int(r.hget(keys.counters, "documents_in:fetcher") or 0) == 3
    [(_, letter)] = r.xrange(keys.rejected)
    assert letter["code"] == "address"
