"""Building blocks of the fault scenarios: identifiable documents, worker control, the ledger check.

Shared by the CI suite (tests/faults/, modest sizes) and the large run (bench/faults.py).
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import random
import signal
import subprocess
import time
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psutil
import redis

from schemas import RawDocument
from services.embedded import EmbeddedRedis
from services.keys import Keys
from services.queue import Enqueuer
from services.settings import Settings
from tests.support import WorkerProcess, wait_for

_TOWNS = ["Taraz", "Shymkent", "Oral", "Atyrau", "Semey", "Kokshetau", "Pavlodar", "Turkistan", "Aktobe"]
_SUBJECTS = [
    ("bus depot", "opened a depot for forty electric buses"),
    ("water plant", "finished repairs at the main water treatment plant"),
    ("school", "laid the foundation stone of a school for nine hundred pupils"),
    ("clinic", "equipped the district clinic with two new X-ray machines"),
    ("park", "planted twelve hundred elm and birch saplings in the river park"),
]

# Original text in the dump format: every document is a distinct article (the number makes the
# headline, the body and therefore the event id unique); every `reject_every`-th one is site
# chrome too short to be news, so it must end up as exactly one dead letter instead.
_ARTICLE = (
    " date 2024-03-{day:02d} {town} {subject} report number {n}\n\n"
    "{town_upper}. KAZINFORM – The city administration of {town} {action} on {weekday}, "
    "report number {n} of the municipal press office said. Officials told reporters the work "
    "cost {cost} million tenge and was paid from the regional budget. Residents can send "
    "comments through the city portal until the end of the month, the statement added.\n"
)
_CHROME = "Home | News | Contacts | {n}\n"
_WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday"]


def corpus(count: int, *, seed: int = 7, reject_every: int = 10, tag: str = "") -> list[RawDocument]:
    """`count` distinct documents; every `reject_every`-th is not news (0: none are)."""
    rng = random.Random(seed)
    docs = []
    for n in range(count):
        if reject_every and n % reject_every == reject_every - 1:
            text = _CHROME.format(n=f"{tag}{n}")
        else:
            town = rng.choice(_TOWNS)
            subject, action = rng.choice(_SUBJECTS)
            text = _ARTICLE.format(
                day=1 + n % 28,
                town=town,
                town_upper=town.upper(),
                subject=subject,
                action=action,
                weekday=rng.choice(_WEEKDAYS),
                n=f"{tag}{n}",
                cost=rng.randint(2, 900),
            )
        docs.append(RawDocument.create(text.encode(), channel="cli", filename=f"fault-{tag}{n}.txt"))
    return docs


@dataclass
class Ledger:
    """What the streams hold for a set of accepted documents."""

    expected: int
    events: int = 0
    dead_letters: int = 0
    missing: list[str] = field(default_factory=list)
    duplicated: dict[str, int] = field(default_factory=dict)
    duplicate_event_ids: int = 0
    unexpected: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """Every document exactly once (one event or one dead letter), nothing else."""
        return not (self.missing or self.duplicated or self.duplicate_event_ids or self.unexpected)

    def summary(self) -> str:
        """One line for assertion messages and tables."""
        return (
            f"expected={self.expected} events={self.events} dead_letters={self.dead_letters} "
            f"missing={len(self.missing)} duplicated={len(self.duplicated)} "
            f"duplicate_event_ids={self.duplicate_event_ids} unexpected={len(self.unexpected)}"
        )


def account(client: redis.Redis, keys: Keys, doc_ids: Iterable[str]) -> Ledger:
    """Count, per accepted document, its events (provenance.doc_id) and dead letters (doc_id)."""
    expected = set(doc_ids)
    per_doc: Counter[str] = Counter()
    event_ids: Counter[str] = Counter()
    events = letters = 0
    for _, fields in _entries(client, keys.events):
        event = json.loads(fields["data"])
        per_doc[event["provenance"]["doc_id"]] += 1
        event_ids[fields["id"]] += 1
        events += 1
    for _, fields in _entries(client, keys.rejected):
        per_doc[fields["doc_id"]] += 1
        letters += 1
    return Ledger(
        expected=len(expected),
        events=events,
        dead_letters=letters,
        missing=sorted(expected - per_doc.keys()),
        duplicated={doc: n for doc, n in per_doc.items() if n > 1},
        duplicate_event_ids=sum(n - 1 for n in event_ids.values()),
        unexpected=sorted(per_doc.keys() - expected),
    )


def _entries(client: redis.Redis, stream: str) -> Iterable[tuple[str, dict[str, str]]]:
    start = "-"
    while batch := client.xrange(stream, min=start, count=1000):
        for entry_id, fields in batch:
            yield _text(entry_id), {_text(k): _text(v) for k, v in fields.items()}
        start = "(" + _text(batch[-1][0])


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


def broker_backlog(client: redis.Redis, settings: Settings) -> int:
    """Task messages still in the broker: queued plus delivered-but-unacked."""
    prefix = Keys.from_settings(settings).celery_prefix()
    return int(client.llen(prefix + settings.queue)) + int(client.hlen(prefix + "unacked"))


def wait_settled(
    client: redis.Redis, settings: Settings, doc_ids: Sequence[str], *, timeout: float
) -> Ledger:
    """Wait until every document is accounted for and the broker holds no task; return the ledger.

    An empty broker matters: a task still queued or unacked could yet publish a duplicate.
    """
    keys = Keys.from_settings(settings)

    def settled() -> Ledger | None:
        ledger = account(client, keys, doc_ids)
        if not ledger.missing and broker_backlog(client, settings) == 0:
            return ledger
        return None

    try:
        return wait_for(settled, timeout=timeout, interval=0.5, what="every document accounted for")
    except AssertionError as exc:
        ledger = account(client, keys, doc_ids)
        raise AssertionError(
            f"{exc}: {ledger.summary()}, backlog={broker_backlog(client, settings)}"
        ) from None


def submit_all(
    settings: Settings, docs: Sequence[RawDocument], *, batch_size: int, pause: float = 0.0
) -> int:
    """Enqueue the documents in batches, like `newswire ingest`; returns the number of tasks."""
    enqueuer = Enqueuer(settings)
    tasks = 0
    try:
        for _ in enqueuer.submit_many(docs, batch_size):
            tasks += 1
            if pause:
                time.sleep(pause)
    finally:
        enqueuer.close()
    return tasks


def pool_children(worker: WorkerProcess) -> list[int]:
    """Pids of the worker's prefork pool processes."""
    assert worker.process is not None
    try:
        return [child.pid for child in psutil.Process(worker.process.pid).children()]
    except psutil.NoSuchProcess:
        return []


