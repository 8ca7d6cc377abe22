"""The fault scenarios as functions of their size, run small by tests/faults and large by bench/faults.py."""

from __future__ import annotations

import base64
import random
import subprocess
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import psutil
import redis

from schemas import RawDocument
from services.consumer import StreamConsumer
from services.embedded import EmbeddedRedis, free_port
from services.keys import Keys
from services.settings import Settings
from tests.faults import harness
from tests.support import WorkerProcess, env_for


@dataclass
class Result:
    """One scenario run: the ledger, what was done to the system, and how long it took."""

    name: str
    ledger: harness.Ledger
    faults: int
    seconds: float
    note: str = ""
    figures: dict[str, int] = field(default_factory=dict)


def kill_workers(
    settings: Settings,
    log_dir: Path,
    *,
    documents: int,
    kills: int,
    batch_size: int = 5,
    pause: float = 0.2,
    seed: int = 1,
    settle_timeout: float = 90.0,
) -> Result:
    """SIGKILL worker processes (pool child, main process alone, whole group) while documents flow."""
    rng = random.Random(seed)
    docs = harness.corpus(documents, seed=seed)
    client = redis.Redis.from_url(str(settings.redis_url))
    # Each document takes 30 ms in the stage, as real parsing does, so kills land mid-task.
    slow = {"FAULTS_SLOW_SECONDS": "0.03"}
    workers = [harness.start_worker(settings, log_dir, f"kill-w{i}", **slow) for i in range(2)]
    report = harness.KillReport()
    in_flight_hits = 0
    started = time.monotonic()
    producer = threading.Thread(
        target=harness.submit_all, args=(settings, docs), kwargs={"batch_size": batch_size, "pause": pause}
    )
    producer.start()
    try:
        modes = ["pool", "main", "group"]
        # Spread the kills over the time the producer needs, then keep killing until the count is
        # reached (documents are still in flight: redelivered ones, and the queue's tail).
        interval = max(0.3, (documents / batch_size) * pause / max(kills, 1))
        while report.total < kills:
            time.sleep(rng.uniform(0.5, 1.5) * interval)
            index = rng.randrange(len(workers))
            mode = modes[report.total % len(modes)]
            hit = harness.unacked(client, settings) > 0
            if mode == "pool":
                if harness.kill_pool_child(workers[index], rng):
                    report.pool_kills += 1
                    in_flight_hits += hit
                continue
            in_flight_hits += hit
            harness.kill_main(workers[index], with_pool=mode == "group")
            if mode == "group":
                report.group_kills += 1
            else:
                report.main_kills += 1
            workers[index] = harness.start_worker(settings, log_dir, f"kill-w{index}", **slow)
        producer.join()
        ledger = harness.wait_settled(client, settings, [d.id for d in docs], timeout=settle_timeout)
    finally:
        producer.join()
        for worker in workers:
            worker.stop()
        client.close()
    note = (
        f"{report.pool_kills} pool, {report.main_kills} main, {report.group_kills} group kills; "
        f"{in_flight_hits} with tasks unacked"
    )
    return Result("kill -9 workers", ledger, report.total, time.monotonic() - started, note)


