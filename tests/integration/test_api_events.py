"""GET /v1/events (SSE), /readyz, /healthz and /metrics against a real API server and a real Redis."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import redis
from pydantic import SecretStr

from schemas import NewsEvent, Place, RawDocument, Topic
from services.keys import Keys
from services.settings import Settings
from services.sink import Sink
from tests.support import ApiServer, WorkerProcess
from workers.pipeline import process

TOKEN = "events-test-token"
BEARER = {"Authorization": f"Bearer {TOKEN}"}
DUMP = (
    " date 2024-06-{day:02d} Orchestra tour number {n} announced in Astana\n\n"
    "ASTANA. KAZINFORM - The state symphony orchestra announced its tour number {n} on Friday, "
    "with concerts planned in twelve cities over the summer months, the ministry of culture said. "
    "Tickets go on sale next week at the concert hall and online.\n"
)


@pytest.fixture
def server(settings: Settings) -> Iterator[ApiServer]:
    """A real API server with a bearer token configured."""
    api = ApiServer(settings.model_copy(update={"api_tokens": SecretStr(TOKEN)})).start()
    yield api
    api.stop()


@pytest.fixture
def client(server: ApiServer) -> Iterator[httpx.Client]:
    """A client of the server."""
    with httpx.Client(base_url=server.url, timeout=httpx.Timeout(10, read=15)) as http:
        yield http


def _event(n: int, **update: object) -> NewsEvent:
    raw = RawDocument.create(DUMP.format(day=1 + n % 28, n=n).encode(), channel="cli")
    [event] = process(raw).events
    # Places and topics only as the test sets them, whatever the enrichers found.
    return event.model_copy(update={"places": [], "topics": [], **update})


def _publish(r: redis.Redis, keys: Keys, *events: NewsEvent) -> list[str]:
    sink = Sink(r, keys, maxlen=1000, dedup_ttl=600, status_ttl=600)
    return [result.entry_id for result in sink.publish(list(events))]


def _read(
    client: httpx.Client, count: int, *, headers: dict[str, str] | None = None, **params: str
) -> list[dict[str, str]]:
    """The first `count` SSE messages (id and data), then close the stream."""
    messages: list[dict[str, str]] = []
    with client.stream("GET", "/v1/events", params=params, headers={**BEARER, **(headers or {})}) as stream:
        assert stream.status_code == 200
        assert stream.headers["content-type"].startswith("text/event-stream")
        message: dict[str, str] = {}
        for line in stream.iter_lines():
            if line.startswith(("id: ", "data: ")):
                name, _, value = line.partition(": ")
                message[name] = value
            elif not line and "data" in message:
                messages.append(message)
                message = {}
                if len(messages) == count:
                    break
    return messages


def test_sse_resumes_after_last_event_id(client: httpx.Client, keys: Keys, r: redis.Redis) -> None:
    events = [_event(n) for n in range(3)]
    entry_ids = _publish(r, keys, *events)

    resumed = _read(client, 2, headers={"Last-Event-ID": entry_ids[0]})
    assert [m["id"] for m in resumed] == entry_ids[1:]
    assert [json.loads(m["data"])["id"] for m in resumed] == [e.id for e in events[1:]]
    # Reconnecting from the last id seen gets what came after, and nothing twice.
    entry_ids += _publish(r, keys, _event(3))
    again = _read(client, 1, headers={"Last-Event-ID": resumed[-1]["id"]})
    assert [m["id"] for m in again] == entry_ids[3:]


def test_sse_without_last_event_id_sends_only_new_events(
    server: ApiServer, keys: Keys, r: redis.Redis
) -> None:
    _publish(r, keys, _event(10))
    with (
        httpx.Client(base_url=server.url, timeout=httpx.Timeout(10, read=15)) as client,
        client.stream("GET", "/v1/events", headers=BEARER) as stream,
    ):
        # The response has started, so the server has fixed its starting point: publish now.
        [new_entry] = _publish(r, keys, _event(11))
        lines = stream.iter_lines()
        received = next(line for line in lines if line.startswith("id: "))
    assert received == f"id: {new_entry}"


def test_sse_filters_on_language_country_and_topic(client: httpx.Client, keys: Keys, r: redis.Redis) -> None:
    kz = Place(name="Kazakhstan", kind="country", country_code="KZ")
    politics = Topic(code="medtop:11000000", label="politics", score=0.9)
    events = [
        _event(20, language="ru"),
        _event(21, language="en", places=[kz]),
        _event(22, language="en", topics=[politics]),
        _event(23, language="en", places=[kz], topics=[politics]),
    ]
    ids = _publish(r, keys, *events)
    assert [m["id"] for m in _read(client, 1, after="0", language="ru", limit="1")] == [ids[0]]
    assert [m["id"] for m in _read(client, 2, after="0", country="kz")] == [ids[1], ids[3]]
    assert [m["id"] for m in _read(client, 2, after="0", topic="medtop:11000000")] == [ids[2], ids[3]]
    assert [m["id"] for m in _read(client, 1, after="0", language="en", country="KZ", topic="politics")] == [
        ids[3]
    ]


def test_sse_limit_closes_the_stream(client: httpx.Client, keys: Keys, r: redis.Redis) -> None:
    _publish(r, keys, *(_event(n) for n in range(30, 33)))
    with client.stream("GET", "/v1/events", params={"after": "0", "limit": "2"}, headers=BEARER) as stream:
        body = stream.read().decode()  # returns only because the server ends the stream
    ids = [line for line in body.splitlines() if line.startswith("id: ")]
    assert len(ids) == 2


def test_sse_refuses_a_malformed_last_event_id(client: httpx.Client) -> None:
    answer = client.get("/v1/events", headers={**BEARER, "Last-Event-ID": "yesterday"})
    assert answer.status_code == 422
    assert "stream entry id" in answer.json()["detail"]


def test_readyz_is_503_without_a_worker_and_200_with_one(
    settings: Settings, server: ApiServer, client: httpx.Client, tmp_path: Path
) -> None:
    alone = client.get("/readyz")
    assert alone.status_code == 503
    assert alone.json()["redis"] is True
    assert "no worker" in alone.json()["detail"]

    worker = WorkerProcess(settings, tmp_path / "worker.log").start()
    try:
        fresh = ApiServer(settings).start()  # its own probe cache
        try:
            ready = httpx.get(f"{fresh.url}/readyz", timeout=10)
        finally:
            fresh.stop()
    finally:
        worker.stop()
    assert ready.status_code == 200
    assert ready.json() == {"ready": True, "redis": True, "workers": 1, "detail": "ok"}


def test_healthz_metrics_and_docs_answer(client: httpx.Client, settings: Settings) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
    client.post(
        "/v1/documents",
        content=DUMP.format(day=1, n=1).encode(),
        headers={"Content-Type": "text/plain", **BEARER},
    )
    client.post("/v1/documents", content=b"x", headers={"Content-Type": "text/plain"})
    metrics = client.get("/metrics")
    assert metrics.status_code == 200
    assert 'newswire_api_requests_total{method="POST",route="/v1/documents",status="202"} 1.0' in metrics.text
    assert 'newswire_api_requests_total{method="POST",route="/v1/documents",status="401"} 1.0' in metrics.text
    assert "newswire_api_documents_accepted_total 1.0" in metrics.text
    # The pipeline's picture from Redis too: the one task waits in the queue (no worker here).
    assert "newswire_redis_up 1.0" in metrics.text
    assert f'newswire_queue_depth{{queue="{settings.queue}"}} 1.0' in metrics.text
    assert 'newswire_documents_received_total{channel="webhook"} 1.0' in metrics.text
    families = [line.split()[2] for line in metrics.text.splitlines() if line.startswith("# TYPE ")]
    assert len(families) == len(set(families))  # no metric name exposed twice
    assert client.get("/docs").status_code == 200
    assert "/v1/events" in client.get("/openapi.json").json()["paths"]
