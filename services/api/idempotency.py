"""Idempotency: the first answer to a webhook-id / Idempotency-Key is kept in Redis and replayed."""

from __future__ import annotations

import asyncio
import hashlib
import json
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import anyio
import redis.asyncio as aioredis

from services.api.errors import IdempotencyInProgress, InvalidInput
from services.keys import Keys

MAX_KEY_LENGTH = 255


@dataclass(frozen=True)
class Answer:
    """An HTTP answer as stored: status and JSON body."""

    status: int
    body: str
    replayed: bool = False


def fingerprint(method: str, path: str, query: str, content_type: str | None, body: bytes) -> str:
    """What makes two requests "the same request" for idempotency: method, target, type and body."""
    digest = hashlib.sha256()
    for part in (method, path, query, content_type or ""):
        digest.update(part.encode("utf-8", "surrogateescape") + b"\0")
    digest.update(body)
    return digest.hexdigest()


class IdempotencyStore:
    """Claims keys atomically (SET NX) so concurrent replays run the request once."""

    def __init__(self, client: aioredis.Redis, keys: Keys, *, ttl: int, wait_seconds: float = 10.0) -> None:
        self._redis = client
        self._keys = keys
        self._ttl = ttl
        self._wait = wait_seconds

    async def run_once(self, key: str | None, fp: str, handle: Callable[[], Awaitable[Answer]]) -> Answer:
        """The answer of `handle()`, computed at most once per key within the TTL.

        The first request with a key claims it and runs `handle`; a repeat with the same
        fingerprint gets the stored answer (after waiting for the first to finish), a repeat with
        another fingerprint gets 422. A failed first attempt releases the key so it can be retried.
        """
        if key is None:
            return await handle()
        if not key or len(key) > MAX_KEY_LENGTH or not key.isprintable():
            raise InvalidInput(f"idempotency key must be 1 to {MAX_KEY_LENGTH} printable characters")
        name = self._keys.idempotency(hashlib.sha256(key.encode("utf-8", "surrogateescape")).hexdigest()[:40])
        stored = await self._claim(name, fp)
        if stored is not None:
            return stored
        try:
            answer = await handle()
        except BaseException:
            # Shielded: a cancelled request must still free its key, or retries would wait in vain.
            with anyio.CancelScope(shield=True):
                await self._redis.delete(name)
            raise
        record = {"fp": fp, "state": "done", "status": answer.status, "body": answer.body}
        await self._redis.set(name, json.dumps(record), ex=self._ttl)
        return answer

    async def _claim(self, name: str, fp: str) -> Answer | None:
        pending = json.dumps({"fp": fp, "state": "pending"})
        deadline = time.monotonic() + self._wait
        while True:
            if await self._redis.set(name, pending, nx=True, ex=self._ttl):
                return None
            raw = await self._redis.get(name)
            if raw is None:  # the first attempt failed and released the key between our two calls
                continue
            record = json.loads(raw)
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
            await asyncio.sleep(0.02)