def sigterm_in_flight(settings: Settings, log_dir: Path, *, documents: int, seed: int = 2) -> Result:
    """SIGTERM a worker while it holds tasks; a second worker must complete everything."""
    docs = harness.corpus(documents, seed=seed, tag="t")
    client = redis.Redis.from_url(str(settings.redis_url))
    # Slow tasks, so the SIGTERM surely lands while one runs: each document sleeps in the stage.
    slow = {"FAULTS_SLOW_SECONDS": "0.2"}
    first = harness.start_worker(settings, log_dir, "term-a", concurrency=2, **slow)
    second: WorkerProcess | None = None
    started = time.monotonic()
    try:
        harness.submit_all(settings, docs, batch_size=5)
        harness.wait_for_running(first)
        running = harness.unacked(client, settings)
        # SIGTERM to the main process only, as `docker stop` does: a warm shutdown, in which
        # running tasks finish and prefetched ones go back to the queue.
        sigterms = harness.terminate_main(first)
        left_unacked = harness.unacked(client, settings)
        second = harness.start_worker(settings, log_dir, "term-b")
        ledger = harness.wait_settled(client, settings, [d.id for d in docs], timeout=60)
    finally:
        first.stop()
        if second:
            second.stop()
        client.close()
    figures = {
        "unacked_at_sigterm": running,
        "unacked_after_stop": left_unacked,
        "finished_by_first": harness.tasks_succeeded(first),
        "finished_by_second": harness.tasks_succeeded(second),
        "sigterms_to_stop_first": sigterms,
    }
    note = ", ".join(f"{k}={v}" for k, v in figures.items())
    return Result("SIGTERM in flight", ledger, 1, time.monotonic() - started, note, figures)


POISON_MARKER = "POISON-7f3a"


def poison(
    settings: Settings, log_dir: Path, *, mode: str, documents: int = 30, batch_size: int = 10, seed: int = 3
) -> Result:
    """A document that makes the stage crash (`mode`: raise, kill, hang) in the middle of a batch."""
    docs = harness.corpus(documents, seed=seed, tag=f"p{mode}")
    # The poison sits mid-batch and is otherwise a valid article: only the crash can stop it.
    position = batch_size // 2
    content = docs[position].content + f"\n{POISON_MARKER}\n".encode()
    docs[position] = RawDocument.create(content, channel="cli", filename="poison.txt")
    client = redis.Redis.from_url(str(settings.redis_url))
    env = {"FAULTS_POISON_MARKER": POISON_MARKER, "FAULTS_POISON_MODE": mode}
    worker = harness.start_worker(settings, log_dir, f"poison-{mode}", concurrency=2, **env)
    started = time.monotonic()
    try:
        harness.submit_all(settings, docs, batch_size=batch_size)
        ledger = harness.wait_settled(client, settings, [d.id for d in docs], timeout=90)
        letters = harness.dead_letters(client, settings, docs[position].id)
    finally:
        worker.stop()
        client.close()
    figures = {
        "poison_dead_letters": len(letters),
        "poison_attempts": letters[0]["attempts"] if letters else 0,
        "crashes_logged": harness.crashes_logged(worker, docs[position].id),
    }
    note = ", ".join(f"{k}={v}" for k, v in figures.items())
    if letters:
        note += f"; reason: {letters[0]['reason'][:80]}"
    return Result(f"poison document ({mode})", ledger, 1, time.monotonic() - started, note, figures)


# A consumer that reads a batch, acks the first half, reports, then hangs until it is killed.
_DYING_CONSUMER = """
import sys, time, redis
from services.consumer import StreamConsumer
from services.keys import Keys
client = redis.Redis.from_url(sys.argv[1])
stream, group, batch = sys.argv[2], sys.argv[3], int(sys.argv[4])
consumer = StreamConsumer(client, stream, group=group, name="dying", from_start=True, batch=batch)
messages = consumer.read(block_ms=1000)
half = messages[: len(messages) // 2]
consumer.ack(*half)
print(" ".join(m.entry_id for m in half), flush=True)
time.sleep(120)
"""


