"""POST /v1/documents and GET /v1/documents/{id} against a real uvicorn, a real Redis and a real worker."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator

import httpx
import pytest
import redis

from services.keys import Keys
from services.settings import Settings
from tests.support import ApiServer, WorkerProcess, signed_headers, wait_for

SECRET = "whsec_" + base64.b64encode(b"documents-test-secret-0123456789").decode()
TOKEN = "documents-test-token"
DUMP = (
    " date 2024-03-12 Almaty opens three new bicycle lanes along Abay Avenue\n\n"
    "ALMATY. KAZINFORM - The city administration opened three new bicycle lanes along Abay Avenue "
    "on Tuesday, linking the university district with the central park, officials said. The lanes "
    "are separated from car traffic by concrete kerbs and will be cleared of snow in winter.\n"
)


@pytest.fixture
def api_settings(settings: Settings) -> Settings:
    """The test's settings with a signing secret and a bearer token configured."""
    return settings.model_copy(update={"webhook_secrets": _secret(SECRET), "api_tokens": _secret(TOKEN)})


@pytest.fixture
def client(api_settings: Settings) -> Iterator[httpx.Client]:
    """An HTTP client of a real API server on 127.0.0.1."""
    server = ApiServer(api_settings).start()
    with httpx.Client(base_url=server.url, timeout=10) as http:
        yield http
    server.stop()


def _secret(value: str) -> object:
    from pydantic import SecretStr

    return SecretStr(value)


def _queued(r: redis.Redis, keys: Keys, settings: Settings) -> int:
    return int(r.llen(f"{keys.celery_prefix()}{settings.queue}"))


def _bearer() -> dict[str, str]:
    return {"Authorization": f"Bearer {TOKEN}"}


def test_signed_dump_reaches_the_event_stream_through_a_real_worker(
    client: httpx.Client, api_settings: Settings, keys: Keys, r: redis.Redis, worker: WorkerProcess
) -> None:
    body = DUMP.encode()
    headers = {"Content-Type": "text/plain; charset=utf-8", **signed_headers(SECRET, body)}
    answer = client.post("/v1/documents?source=Kazinform", content=body, headers=headers)
    assert answer.status_code == 202, answer.text
    [doc] = answer.json()["documents"]
    assert doc["status_url"] == f"/v1/documents/{doc['id']}"

    wait_for(lambda: r.xlen(keys.events) == 1, what="the event on the stream")
    [(entry_id, fields)] = r.xrange(keys.events)
    event = json.loads(fields["data"])
    assert event["headline"] == "Almaty opens three new bicycle lanes along Abay Avenue"
    assert event["provenance"]["channel"] == "webhook"
    assert event["provenance"]["doc_id"] == doc["id"]

    def published() -> dict[str, object] | None:
        status = client.get(doc["status_url"], headers=_bearer()).json()
        return status if status["state"] == "published" else None

    status = wait_for(published, what="status published")
    assert status["event_ids"] == [event["id"]]
    assert status["entry_ids"] == [entry_id]


def test_each_content_type_is_queued_as_its_documents(
    client: httpx.Client, api_settings: Settings, keys: Keys, r: redis.Redis
) -> None:
    html = b"<html><head><title>Bridge</title></head><body><p>A new bridge opened.</p></body></html>"
    one = json.dumps({"url": "https://news.example/a/1", "headline": "A", "body": "Text"}).encode()
    batch = b'{"headline": "one", "body": "x"}\n\n{"headline": "two", "body": "y", "url": "https://e.example/2"}\n'
    posts = [
        ("text/plain", DUMP.encode(), 1),
        ("text/html", html, 1),
        ("application/json", one, 1),
        ("application/x-ndjson", batch, 2),
    ]
    ids = []
    for content_type, body, count in posts:
        answer = client.post(
            "/v1/documents", content=body, headers={"Content-Type": content_type, **_bearer()}
        )
        assert answer.status_code == 202, (content_type, answer.text)
        assert answer.json()["accepted"] == count
        ids += [d["id"] for d in answer.json()["documents"]]
    assert _queued(r, keys, api_settings) == 4  # one task per request, the batch in one task
    assert len(set(ids)) == 5
    status = client.get(f"/v1/documents/{ids[0]}", headers=_bearer()).json()
    assert status["state"] == "queued"
    assert status["event_ids"] == status["entry_ids"] == []


def test_source_and_url_from_headers_are_kept_on_the_document(
    client: httpx.Client, api_settings: Settings, keys: Keys, r: redis.Redis
) -> None:
    headers = {
        "Content-Type": "text/plain",
        "X-Source-Name": "Kazinform",
        "X-Document-Url": "https://www.inform.kz/en/bicycle-lanes",
        **_bearer(),
    }
    assert client.post("/v1/documents", content=DUMP.encode(), headers=headers).status_code == 202
    [message] = r.lrange(f"{keys.celery_prefix()}{api_settings.queue}", 0, -1)
    envelope = json.loads(message)
    # The producer writes the body as is (body_encoding utf-8), not base64: the message says which.
    assert envelope["properties"]["body_encoding"] == "utf-8"
    [document] = json.loads(envelope["body"])[0][0]
    assert document["source_name"] == "Kazinform"
    assert document["url"] == "https://www.inform.kz/en/bicycle-lanes"
    assert document["channel"] == "webhook"


