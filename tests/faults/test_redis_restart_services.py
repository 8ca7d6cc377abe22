"""Redis killed and restarted (AOF, appendfsync always) under a live API and fetcher: both reconnect by
themselves, the API answers 503 (never hangs) while Redis is down, and nothing it answered 202 for is lost."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import cast

import httpx
import pytest
import redis

from schemas import RawDocument
from services.documents import from_bytes
from services.embedded import EmbeddedRedis, free_port
from services.keys import Keys
from services.settings import Settings
from tests.faults import harness
from tests.support import env_for, wait_for

TOKEN = "fault-suite-restart-token"
DOWN_SECONDS = 3.0
# A request may wait out the Celery publish retries (about 6 s in all) before its 503.
ANSWER_BOUND = 12.0


@dataclass
class Attempt:
    """One POST: when it started (monotonic), how long it took, and its status (or transport error)."""

    started: float
    seconds: float
    status: int | str


@dataclass
class Poster:
    """Posts documents one after another; a document answered 503 is posted again, as a client would."""

    http: httpx.Client
    docs: list[RawDocument]
    pause: float = 0.05
    attempts: list[Attempt] = field(default_factory=list)
    accepted: list[str] = field(default_factory=list)
    stop: threading.Event = field(default_factory=threading.Event)

    def run(self) -> None:
        """Post until told to stop; the document in hand is retried until it is answered."""
        for doc in self.docs:
            if self.stop.is_set():
                return
            while not self._post(doc):
                time.sleep(0.3)
            time.sleep(self.pause)

    def _post(self, doc: RawDocument) -> bool:
        started = time.monotonic()
        status: int | str
        try:
            response = self.http.post(
                "/v1/documents",
                content=doc.content,
                headers={"content-type": "text/plain", "authorization": f"Bearer {TOKEN}"},
            )
            status = response.status_code
        except httpx.HTTPError as exc:  # a hang past the client timeout, or a dropped connection
            status = type(exc).__name__
        self.attempts.append(Attempt(started, time.monotonic() - started, status))
        if status == 202:
            self.accepted.extend(d["id"] for d in response.json()["documents"])
            return True
        # 503 means "not accepted, retry": post it again. Anything else is recorded for the asserts.
        return status != 503


def _drop(inbox: Path, name: str, content: bytes) -> list[str]:
    """Write an inbox file atomically (the fetcher skips *.tmp); returns its documents' ids."""
    partial = inbox / f"{name}.tmp"
    partial.write_bytes(content)
    partial.rename(inbox / name)
    return [doc.id for doc in from_bytes(content, name=name, channel="inbox")]


# An article the fetcher is asked for through POST /v1/fetch after the restart (original text).
_PAGE = (
    b" date 2024-03-20 Oral opens a night bus route across the river\n\n"
    b"ORAL. KAZINFORM - The city administration of Oral opened a night bus route linking the "
    b"railway station with the left-bank districts on Wednesday, the municipal press office said. "
    b"Buses run every forty minutes from midnight to five in the morning.\n"
)


class _Page(BaseHTTPRequestHandler):
    """Serves the article at /article and a 404 elsewhere (robots.txt included: no rules)."""

    def do_GET(self) -> None:
        found = self.path == "/article"
        body = _PAGE if found else b"not found"
        self.send_response(200 if found else 404)
        self.send_header("content-type", "text/plain; charset=utf-8")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:  # quiet: the test reads no access log
        return


def _fetched(client: redis.Redis, keys: Keys, request_id: str) -> list[str]:
    """The doc ids a served fetch request produced; none while it is not served."""
    fields = cast(dict[bytes, bytes], client.hgetall(keys.status(request_id)))
    state = fields.get(b"state", b"").decode()
    if state == "rejected":
        raise AssertionError(f"fetch request rejected: {fields}")
    return fields[b"doc_ids"].decode().split(",") if state == "fetched" else []


def _spawn(command: str, env: dict[str, str], log_path: Path) -> subprocess.Popen[bytes]:
    with log_path.open("ab") as log:
        return subprocess.Popen(
            [sys.executable, "-m", "services.cli", command], stdout=log, stderr=subprocess.STDOUT, env=env
        )


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _api_up(http: httpx.Client, api: subprocess.Popen[bytes]) -> bool:
    assert api.poll() is None, "newswire api exited at startup"
    try:
        return http.get("/healthz").status_code == 200
    except httpx.TransportError:
        return False