def kill_pool_child(worker: WorkerProcess, rng: random.Random) -> bool:
    """SIGKILL one pool process (the main process notices and replaces it); False if none."""
    children = pool_children(worker)
    if not children:
        return False
    try:
        os.kill(rng.choice(children), signal.SIGKILL)
    except ProcessLookupError:
        return False
    return True


def kill_main(worker: WorkerProcess, *, with_pool: bool) -> None:
    """SIGKILL the worker's main process (and, if asked, its pool at the same instant).

    When only the main process dies, its pool children are orphans: they finish or abandon the
    task they hold; they are killed once they lose their parent so no stray process is left.
    """
    assert worker.process is not None
    pid = worker.process.pid
    if with_pool:
        os.killpg(pid, signal.SIGKILL)
    else:
        children = pool_children(worker)
        os.kill(pid, signal.SIGKILL)
        worker.process.wait()
        # Orphans would go on running a half-finished task: that is the case being tested, so give
        # them a moment, then make sure none is left behind.
        time.sleep(0.2)
        for child in children:
            with contextlib.suppress(ProcessLookupError):
                os.kill(child, signal.SIGKILL)
    worker.process.wait()


@dataclass
class KillReport:
    """What a kill loop did."""

    pool_kills: int = 0
    main_kills: int = 0
    group_kills: int = 0

    @property
    def total(self) -> int:
        """Every SIGKILL sent."""
        return self.pool_kills + self.main_kills + self.group_kills


class FaultyWorker(WorkerProcess):
    """A real worker whose parse stage misbehaves as FAULTS_* says (tests/faults/stage_faults.py)."""

    module = "tests.faults.stage_faults"


def start_worker(
    settings: Settings, log_dir: Path, name: str, *, concurrency: int = 1, **env: str
) -> WorkerProcess:
    """Start a real worker with these settings, logging to log_dir/name.log.

    Any FAULTS_* variable in `env` starts the test-only entry point that wraps the parse stage.
    """
    env.setdefault("NEWSWIRE_VISIBILITY_TIMEOUT", str(settings.visibility_timeout))
    env.setdefault("NEWSWIRE_TASK_SOFT_TIME_LIMIT", str(settings.task_soft_time_limit))
    kind = FaultyWorker if any(var.startswith("FAULTS_") for var in env) else WorkerProcess
    return kind(settings, log_dir / f"{name}.log", concurrency=concurrency, **env).start()


