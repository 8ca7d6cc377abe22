"""The near-duplicate and story index in Redis: flags `duplicate_of` and sets `story_id`.

One Lua script per event, atomic, so two workers racing on copies of a story cannot both claim
to be first. An exact copy is found by `content_hash`; a near copy by MinHash LSH bands (sorted
sets scored by time, so entries older than the TTL drop out) and confirmed by comparing the
stored signatures. A redelivered event gets back the annotation it got the first time.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Sequence

import redis

from schemas import NewsEvent
from services.keys import Keys
from services.settings import Settings
from workers.enrich import routing
from workers.enrich.duplicates import BANDS, signature, story_keys

# KEYS: 1 annotation, 2 content hash, 3 signatures hash, 4 seen zset, 5..4+BANDS bands, then story keys.
# ARGV: 1 event id, 2 now, 3 ttl, 4 threshold, 5 signature (or ''), 6 new story id, 7 story window.
_ANNOTATE = """
local ann = redis.call('GET', KEYS[1])
if ann then return ann end
local id, now, ttl = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3])
local threshold, sig, nb = tonumber(ARGV[4]), ARGV[5], {bands}
local cutoff = now - ttl
local function info(event)
  local v = redis.call('HGET', KEYS[3], event)
  if not v then return nil end
  local root, story, sigv = string.match(v, '^([^|]*)|([^|]*)|(.*)$')
  return root, story, sigv
end
for _, old in ipairs(redis.call('ZRANGEBYSCORE', KEYS[4], '-inf', cutoff, 'LIMIT', 0, 200)) do
  redis.call('HDEL', KEYS[3], old)
  redis.call('ZREM', KEYS[4], old)
end
local dup, story = nil, nil
local first = redis.call('GET', KEYS[2])
if first and first ~= id then
  local root, rstory = info(first)
  dup = (root and root ~= '') and root or first
  story = rstory
end
if not dup and sig ~= '' then
  -- This event's values are cut once, not once per candidate: with many candidates (boilerplate
  -- paragraphs fill bands) the comparisons are most of the script's time.
  local mine = {}
  for i = 1, #sig, 8 do mine[#mine + 1] = string.sub(sig, i, i + 7) end
  local best, bestsim, seen = nil, -1, {}
  for b = 1, nb do
    redis.call('ZREMRANGEBYSCORE', KEYS[4 + b], '-inf', cutoff)
    for _, cand in ipairs(redis.call('ZRANGE', KEYS[4 + b], 0, 63)) do
      if cand ~= id and not seen[cand] then
        seen[cand] = true
        local root, cstory, csig = info(cand)
        if csig and csig ~= '' then
          local same = 0
          for v = 1, #mine do
            if mine[v] == string.sub(csig, v * 8 - 7, v * 8) then same = same + 1 end
          end
          local sim = same / #mine
          if sim >= threshold and sim > bestsim then
            best, bestsim = ((root ~= '') and root or cand), sim
            story = cstory
          end
        end
      end
    end
  end
  dup = best
end
if not story or story == '' then
  for k = 5 + nb, #KEYS do
    local s = redis.call('GET', KEYS[k])
    if s then story = s break end
  end
end
if not story or story == '' then story = ARGV[6] end
redis.call('SET', KEYS[2], id, 'NX', 'EX', ttl)
redis.call('HSET', KEYS[3], id, (dup or '') .. '|' .. story .. '|' .. sig)
redis.call('ZADD', KEYS[4], now, id)
if sig ~= '' then
  for b = 1, nb do
    redis.call('ZADD', KEYS[4 + b], now, id)
    redis.call('EXPIRE', KEYS[4 + b], ttl)
  end
end
for k = 5 + nb, #KEYS do
  redis.call('SET', KEYS[k], story, 'NX', 'EX', ARGV[7])
end
ann = (dup or '') .. '|' .. story
redis.call('SET', KEYS[1], ann, 'EX', ttl)
return ann
""".replace("{bands}", str(BANDS))


class DuplicateIndex:
    """Annotates events with `duplicate_of` and `story_id` against what was published before."""

    def __init__(
        self, client: redis.Redis, keys: Keys, *, ttl: int, threshold: float, story_window: int
    ) -> None:
        self._redis = client
        self._keys = keys
        self._ttl = ttl
        self._threshold = threshold
        self._story_window = story_window
        self._script = client.register_script(_ANNOTATE)

    def annotate(self, events: Sequence[NewsEvent], *, now: float | None = None) -> list[NewsEvent]:
        """The events with duplicate_of and story_id set (pipelined; in order, so a batch sees itself)."""
        if not events:
            return []
        now = time.time() if now is None else now
        pipe = self._redis.pipeline(transaction=False)
        for event in events:
            sig = signature(event.body)
            bands = sig.bands if sig else tuple(f"{b}:-" for b in range(BANDS))
            stories = [self._keys.story(_digest(key)) for key in story_keys(event)]
            keys = [
                self._keys.duplicate_annotation(event.id),
                self._keys.duplicate_hash(event.content_hash),
                self._keys.duplicate_signatures,
                self._keys.duplicate_seen,
                *(self._keys.duplicate_band(band) for band in bands),
                *stories,
            ]
            args: list[str | int | float] = [
                event.id,
                f"{now:.3f}",
                self._ttl,
                self._threshold,
                sig.values if sig else "",
                "st_" + event.id.removeprefix("nw_")[:24],
                self._story_window,
            ]
            self._script(keys=keys, args=args, client=pipe)
        replies = pipe.execute()
        annotated = []
        for event, reply in zip(events, replies, strict=True):
            dup, _, story = (reply.decode() if isinstance(reply, bytes) else reply).partition("|")
            annotated.append(
                event.model_copy(update={"duplicate_of": dup or None, "story_id": story or None})
            )
        return annotated


def _digest(key: str) -> str:
    return hashlib.sha1(key.encode("utf-8"), usedforsecurity=False).hexdigest()[:20]


def annotate_and_route(
    client: redis.Redis, keys: Keys, settings: Settings, events: Sequence[NewsEvent]
) -> tuple[list[NewsEvent], list[list[str]]]:
    """Events with duplicate_of/story_id set, and each one's routed stream keys (for Sink.publish)."""
    index = DuplicateIndex(
        client,
        keys,
        ttl=settings.duplicate_ttl_seconds,
        threshold=settings.duplicate_threshold,
        story_window=settings.story_window_seconds,
    )
    annotated = index.annotate(events)
    routes = routing.compile_rules(settings.routes)
    return annotated, [[keys.stream(suffix) for suffix in routing.streams_for(e, routes)] for e in annotated]
