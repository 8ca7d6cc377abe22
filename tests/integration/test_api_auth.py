"""Authentication against a real API server: Standard Webhooks signatures, bearer tokens, open mode."""

from __future__ import annotations

import base64
import time
from collections.abc import Callable, Iterator

import httpx
import pytest
import redis
from pydantic import SecretStr

from services.keys import Keys
from services.settings import Settings
from tests.support import ApiServer, signed_headers

OLD_SECRET = "whsec_" + base64.b64encode(b"auth-test-old-secret-0123456789ab").decode()
NEW_SECRET = "whsec_" + base64.b64encode(b"auth-test-new-secret-0123456789ab").decode()
WRONG_SECRET = "whsec_" + base64.b64encode(b"auth-test-wrong-secret-012345678").decode()
TOKEN = "auth-test-token"
BODY = b" date 2024-04-01 Test\n\nASTANA. KAZINFORM - A test document body for authentication checks.\n"

Serve = Callable[..., httpx.Client]


@pytest.fixture
def serve(settings: Settings) -> Iterator[Serve]:
    """Start a real API server with the given credential settings; returns a client of it."""
    started: list[tuple[ApiServer, httpx.Client]] = []

    def start(**overrides: object) -> httpx.Client:
        server = ApiServer(settings.model_copy(update=overrides)).start()
        client = httpx.Client(base_url=server.url, timeout=10)
        started.append((server, client))
        return client

    yield start
    for server, client in started:
        client.close()
        server.stop()


@pytest.fixture
def client(serve: Serve) -> httpx.Client:
    """A server accepting the two rotated secrets and one bearer token."""
    return serve(webhook_secrets=SecretStr(f"{OLD_SECRET}, {NEW_SECRET}"), api_tokens=SecretStr(TOKEN))


def _post(client: httpx.Client, headers: dict[str, str], body: bytes = BODY) -> httpx.Response:
    return client.post("/v1/documents", content=body, headers={"Content-Type": "text/plain", **headers})


def _queued(r: redis.Redis, keys: Keys, settings: Settings) -> int:
    return int(r.llen(f"{keys.celery_prefix()}{settings.queue}"))


REFUSALS = {
    "tampered body": (
        lambda: signed_headers(NEW_SECRET, BODY),
        BODY.replace(b"test", b"fake", 1),
        "matches no",
    ),
    "wrong secret": (lambda: signed_headers(WRONG_SECRET, BODY), BODY, "matches no"),
    "stale timestamp": (
        lambda: signed_headers(NEW_SECRET, BODY, timestamp=int(time.time()) - 301),
        BODY,
        "s old",
    ),
    "future timestamp": (
        lambda: signed_headers(NEW_SECRET, BODY, timestamp=int(time.time()) + 301),
        BODY,
        "in the future",
    ),
    "signature missing": (
        lambda: {k: v for k, v in signed_headers(NEW_SECRET, BODY).items() if k != "webhook-signature"},
        BODY,
        "without webhook-signature",
    ),
    "timestamp missing": (
        lambda: {k: v for k, v in signed_headers(NEW_SECRET, BODY).items() if k != "webhook-timestamp"},
        BODY,
        "without webhook-timestamp",
    ),
    "no credentials at all": (dict, BODY, "missing credentials"),
    "timestamp not a number": (
        lambda: {**signed_headers(NEW_SECRET, BODY), "webhook-timestamp": "yesterday"},
        BODY,
        "unix seconds",
    ),
    "signature not v1": (
        lambda: {**signed_headers(NEW_SECRET, BODY), "webhook-signature": "v2,abc"},
        BODY,
        "no 'v1,<base64>'",
    ),
    "wrong bearer token": (lambda: {"Authorization": "Bearer nope"}, BODY, "not recognised"),
    "basic auth": (lambda: {"Authorization": "Basic dXNlcjpwYXNz"}, BODY, "Bearer <token>"),
}


@pytest.mark.parametrize("case", REFUSALS, ids=list(REFUSALS))
def test_bad_credentials_get_401_with_a_reason_and_enqueue_nothing(
    client: httpx.Client, settings: Settings, keys: Keys, r: redis.Redis, case: str
) -> None:
    make_headers, body, reason = REFUSALS[case]
    answer = _post(client, make_headers(), body)
    assert answer.status_code == 401
    assert reason in answer.json()["detail"]
    assert answer.json()["code"] == "unauthorized"
    assert _queued(r, keys, settings) == 0
    assert r.hget(keys.counters, "documents_in:webhook") is None


def test_either_rotated_secret_and_the_bearer_token_are_accepted(
    client: httpx.Client, settings: Settings, keys: Keys, r: redis.Redis
) -> None:
    assert _post(client, signed_headers(OLD_SECRET, BODY)).status_code == 202
    assert _post(client, signed_headers(NEW_SECRET, BODY + b"2"), BODY + b"2").status_code == 202
    assert _post(client, {"Authorization": f"Bearer {TOKEN}"}, BODY + b"3").status_code == 202
    assert _queued(r, keys, settings) == 3


def test_a_signature_list_passes_when_any_entry_matches(client: httpx.Client) -> None:
    headers = signed_headers(NEW_SECRET, BODY)
    wrong = signed_headers(
        WRONG_SECRET, BODY, msg_id=headers["webhook-id"], timestamp=int(headers["webhook-timestamp"])
    )
    headers["webhook-signature"] = f"v1a,xyz {wrong['webhook-signature']} {headers['webhook-signature']}"
    assert _post(client, headers).status_code == 202


def test_timestamps_within_five_minutes_either_way_are_accepted(client: httpx.Client) -> None:
    now = int(time.time())
    assert _post(client, signed_headers(NEW_SECRET, BODY, timestamp=now - 290)).status_code == 202
    later = signed_headers(NEW_SECRET, BODY + b"x", timestamp=now + 290)
    assert _post(client, later, BODY + b"x").status_code == 202


def test_no_configured_credentials_refuses_and_says_how_to_configure(
    serve: Serve, settings: Settings, keys: Keys, r: redis.Redis
) -> None:
    client = serve()
    answer = _post(client, {"Authorization": f"Bearer {TOKEN}"})
    assert answer.status_code == 401
    assert "NEWSWIRE_WEBHOOK_SECRETS" in answer.json()["detail"]
    assert "NEWSWIRE_API_ALLOW_UNAUTHENTICATED" in answer.json()["detail"]
    assert client.get("/v1/documents/doc_" + "0" * 24).status_code == 401
    assert _queued(r, keys, settings) == 0


def test_open_mode_accepts_requests_without_credentials(
    serve: Serve, settings: Settings, keys: Keys, r: redis.Redis
) -> None:
    client = serve(api_allow_unauthenticated=True)
    assert _post(client, {}).status_code == 202
    assert _queued(r, keys, settings) == 1


def test_status_and_events_need_credentials_too(client: httpx.Client) -> None:
    assert client.get("/v1/documents/doc_" + "0" * 24).status_code == 401
    assert client.get("/v1/events").status_code == 401
    assert (
        client.get("/v1/documents/doc_" + "0" * 24, headers={"Authorization": f"Bearer {TOKEN}"}).status_code
        == 404
    )


def test_a_mistyped_secret_is_refused_at_startup() -> None:
    with pytest.raises(ValueError, match="whsec_"):
        Settings(webhook_secrets=SecretStr("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"))