def unacked(client: redis.Redis, settings: Settings) -> int:
    """Task messages delivered to a worker and not acknowledged yet."""
    return int(client.hlen(Keys.from_settings(settings).celery_prefix() + "unacked"))


def wait_for_running(worker: WorkerProcess, count: int = 1, timeout: float = 30) -> None:
    """Wait until the worker's log shows `count` tasks received."""
    wait_for(
        lambda: worker.log_path.read_bytes().count(b"Task newswire.process_documents[") >= count,
        timeout=timeout,
        what="a task running in the worker",
    )


def tasks_succeeded(worker: WorkerProcess) -> int:
    """Tasks the worker's log reports as succeeded."""
    return worker.log_path.read_bytes().count(b"] succeeded in ")


def terminate_main(worker: WorkerProcess, timeout: float = 30) -> int:
    """SIGTERM the worker's main process only and wait for its warm shutdown to end.

    Returns how many SIGTERMs it took. Now and then (about one full test run in five here, Celery
    5.7 on the Redis transport) the main process finishes its running tasks and then waits in its
    event loop until another signal arrives; a second SIGTERM, as `docker stop` would follow with
    SIGKILL, lets it restore its unacknowledged messages and exit. Either way nothing may be lost
    or published twice, which is what the scenario checks.
    """
    assert worker.process is not None
    for signals in (1, 2):
        worker.process.send_signal(signal.SIGTERM)
        try:
            worker.process.wait(timeout)
            return signals
        except subprocess.TimeoutExpired:
            continue
    raise AssertionError(f"the worker did not exit within {timeout} s of each of two SIGTERMs")


def dead_letters(client: redis.Redis, settings: Settings, doc_id: str) -> list[dict[str, Any]]:
    """The dead letters (DeadLetter JSON) of one document."""
    keys = Keys.from_settings(settings)
    return [json.loads(f["data"]) for _, f in _entries(client, keys.rejected) if f["doc_id"] == doc_id]


def crashes_logged(worker: WorkerProcess, doc_id: str) -> int:
    """How many times the worker logged the pipeline crashing on this document."""
    return worker.log_path.read_bytes().count(f"pipeline crashed on {doc_id}".encode())


def publish_events(client: redis.Redis, keys: Keys, count: int, *, seed: int = 5) -> list[str]:
    """Publish `count` real events straight through the sink; returns their stream entry ids."""
    from services.sink import Sink
    from workers.pipeline import process

    events = [
        event for doc in corpus(count, seed=seed, reject_every=0, tag="c") for event in process(doc).events
    ]
    sink = Sink(client, keys, maxlen=1_000_000, dedup_ttl=600, status_ttl=600)
    return [result.entry_id for result in sink.publish(events)]


def set_appendfsync(server: EmbeddedRedis, policy: str) -> None:
    """Set the AOF fsync policy of a running server: always, everysec or no."""
    client = redis.Redis.from_url(server.url)
    try:
        client.config_set("appendfsync", policy)
    finally:
        client.close()


def submit_retrying(
    settings: Settings, docs: Sequence[RawDocument], batch_size: int, pause: float, errors: list[str]
) -> None:
    """Enqueue in batches; a batch whose submit raised (Redis down) is submitted again, so every
    document is accepted in the end. Errors are appended to `errors`."""
    enqueuer = Enqueuer(settings)
    try:
        for start in range(0, len(docs), batch_size):
            batch = docs[start : start + batch_size]
            while True:
                try:
                    enqueuer.submit(batch)
                    break
                except Exception as exc:  # the broker or Redis is down: retry like a client would
                    errors.append(f"{type(exc).__name__}: {exc}")
                    time.sleep(0.3)
            time.sleep(pause)
    finally:
        enqueuer.close()


Request = tuple[str, str, dict[str, str], bytes]
_DUMP = b" date 2024-04-01 Hostile\n\nASTANA. KAZINFORM - A body no refused request may enqueue.\n"


def signed(
    secret: str, body: bytes, *, timestamp: int | None = None, msg_id: str | None = None
) -> dict[str, str]:
    from tests.support import signed_headers

    return signed_headers(secret, body, msg_id=msg_id, timestamp=timestamp)


