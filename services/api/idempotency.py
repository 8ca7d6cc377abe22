"""Admission and idempotency: the rate-limit count, then the first answer to a key kept and replayed.

A request with a webhook-id / Idempotency-Key claims it (SET NX, through the admission gate, in
the same script call as its rate-limit count). The claimant stores its answer under the key in
the same Redis round trip as its work (services/api/batching.py) or releases the key if the work
failed; a repeat waits for that answer and gets it, or 422 if it is another request.
"""

from __future__ import annotations

import asyncio
import hashlib
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace

import anyio
import orjson
import redis.asyncio as aioredis

from schemas import RawDocument
from services.api.batching import Submission, SubmitBatcher
from services.api.errors import IdempotencyInProgress, InvalidInput
from services.api.gate import AdmissionGate, Ask, Verdict
from services.api.ratelimit import RateLimiter
from services.keys import Keys

MAX_KEY_LENGTH = 255
# A claim whose request died with its API process frees itself after this long, so a retry is
# not refused for the whole TTL; at worst the retry queues the documents again and the sink
# publishes each event once.
PENDING_TTL_SECONDS = 120


@dataclass(frozen=True)
class Answer:
    """An HTTP answer as stored: status and JSON body."""

    status: int
    body: str
    replayed: bool = False


@dataclass(frozen=True)
class Claim:
    """An idempotency key this request holds: it stores its answer there, or releases the key."""

    name: str
    fp: str
    ttl: int

    def record(self, answer: Answer) -> tuple[str, str, int]:
        """(key, value, TTL) to SET once the work is done, in the same round trip as the work."""
        value = orjson.dumps({"fp": self.fp, "state": "done", "status": answer.status, "body": answer.body})
        return self.name, value.decode(), self.ttl


def fingerprint(method: str, path: str, query: str, content_type: str | None, body: bytes) -> str:
    """What makes two requests "the same request" for idempotency: method, target, type and body."""
    digest = hashlib.sha256()
    for part in (method, path, query, content_type or ""):
        digest.update(part.encode("utf-8", "surrogateescape") + b"\0")
    digest.update(body)
    return digest.hexdigest()


class IdempotencyStore:
    """Counts requests against the rate limit and claims their keys, so concurrent replays run once."""

    def __init__(
        self,
        client: aioredis.Redis,
        keys: Keys,
        gate: AdmissionGate,
        limiter: RateLimiter,
        batcher: SubmitBatcher,
        *,
        ttl: int,
        wait_seconds: float = 10.0,
    ) -> None:
        self._redis = client
        self._keys = keys
        self._gate = gate
        self._limiter = limiter
        self._batcher = batcher
        self._ttl = ttl
        self._wait = wait_seconds

    async def count(self, client_id: str, *, now: float) -> None:
        """Count one request of this client; raise RateLimited (429) when it is over its limit."""
        if await self._gate.admit(Ask(rate_key=self._limiter.counter(client_id, now=now))) == "over":
            raise self._limiter.refusal(now=now)

    async def admit(self, client_id: str, key: str | None, fp: str, *, now: float) -> Claim | Answer | None:
        """Count the request and claim its key: a Claim to fulfil, the first answer to replay, or None.

        None means the request has no key (nothing to claim). A key held by another request with
        the same fingerprint gives its answer, once it has one (waiting up to `wait_seconds`, then
        409); a key held for another fingerprint is a 422. Over the rate limit: RateLimited (429).
        """
        ask = self._ask(client_id, key, fp, now=now)
        deadline = time.monotonic() + self._wait
        while True:
            verdict = await self._gate.admit(ask)
            if verdict == "open":
                return None
            if verdict == "claimed" and ask.claim_key:
                return Claim(ask.claim_key, fp, self._ttl)
            if replay := self._settle(verdict, fp, now=now, deadline=deadline):
                return replay
            ask = replace(ask, rate_key=None)  # a request counts once, however long it waits
            await asyncio.sleep(0.02)

    async def enqueue(
        self,
        documents: Sequence[RawDocument],
        answer: Answer,
        client_id: str,
        key: str | None,
        fp: str,
        *,
        now: float,
    ) -> Answer:
        """Admit the request and queue its documents in one flush; its answer, or the first one to its key.

        Same rules as `admit`, but the claim, the send and the stored answer all happen in the
        flusher's round trips (services/api/batching.py): no Redis call of its own on the event loop.
        """
        ask = self._ask(client_id, key, fp, now=now)
        record = Claim(ask.claim_key, fp, self._ttl).record(answer)[1] if ask.claim_key else ""
        deadline = time.monotonic() + self._wait
        while True:
            verdict = await self._batcher.submit(Submission(documents, ask, record))
            if verdict in ("open", "claimed"):
                return answer
            if replay := self._settle(verdict, fp, now=now, deadline=deadline):
                return replay
            ask = replace(ask, rate_key=None)
            await asyncio.sleep(0.02)

    async def store(self, claim: Claim, answer: Answer) -> None:
        """Keep the answer under the claimed key (for work that could not carry it along)."""
        name, value, ttl = claim.record(answer)
        await self._redis.set(name, value, ex=ttl)

    async def release(self, claim: Claim) -> None:
        """Free a key whose request failed, so a retry can run (even if this request was cancelled)."""
        # Shielded: a cancelled request must still free its key, or retries would wait in vain.
        with anyio.CancelScope(shield=True):
            await self._redis.delete(claim.name)

    def _ask(self, client_id: str, key: str | None, fp: str, *, now: float) -> Ask:
        rate_key = self._limiter.counter(client_id, now=now)
        if key is None:
            return Ask(rate_key=rate_key)
        if not key or len(key) > MAX_KEY_LENGTH or not key.isprintable():
            raise InvalidInput(f"idempotency key must be 1 to {MAX_KEY_LENGTH} printable characters")
        name = self._keys.idempotency(hashlib.sha256(key.encode("utf-8", "surrogateescape")).hexdigest()[:40])
        return Ask(
            rate_key=rate_key, claim_key=name, pending=orjson.dumps({"fp": fp, "state": "pending"}).decode()
        )

    def _settle(self, verdict: Verdict, fp: str, *, now: float, deadline: float) -> Answer | None:
        """The first answer stored under the key, or None while it is pending; raises 429, 422, 409."""
        if verdict == "over":
            raise self._limiter.refusal(now=now)
        record = orjson.loads(verdict)
        if record["fp"] != fp:
            raise InvalidInput(
                "this idempotency key (webhook-id or Idempotency-Key) was already used for a different "
                "request; use a new key for new content",
                code="idempotency_key_reused",
            )
        if record["state"] == "done":
            return Answer(int(record["status"]), str(record["body"]), replayed=True)
        if time.monotonic() > deadline:
            raise IdempotencyInProgress(
                "a request with this idempotency key is still being handled; retry in a few seconds",
                headers={"Retry-After": "2"},
            )
        return None
