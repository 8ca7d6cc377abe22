"""Idempotency, the body cap, the rate limit, fetch requests and Redis outages, against a real API server."""

from __future__ import annotations

import base64
import json
import select
import socket
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
import redis
from pydantic import RedisDsn, SecretStr

from schemas import RawDocument
from services.embedded import free_port
from services.keys import Keys
from services.settings import Settings
from tests.support import ApiServer, signed_headers

SECRET = "whsec_" + base64.b64encode(b"limits-test-secret-0123456789abc").decode()
TOKEN = "limits-test-token"
BEARER = {"Authorization": f"Bearer {TOKEN}"}
BODY = b" date 2024-05-20 Ferry service resumes\n\nAKTAU. KAZINFORM - The ferry to Baku resumed on Monday.\n"

Serve = Callable[..., httpx.Client]


@pytest.fixture
def serve(settings: Settings) -> Iterator[Serve]:
    """Start a real API server (secret and token configured, plus overrides); returns a client of it."""
    started: list[tuple[ApiServer, httpx.Client]] = []

    def start(**overrides: object) -> httpx.Client:
        update = {"webhook_secrets": SecretStr(SECRET), "api_tokens": SecretStr(TOKEN), **overrides}
        server = ApiServer(settings.model_copy(update=update)).start()
        client = httpx.Client(base_url=server.url, timeout=20)
        started.append((server, client))
        return client

    yield start
    for server, client in started:
        client.close()
        server.stop()


@pytest.fixture
def client(serve: Serve) -> httpx.Client:
    """A server with the default limits."""
    return serve()


def _queued(r: redis.Redis, keys: Keys, settings: Settings) -> int:
    return int(r.llen(f"{keys.celery_prefix()}{settings.queue}"))


def _post(client: httpx.Client, body: bytes, headers: dict[str, str]) -> httpx.Response:
    return client.post("/v1/documents", content=body, headers={"Content-Type": "text/plain", **headers})


def test_ten_concurrent_replays_of_one_signed_request_enqueue_one_task(
    client: httpx.Client, settings: Settings, keys: Keys, r: redis.Redis
) -> None:
    headers = signed_headers(SECRET, BODY)
    with ThreadPoolExecutor(10) as pool:
        answers = list(pool.map(lambda _: _post(client, BODY, headers), range(10)))
    assert [a.status_code for a in answers] == [202] * 10
    assert len({a.text for a in answers}) == 1  # every replay got the first answer
    assert sum(a.headers.get("Idempotent-Replayed") == "true" for a in answers) == 9
    assert _queued(r, keys, settings) == 1
    # And later, sequentially: still the same answer, still one task.
    assert _post(client, BODY, headers).text == answers[0].text
    assert _queued(r, keys, settings) == 1


def test_an_idempotency_key_reused_for_another_body_is_refused(
    client: httpx.Client, settings: Settings, keys: Keys, r: redis.Redis
) -> None:
    first = _post(client, BODY, {**BEARER, "Idempotency-Key": "order-17"})
    assert first.status_code == 202
    again = _post(client, BODY, {**BEARER, "Idempotency-Key": "order-17"})
    assert again.json() == first.json()
    other = _post(client, BODY + b"changed", {**BEARER, "Idempotency-Key": "order-17"})
    assert other.status_code == 422
    assert other.json()["code"] == "idempotency_key_reused"
    # The same webhook-id re-signed over another body is the same misuse.
    headers = signed_headers(SECRET, BODY, msg_id="msg_fixed")
    assert _post(client, BODY, headers).status_code == 202
    resigned = signed_headers(SECRET, BODY + b"2", msg_id="msg_fixed")
    assert _post(client, BODY + b"2", resigned).status_code == 422
    assert _queued(r, keys, settings) == 2


def test_a_failed_first_attempt_frees_its_idempotency_key(
    client: httpx.Client, settings: Settings, keys: Keys, r: redis.Redis
) -> None:
    bad = _post(client, b"   ", {**BEARER, "Idempotency-Key": "retry-me"})
    assert bad.status_code == 422
    good = client.post(
        "/v1/documents",
        content=b"   ",
        headers={"Content-Type": "text/plain", **BEARER, "Idempotency-Key": "retry-me"},
    )
    assert good.status_code == 422
    assert _post(client, BODY, {**BEARER, "Idempotency-Key": "retry-me"}).status_code == 202
    assert _queued(r, keys, settings) == 1


def test_an_oversized_body_without_content_length_gets_413_and_nothing_is_queued(
    serve: Serve, settings: Settings, keys: Keys, r: redis.Redis
) -> None:
    client = serve(api_max_body_bytes=64 * 1024)
    port = int(client.base_url.port or 0)
    chunk = b"x" * (16 * 1024)
    sent = 0
    # A raw socket, so we can watch for the answer while still sending (httpx sends everything first).
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        head = (
            f"POST /v1/documents HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: text/plain\r\n"
            f"Authorization: Bearer {TOKEN}\r\nTransfer-Encoding: chunked\r\n\r\n"
        )
        sock.sendall(head.encode())
        while sent < 256 * 1024 * 1024 and not select.select([sock], [], [], 0)[0]:
            sock.sendall(b"%x\r\n%s\r\n" % (len(chunk), chunk))
            sent += len(chunk)
        reply = b""
        while b"\r\n\r\n" not in reply or not reply.rstrip().endswith(b"}"):
            data = sock.recv(65536)
            if not data:
                break
            reply += data
    answer = reply.decode()
    assert answer.startswith("HTTP/1.1 413 ")
    assert "65536 bytes" in answer
    # It answered long before a client streaming 256 MiB was done: it stopped reading at the cap.
    assert sent < 32 * 1024 * 1024
    assert _queued(r, keys, settings) == 0