@pytest.mark.slow
@pytest.mark.timeout(90)
def test_api_and_fetcher_reconnect_after_redis_restart_and_every_202_comes_out_once(
    settings: Settings, tmp_path: Path
) -> None:
    server = EmbeddedRedis(tmp_path / "redis", appendfsync="always").start()
    private = settings.model_copy(update={"redis_url": server.url, "visibility_timeout": 4})
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    sources = tmp_path / "sources.toml"
    sources.write_text(f'[[inboxes]]\npath = "{inbox}"\nsettle_seconds = 0\ninterval_seconds = 1\n')
    port = free_port()
    env = env_for(
        private,
        NEWSWIRE_API_TOKENS=TOKEN,
        NEWSWIRE_API_HOST="127.0.0.1",
        NEWSWIRE_API_PORT=str(port),
        NEWSWIRE_API_RATE_LIMIT="100000",  # on, so each flush runs the admission script, but never a 429
        NEWSWIRE_SOURCES=str(sources),
        NEWSWIRE_FETCH_ALLOW="127.0.0.1",  # the test's page server; the default refuses loopback
        NEWSWIRE_VISIBILITY_TIMEOUT="4",
    )
    worker = harness.start_worker(private, tmp_path, "svc-worker")
    api = _spawn("api", env, tmp_path / "api.log")
    fetcher = _spawn("fetcher", env, tmp_path / "fetcher.log")
    http = httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=ANSWER_BOUND + 3)
    poster = Poster(http, harness.corpus(400, seed=11, tag="api"))
    thread = threading.Thread(target=poster.run, name="poster")
    client = redis.Redis.from_url(server.url)
    pages = ThreadingHTTPServer(("127.0.0.1", 0), _Page)
    threading.Thread(target=pages.serve_forever, name="pages", daemon=True).start()
    inbox_ids: list[str] = []
    fetched_ids: list[str] = []
    try:
        wait_for(lambda: _api_up(http, api), timeout=30, what="API up")
        inbox_ids += _drop(inbox, "before.txt", harness.corpus(1, seed=12, tag="inbox-before")[0].content)
        wait_for(lambda: (inbox / "done" / "before.txt").exists(), timeout=20, what="first inbox file")
        thread.start()
        time.sleep(2)
        assert server.process is not None
        server.process.kill()  # SIGKILL: no shutdown, no final AOF rewrite
        server.process.wait()
        killed = time.monotonic()
        time.sleep(DOWN_SECONDS)
        server.start()  # same port, same data dir: the AOF is replayed
        restarted = time.monotonic()
        inbox_ids += _drop(inbox, "after.txt", harness.corpus(1, seed=13, tag="inbox-after")[0].content)
        wait_for(
            lambda: (inbox / "done" / "after.txt").exists(),
            timeout=20,
            what="inbox file dropped after restart",
        )
        # The fetch-requests consumer must have come back too, not only the inbox poller.
        answer = http.post(
            "/v1/fetch",
            json={"urls": [f"http://127.0.0.1:{pages.server_port}/article"]},
            headers={"authorization": f"Bearer {TOKEN}"},
        )
        assert answer.status_code == 202, answer.text
        request_id = answer.json()["requests"][0]["request_id"]
        keys = Keys.from_settings(private)
        fetched_ids += wait_for(
            lambda: _fetched(client, keys, request_id), timeout=20, what="fetch request served after restart"
        )
        time.sleep(max(0.0, restarted + 5 - time.monotonic()))
        poster.stop.set()
        thread.join(ANSWER_BOUND * 2)
        assert not thread.is_alive(), "the poster is stuck on a request"
        assert api.poll() is None, "newswire api died"
        assert fetcher.poll() is None, "newswire fetcher died"
        ledger = harness.wait_settled(client, private, poster.accepted + inbox_ids + fetched_ids, timeout=40)
    finally:
        poster.stop.set()
        pages.shutdown()
        pages.server_close()
        if thread.is_alive():
            thread.join(ANSWER_BOUND * 2)
        http.close()
        client.close()
        _stop(fetcher)
        _stop(api)
        worker.stop()
        server.stop()

    statuses = [a.status for a in poster.attempts]
    # The README's figures for this scenario: `pytest -s tests/faults/test_redis_restart_services.py`.
    during_down = sum(killed <= a.started < restarted for a in poster.attempts)
    print(
        f"\nAPI posts: {statuses.count(202)} answered 202, {statuses.count(503)} answered 503 "
        f"({during_down} posts begun while Redis was down), slowest answer "
        f"{max(a.seconds for a in poster.attempts):.2f} s; {ledger.summary()}"
    )
    assert set(statuses) <= {202, 503}, f"answers other than 202/503: {statuses}"
    slowest = max(a.seconds for a in poster.attempts)
    assert slowest < ANSWER_BOUND, f"a request took {slowest:.1f} s"
    during = [a for a in poster.attempts if killed <= a.started < restarted]
    assert during, "no request was posted while Redis was down"
    # While Redis is down a request is refused with 503, or, begun just before the restart, waits
    # for it (within the bound) and is accepted: never a 202 the broker did not get.
    early = [(a.status, round(a.started + a.seconds - restarted, 2)) for a in during]
    assert all(a.status == 503 or a.started + a.seconds >= restarted for a in during), early
    assert 503 in [a.status for a in during] or len(during) <= 2, f"no 503 while Redis was down: {early}"
    # Reconnected by itself: every request begun a second after the restart is accepted at once.
    after = [a.status for a in poster.attempts if a.started > restarted + 1]
    assert after, "no request was posted after the restart"
    assert set(after) == {202}, f"answers after the restart: {after}"
    assert len(set(poster.accepted)) == len(poster.accepted), "a document was answered 202 twice"
    assert ledger.ok, ledger.summary()
    assert len(inbox_ids) + len(fetched_ids) == 3
    assert ledger.expected == len(poster.accepted) + 3
