"""Admission: every request's rate-limit count and idempotency claim, many requests per script call.

A redis-py asyncio command costs ~0.1 ms of CPU in the API process, about as much as a bare
FastAPI request, so requests are admitted in batches by one Lua script: POST /v1/documents in
the flusher thread, just before its documents are sent (services/api/batching.py), everything
else through the AdmissionGate, one call per event-loop turn. The script is atomic: a request
over its rate limit never claims a key, and two requests with the same key never both claim it.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import redis
import redis.asyncio as aioredis

# KEYS: per request, its rate-limit counter (when counted), then its idempotency key (when claimed).
# ARGV: the rate limit, the counter's TTL, the claim's TTL; then per request three values:
#   counted ('1'/'0'), claims ('1'/'0'), the pending record to claim the key with.
# One reply per request: 'over' (over the rate limit, nothing claimed), 'open' (no claim asked),
# 'claimed', or the record already held by the key.
ADMIT = """
local limit, rate_ttl, claim_ttl = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local replies, k = {}, 1
for a = 4, #ARGV, 3 do
  local over = false
  if ARGV[a] == '1' then
    local count = redis.call('INCR', KEYS[k])
    if count == 1 then redis.call('EXPIRE', KEYS[k], rate_ttl) end
    over = count > limit
    k = k + 1
  end
  local reply = 'open'
  if ARGV[a + 1] == '1' then
    if over then
      reply = 'over'
    elseif redis.call('SET', KEYS[k], ARGV[a + 2], 'NX', 'EX', claim_ttl) then
      reply = 'claimed'
    else
      reply = redis.call('GET', KEYS[k])
    end
    k = k + 1
  elseif over then
    reply = 'over'
  end
  replies[#replies + 1] = reply
end
return replies
"""

Verdict = Literal["over", "open", "claimed"] | str


@dataclass(frozen=True)
class Ask:
    """What one request asks of the admission script."""

    rate_key: str | None = None  # the rate-limit counter to count it under
    claim_key: str | None = None  # the idempotency key to claim
    pending: str = ""  # the record to claim it with

    @property
    def empty(self) -> bool:
        """Nothing to count or claim."""
        return self.rate_key is None and self.claim_key is None


@dataclass(frozen=True)
class AdmissionParams:
    """The deployment's rate limit and claim lifetime, as the script takes them."""

    limit: int
    rate_ttl: int
    claim_ttl: int


def script_input(asks: Sequence[Ask], params: AdmissionParams) -> tuple[list[str], list[str | int]]:
    """KEYS and ARGV of one ADMIT call for these requests (one reply each, in order)."""
    keys: list[str] = []
    args: list[str | int] = [params.limit, params.rate_ttl, params.claim_ttl]
    for ask in asks:
        keys += [key for key in (ask.rate_key, ask.claim_key) if key is not None]
        args += ["1" if ask.rate_key else "0", "1" if ask.claim_key else "0", ask.pending]
    return keys, args


class AdmissionGate:
    """Counts requests against the rate limit and claims idempotency keys, many requests per Redis call."""

    def __init__(self, client: aioredis.Redis, params: AdmissionParams) -> None:
        self._client = client
        self._script = client.register_script(ADMIT)
        self._params = params
        self._waiting: list[tuple[Ask, asyncio.Future[str]]] = []
        self._drainer: asyncio.Task[None] | None = None

    async def admit(self, ask: Ask) -> Verdict:
        """Count and claim what `ask` says: 'over', 'open', 'claimed', or the record another request holds.

        Raises the Redis error when Redis fails (nothing was counted or claimed for sure).
        """
        if ask.empty:
            return "open"
        done: asyncio.Future[str] = asyncio.get_running_loop().create_future()
        self._waiting.append((ask, done))
        if self._drainer is None:
            # Started, not awaited: requests arriving in this loop turn join the same call.
            self._drainer = asyncio.create_task(self._drain())
        return await done

    async def _drain(self) -> None:
        try:
            while self._waiting:
                batch, self._waiting = self._waiting, []
                await self._run(batch)
        finally:
            self._drainer = None

    async def _run(self, batch: list[tuple[Ask, asyncio.Future[str]]]) -> None:
        keys, args = script_input([ask for ask, _ in batch], self._params)
        try:
            replies = await self._script(keys=keys, args=args)
        except Exception as exc:
            for _, done in batch:
                if not done.done():
                    done.set_exception(exc)
            return
        except BaseException:  # the gate is closing: its waiting requests end with it
            for _, done in batch:
                done.cancel()
            raise
        await self._answer(batch, replies)

    async def _answer(self, batch: list[tuple[Ask, asyncio.Future[str]]], replies: list[str]) -> None:
        orphans = []
        for (ask, done), reply in zip(batch, replies, strict=True):
            if not done.done():
                done.set_result(reply)
            elif reply == "claimed" and ask.claim_key:
                orphans.append(ask.claim_key)  # its request was cancelled: free the key for a retry
        if orphans:
            with contextlib.suppress(redis.RedisError):
                await self._client.delete(*orphans)

    async def close(self) -> None:
        """Stop a call in flight (at shutdown); its requests get an error."""
        if self._drainer is not None:
            self._drainer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._drainer