def test_a_declared_oversized_body_gets_413_before_it_is_read(
    serve: Serve, settings: Settings, keys: Keys, r: redis.Redis
) -> None:
    client = serve(api_max_body_bytes=4096)
    answer = _post(client, b"y" * 5000, BEARER)
    assert answer.status_code == 413
    assert _queued(r, keys, settings) == 0


def test_a_client_over_its_rate_limit_gets_429_with_retry_after(serve: Serve) -> None:
    client = serve(api_rate_limit=5, api_rate_limit_window_seconds=60)
    statuses = [_post(client, BODY + bytes([65 + i]), BEARER).status_code for i in range(5)]
    assert statuses == [202] * 5
    refused = _post(client, BODY, BEARER)
    assert refused.status_code == 429
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    assert "more than 5 requests" in refused.json()["detail"]


def test_refused_requests_count_against_the_rate_limit(serve: Serve) -> None:
    client = serve(api_rate_limit=2, api_rate_limit_window_seconds=60)
    wrong = {"Authorization": "Bearer not-the-token"}
    assert [_post(client, BODY, wrong).status_code for _ in range(2)] == [401, 401]
    # The third request is genuine, but the two guesses used up the client's window.
    assert _post(client, BODY, BEARER).status_code == 429


def test_a_send_the_broker_refused_leaves_no_status_and_frees_the_idempotency_key(
    serve: Serve, settings: Settings, keys: Keys, r: redis.Redis
) -> None:
    # Redis for status and keys answers; the broker does not (nothing listens on its port).
    client = serve(broker_url=f"redis://127.0.0.1:{free_port()}/0")
    answer = _post(client, BODY, {**BEARER, "Idempotency-Key": "broker-down-1"})
    assert answer.status_code == 503, answer.text
    assert "unavailable" in answer.json()["detail"]
    doc_id = RawDocument.make_id(BODY)
    assert r.exists(keys.status(doc_id)) == 0  # not "queued": the broker never held it
    assert r.hget(keys.counters, "documents_in:webhook") is None
    assert list(r.scan_iter(match=keys.idempotency("*"))) == []  # a retry can run


def test_fetch_requests_go_onto_the_fetch_stream(client: httpx.Client, keys: Keys, r: redis.Redis) -> None:
    urls = ["https://www.inform.kz/en/news-1", "http://example.org/a?b=c"]
    answer = client.post("/v1/fetch", json={"urls": urls, "source_name": "Kazinform"}, headers=BEARER)
    assert answer.status_code == 202, answer.text
    accepted = answer.json()["requests"]
    entries = r.xrange(keys.fetch_requests)
    assert [fields["url"] for _, fields in entries] == urls
    assert [entry_id for entry_id, _ in entries] == [a["entry_id"] for a in accepted]
    assert all(fields["source_name"] == "Kazinform" for _, fields in entries)
    assert [fields["request_id"] for _, fields in entries] == [a["request_id"] for a in accepted]


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ({"urls": ["ftp://example.org/file"]}, "body.urls.0"),
        ({"urls": ["not a url"]}, "body.urls.0"),
        ({"urls": []}, "body.urls"),
        ({"links": ["https://example.org/"]}, "body.urls"),
        (["https://example.org/"], "body"),
    ],
)
def test_fetch_requests_with_bad_urls_get_422_and_add_nothing(
    client: httpx.Client, keys: Keys, r: redis.Redis, body: object, reason: str
) -> None:
    answer = client.post(
        "/v1/fetch", content=json.dumps(body), headers={"Content-Type": "application/json", **BEARER}
    )
    assert answer.status_code == 422
    assert reason in answer.json()["detail"]
    assert r.exists(keys.fetch_requests) == 0


def test_fetch_requests_must_be_json(client: httpx.Client) -> None:
    answer = client.post(
        "/v1/fetch", content=b"https://example.org/", headers={"Content-Type": "text/plain", **BEARER}
    )
    assert answer.status_code == 415


def test_redis_down_gets_503_with_a_reason_not_a_crash(settings: Settings) -> None:
    dead = settings.model_copy(
        update={"redis_url": RedisDsn(f"redis://127.0.0.1:{free_port()}/0"), "api_tokens": SecretStr(TOKEN)}
    )
    server = ApiServer(dead).start()
    try:
        with httpx.Client(base_url=server.url, timeout=30) as client:
            answer = _post(client, BODY, BEARER)
            assert answer.status_code == 503
            assert "unavailable" in answer.json()["detail"]
            assert answer.headers["Retry-After"] == "5"
            ready = client.get("/readyz")
            assert ready.status_code == 503
            assert ready.json()["redis"] is False
            assert client.get("/healthz").status_code == 200
    finally:
        server.stop()