def _bad_signature(secret: str, rng: random.Random) -> Request:
    headers = signed(secret, _DUMP)
    headers["webhook-signature"] = "v1," + base64.b64encode(rng.randbytes(32)).decode()
    return "POST", "/v1/documents", {"content-type": "text/plain", **headers}, _DUMP


def _tampered(secret: str, rng: random.Random) -> Request:
    headers = signed(secret, _DUMP)
    return "POST", "/v1/documents", {"content-type": "text/plain", **headers}, _DUMP + b"tampered"


def _replayed(secret: str, rng: random.Random) -> Request:
    # A genuine signature captured an hour ago: outside the replay window.
    headers = signed(secret, _DUMP, timestamp=int(time.time()) - 3600 - rng.randrange(10_000))
    return "POST", "/v1/documents", {"content-type": "text/plain", **headers}, _DUMP


def _future(secret: str, rng: random.Random) -> Request:
    headers = signed(secret, _DUMP, timestamp=int(time.time()) + 3600 + rng.randrange(10_000))
    return "POST", "/v1/documents", {"content-type": "text/plain", **headers}, _DUMP


def _oversized(secret: str, rng: random.Random) -> Request:
    body = _DUMP + b"x" * (65536 + rng.randrange(100_000))
    return "POST", "/v1/documents", {"content-type": "text/plain", **signed(secret, body)}, body


def _wrong_type(secret: str, rng: random.Random) -> Request:
    kind = rng.choice(["image/png", "application/octet-stream", "multipart/form-data", "text/csv"])
    return "POST", "/v1/documents", {"content-type": kind, **signed(secret, _DUMP)}, _DUMP


def _malformed_json(secret: str, rng: random.Random) -> Request:
    body = rng.choice(
        [b'{"headline": "x", ', b"{'single': 'quotes'}", b"\xff\xfe{}", b'{"a": 1}}', b"nul\x00"]
    )
    return "POST", "/v1/documents", {"content-type": "application/json", **signed(secret, body)}, body


def _json_not_an_object(secret: str, rng: random.Random) -> Request:
    body = rng.choice([b"[1, 2, 3]", b'"a string"', b"42", b"null", b"true"])
    return "POST", "/v1/documents", {"content-type": "application/json", **signed(secret, body)}, body


def _fetch_wrong_types(secret: str, rng: random.Random) -> Request:
    body = rng.choice(
        [b'{"urls": 5}', b'{"urls": "http://example.com/"}', b'{"urls": []}', b"{}", b'{"urls": [1]}']
    )
    return "POST", "/v1/fetch", {"content-type": "application/json", **signed(secret, body)}, body


def _no_credentials(secret: str, rng: random.Random) -> Request:
    return "POST", "/v1/documents", {"content-type": "text/plain"}, _DUMP


def _wrong_token(secret: str, rng: random.Random) -> Request:
    headers = {"content-type": "text/plain", "authorization": f"Bearer wrong-{rng.randrange(10**9)}"}
    return "POST", "/v1/documents", headers, _DUMP


def _garbage_headers(secret: str, rng: random.Random) -> Request:
    headers = {
        "content-type": "text/plain",
        "webhook-id": "x" * rng.randrange(1, 3000),
        "webhook-timestamp": rng.choice(["abc", "-1", "1e99", "", "99999999999999999999"]),
        "webhook-signature": rng.choice(["", "v1,", "v2,abc", "v1,!!!", "v1," + "A" * 5000]),
    }
    return "POST", "/v1/documents", headers, _DUMP


def _empty_body(secret: str, rng: random.Random) -> Request:
    return "POST", "/v1/documents", {"content-type": "text/plain", **signed(secret, b"")}, b""


HOSTILE_REQUESTS: dict[str, Callable[[str, random.Random], Request]] = {
    "bad signature": _bad_signature,
    "tampered body": _tampered,
    "replayed (stale timestamp)": _replayed,
    "future timestamp": _future,
    "oversized body": _oversized,
    "wrong content type": _wrong_type,
    "malformed JSON": _malformed_json,
    "JSON not an object": _json_not_an_object,
    "fetch with wrong types": _fetch_wrong_types,
    "no credentials": _no_credentials,
    "wrong bearer token": _wrong_token,
    "garbage signature headers": _garbage_headers,
    "empty body": _empty_body,
}