def consumer_reclaim(settings: Settings, *, events: int = 60, read_by_dying: int = 30) -> Result:
    """kill -9 a consumer holding unacked entries; a live consumer of the group takes them over."""
    keys = Keys.from_settings(settings)
    client = redis.Redis.from_url(str(settings.redis_url))
    published = harness.publish_events(client, keys, events)
    group = "reclaim"
    live = StreamConsumer(client, keys.events, group=group, name="live", from_start=True, claim_idle_ms=1500,
                          block_ms=100, batch=10)  # fmt: skip
    started = time.monotonic()
    dying = subprocess.Popen(
        [
            sys.executable,
            "-c",
            _DYING_CONSUMER,
            str(settings.redis_url),
            keys.events,
            group,
            str(read_by_dying),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    handled: list[str] = []
    try:
        assert dying.stdout is not None
        acked_by_dying = dying.stdout.readline().split()
        stream = live.messages()
        # The live consumer takes the entries nobody read yet; the dying one still holds its half.
        while len(handled) < events - read_by_dying:
            message = next(stream)
            handled.append(message.entry_id)
            live.ack(message)
        dying.kill()
        dying.wait()
        deadline = time.monotonic() + 20
        while len(handled) < events - len(acked_by_dying) and time.monotonic() < deadline:
            message = next(stream)
            handled.append(message.entry_id)
            live.ack(message)
        pending = int(client.xpending(keys.events, group)["pending"])
    finally:
        if dying.poll() is None:
            dying.kill()
            dying.wait()
        if dying.stdout:
            dying.stdout.close()
        client.close()
    seen = Counter(handled + acked_by_dying)
    ledger = harness.Ledger(
        expected=len(published),
        events=len(handled) + len(acked_by_dying),
        missing=sorted(set(published) - seen.keys()),
        duplicated={entry: n for entry, n in seen.items() if n > 1},
        unexpected=sorted(seen.keys() - set(published)),
    )
    figures = {"reclaimed": len(handled) - (events - read_by_dying), "pending_after": pending}
    note = ", ".join(f"{k}={v}" for k, v in figures.items())
    return Result(
        "consumer killed with entries pending", ledger, 1, time.monotonic() - started, note, figures
    )


def redis_restart(
    base: Settings,
    data_dir: Path,
    log_dir: Path,
    *,
    documents: int,
    restarts: int,
    appendfsync: str = "always",
    down_seconds: float = 1.0,
    batch_size: int = 5,
    pause: float = 0.1,
) -> Result:
    """kill -9 Redis (AOF on) and start it again, `restarts` times, while documents flow.

    Runs on a private EmbeddedRedis on a free port, never the shared one. The producer retries a
    submit that failed (as a webhook client retries a 5xx): a document counts as accepted once
    its submit returned. Every accepted one must come out exactly once.
    """
    server = EmbeddedRedis(data_dir).start()
    harness.set_appendfsync(server, appendfsync)
    settings = base.model_copy(update={"redis_url": server.url})
    docs = harness.corpus(documents, seed=4, tag="r")
    slow = {"FAULTS_SLOW_SECONDS": "0.02"}
    workers = [harness.start_worker(settings, log_dir, f"redis-w{i}", **slow) for i in range(2)]
    submit_errors: list[str] = []
    producer = threading.Thread(
        target=harness.submit_retrying, args=(settings, docs, batch_size, pause, submit_errors)
    )
    started = time.monotonic()
    producer.start()
    try:
        interval = (documents / batch_size) * pause / (restarts + 1)
        for _ in range(restarts):
            time.sleep(interval)
            assert server.process is not None
            server.process.kill()  # SIGKILL: no shutdown, no final AOF rewrite
            server.process.wait()
            time.sleep(down_seconds)
            server.start()
            harness.set_appendfsync(server, appendfsync)
        producer.join()
        client = redis.Redis.from_url(server.url)
        try:
            ledger = harness.wait_settled(client, settings, [d.id for d in docs], timeout=120)
        finally:
            client.close()
    finally:
        producer.join()
        for worker in workers:
            worker.stop()
        server.stop()
    figures = {"restarts": restarts, "submit_errors_retried": len(submit_errors)}
    note = f"appendfsync {appendfsync}, down {down_seconds} s each, {len(submit_errors)} submits retried"
    return Result("Redis kill -9 + restart", ledger, restarts, time.monotonic() - started, note, figures)


def hostile_webhook(settings: Settings, log_dir: Path, *, requests: int, seed: int = 6) -> Result:
    """Send `requests` hostile requests to a real `newswire api` process: all must be refused
    with a 4xx, nothing may be enqueued, and the server's memory must stay flat."""
    secret = "whsec_" + base64.b64encode(b"fault-suite-webhook-secret-0123").decode()
    port = free_port()
    env = env_for(
        settings,
        NEWSWIRE_WEBHOOK_SECRETS=secret,
        NEWSWIRE_API_TOKENS="fault-suite-token",
        NEWSWIRE_API_HOST="127.0.0.1",
        NEWSWIRE_API_PORT=str(port),
        NEWSWIRE_API_RATE_LIMIT="0",  # every request must reach the checks, not stop at 429
        NEWSWIRE_API_MAX_BODY_BYTES="65536",
    )
    client = redis.Redis.from_url(str(settings.redis_url))
    keys = Keys.from_settings(settings)
    rng = random.Random(seed)
    statuses: Counter[int] = Counter()
    per_kind: dict[str, Counter[int]] = {}
    started = time.monotonic()
    with (log_dir / "api.log").open("ab") as log:
        server = subprocess.Popen(
            [sys.executable, "-m", "services.cli", "api"], stdout=log, stderr=subprocess.STDOUT, env=env
        )
    http = httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30)
    try:
        harness.wait_for(lambda: _healthy(http, server), timeout=30, what="API up")
        kinds = list(harness.HOSTILE_REQUESTS)
        warm = max(requests // 10, 50)
        rss_start = 0
        for number in range(requests):
            if number == warm:
                rss_start = psutil.Process(server.pid).memory_info().rss
            kind = kinds[number % len(kinds)]
            method, path, headers, body = harness.HOSTILE_REQUESTS[kind](secret, rng)
            response = http.request(method, path, headers=headers, content=body)
            statuses[response.status_code] += 1
            per_kind.setdefault(kind, Counter())[response.status_code] += 1
        rss_end = psutil.Process(server.pid).memory_info().rss
        enqueued = (
            int(client.llen(keys.celery_prefix() + settings.queue))
            + int(client.xlen(keys.fetch_requests))
            + sum(int(v) for k, v in client.hgetall(keys.counters).items() if k.startswith(b"documents_in"))
        )
        # Control: the same signer on a genuine request is accepted, so the refusals above are the
        # hostile parts' doing, not a broken signature helper.
        body = b" date 2024-04-01 Control\n\nASTANA. KAZINFORM - The control request of the fault suite.\n"
        headers = {"content-type": "text/plain", **harness.signed(secret, body)}
        control = http.post("/v1/documents", headers=headers, content=body).status_code
        control_queued = int(client.llen(keys.celery_prefix() + settings.queue))
    finally:
        http.close()
        server.terminate()
        server.wait(15)
        client.close()
    refused = sum(n for code, n in statuses.items() if 400 <= code < 500)
    figures = {
        "requests": requests,
        "refused_4xx": refused,
        "not_4xx": requests - refused,
        "enqueued": enqueued,
        "rss_growth_kib": (rss_end - rss_start) // 1024,
        "rss_end_mib": rss_end // 2**20,
        "control_status": control,
        "control_queued": control_queued,
    }
    wrong = {kind: dict(c) for kind, c in per_kind.items() if any(not 400 <= code < 500 for code in c)}
    note = f"status codes {dict(sorted(statuses.items()))}" + (f"; NOT 4xx: {wrong}" if wrong else "")
    ledger = harness.Ledger(
        expected=0, unexpected=[f"{requests - refused} not refused"] if refused < requests else []
    )
    return Result("hostile webhook requests", ledger, requests, time.monotonic() - started, note, figures)


def _healthy(http: httpx.Client, server: subprocess.Popen[bytes]) -> bool:
    if server.poll() is not None:
        raise AssertionError("newswire api exited at startup")
    try:
        return http.get("/healthz").status_code == 200
    except httpx.TransportError:
        return False