@pytest.mark.parametrize(
    ("content_type", "body", "status", "reason"),
    [
        ("application/pdf", b"%PDF-1.7", 415, "application/pdf"),
        (None, b"hello", 415, "no Content-Type"),
        ("application/json", b"[1, 2]", 422, "must be one JSON object"),
        ("application/json", b"{not json", 422, "not valid JSON"),
        ("application/x-ndjson", b'{"a": 1}\n{"b": \n', 422, "line 2"),
        ("text/plain", b"  \n ", 422, "empty"),
    ],
)
def test_bad_bodies_get_a_reason_and_queue_nothing(
    client: httpx.Client,
    api_settings: Settings,
    keys: Keys,
    r: redis.Redis,
    content_type: str | None,
    body: bytes,
    status: int,
    reason: str,
) -> None:
    headers = {"Content-Type": content_type} if content_type else {}
    answer = client.post("/v1/documents", content=body, headers={**headers, **_bearer()})
    assert answer.status_code == status
    assert reason in answer.json()["detail"]
    assert answer.json()["status"] == status
    assert _queued(r, keys, api_settings) == 0


def test_a_url_that_is_not_http_is_refused(client: httpx.Client) -> None:
    answer = client.post(
        "/v1/documents?url=file:///etc/passwd",
        content=b"text",
        headers={"Content-Type": "text/plain", **_bearer()},
    )
    assert answer.status_code == 422
    assert "http(s)" in answer.json()["detail"]


def test_unknown_document_is_404_and_a_malformed_id_422(client: httpx.Client) -> None:
    missing = client.get("/v1/documents/doc_" + "0" * 24, headers=_bearer())
    assert missing.status_code == 404
    assert "never accepted" in missing.json()["detail"]
    malformed = client.get("/v1/documents/../../etc", headers=_bearer())
    assert malformed.status_code in (404, 422)
    assert client.get("/v1/documents/doc_xyz", headers=_bearer()).status_code == 422


def test_cli_api_command_serves_the_app(api_settings: Settings) -> None:
    import subprocess
    import sys

    from services.embedded import free_port
    from tests.support import env_for

    port = free_port()
    env = env_for(api_settings, NEWSWIRE_API_TOKENS=TOKEN)
    env.pop("NEWSWIRE_WEBHOOK_SECRETS", None)
    process = subprocess.Popen(
        [sys.executable, "-m", "services.cli", "api", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:

        def healthy() -> bool:
            try:
                return httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).json() == {"status": "ok"}
            except httpx.HTTPError:
                return False

        wait_for(healthy, timeout=30, what="newswire api answering /healthz")
        docs = httpx.get(f"http://127.0.0.1:{port}/docs", timeout=5)
        assert docs.status_code == 200
        assert "swagger" in docs.text.lower()
        answer = httpx.post(
            f"http://127.0.0.1:{port}/v1/documents",
            content=DUMP.encode(),
            headers={"Content-Type": "text/plain", **_bearer()},
            timeout=10,
        )
        assert answer.status_code == 202, answer.text
    finally:
        process.terminate()
        process.wait(15)


def test_the_task_message_is_the_one_celery_send_task_writes(settings: Settings, r: redis.Redis) -> None:
    # The Enqueuer builds the queue entry itself (services/queue.py); kombu's own publish of the
    # same task must give the same entry but for the ids, so any Celery worker reads it alike.
    from schemas import RawDocument
    from services.queue import Enqueuer
    from workers.app import TASK_NAME, create_app

    documents = [RawDocument.create(DUMP.encode(), channel="webhook", content_type="text/plain")]
    app = create_app(settings)
    app.conf.broker_transport_options = {**app.conf.broker_transport_options, "body_encoding": "utf-8"}
    app.send_task(
        TASK_NAME,
        args=[[doc.model_dump(mode="json") for doc in documents]],
        queue=settings.queue,
        argsrepr="[<1 documents>]",
    )
    app.close()
    enqueuer = Enqueuer(settings)
    enqueuer.submit(documents)
    enqueuer.close()
    queue = Keys.from_settings(settings).celery_queue(settings.queue)
    ours, celerys = (json.loads(entry) for entry in r.lrange(queue, 0, 1))
    for entry in (ours, celerys):
        entry["body"] = json.loads(entry["body"])
        headers, properties = entry["headers"], entry["properties"]
        assert headers["id"] == headers["root_id"] == properties["correlation_id"]
        headers["id"] = headers["root_id"] = properties["correlation_id"] = properties["delivery_tag"] = "-"
        properties["reply_to"] = "-"  # the app's per-thread oid: two apps here
        # send_task also copies its argsrepr option into the properties; the worker reads the header.
        properties.pop("argsrepr", None)
    assert ours == celerys
