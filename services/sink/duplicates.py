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
from services.sink.scripts import Call, run_pipelined
from workers.enrich import routing
from workers.enrich.duplicates import BANDS, signature, story_keys

# KEYS: 1 annotation, 2 content hash, 3 signatures hash, 4 seen zset, 5..4+BANDS bands, then story keys.
# ARGV: 1 event id, 2 now, 3 ttl, 4 threshold, 5 signature (or ''), 6 new story id, 7 story window.
#
# Every redis.call costs the script a command round trip inside Redis (arguments built, the reply
# turned back into Lua values), so the script makes as few as it can: one read per band, one HMGET
# for all the candidates' signatures, and multi-member HDEL/ZREM; expired band members are skipped
# by the read's score range and trimmed only from bands that held members.
_ANNOTATE = """
local ann = redis.call('GET', KEYS[1])
if ann then return ann end
-- Arguments go to redis.call as the strings they came in as: Redis formats a Lua number with
-- snprintf('%.17g') on every call, which was a tenth of the script's time.
local id, now, ttl = ARGV[1], ARGV[2], ARGV[3]
local threshold, sig, nb = tonumber(ARGV[4]), ARGV[5], {bands}
-- The same text Redis would have made of the number now - ttl, so the bounds are the same.
local cutoff = string.format('%.17g', tonumber(now) - tonumber(ttl))
local after = '(' .. cutoff
-- A stored entry is 'root|story|signature'; plain finds, not a pattern, split it (a pattern
-- match walks the 512-character signature one character at a time).
local function info(v)
  local i = string.find(v, '|', 1, true)
  if not i then return nil end
  local j = string.find(v, '|', i + 1, true)
  if not j then return nil end
  return string.sub(v, 1, i - 1), string.sub(v, i + 1, j - 1), string.sub(v, j + 1)
end
local old = redis.call('ZRANGEBYSCORE', KEYS[4], '-inf', cutoff, 'LIMIT', '0', '200')
if #old > 0 then
  redis.call('HDEL', KEYS[3], unpack(old))
  redis.call('ZREM', KEYS[4], unpack(old))
end
local dup, story = nil, nil
local shared = {}
local first = redis.call('GET', KEYS[2])
if first and first ~= id then
  local v = redis.call('HGET', KEYS[3], first)
  local root, rstory = nil, nil
  if v then root, rstory = info(v) end
  dup = (root and root ~= '') and root or first
  story = rstory
end
if not dup and sig ~= '' then
  -- Candidates in order of first appearance (band by band, oldest first within a band): the
  -- best match is the first with the highest similarity, as when each was read in turn.
  local cands, seen = {}, {}
  for b = 1, nb do
    local members = redis.call('ZRANGEBYSCORE', KEYS[4 + b], after, '+inf', 'LIMIT', '0', '64')
    if #members > 0 then shared[#shared + 1] = KEYS[4 + b] end
    for _, cand in ipairs(members) do
      if cand ~= id and not seen[cand] then
        seen[cand] = true
        cands[#cands + 1] = cand
      end
    end
  end
  local best, bestsim = nil, -1
  if #cands > 0 then
    local stored = redis.call('HMGET', KEYS[3], unpack(cands))
    -- This event's values are cut once, not once per candidate.
    local sub = string.sub
    local mine = {}
    for i = 1, #sig, 8 do mine[#mine + 1] = sub(sig, i, i + 7) end
    local n = #mine
    -- A candidate with more than `spare` differing values is below the threshold whatever the
    -- rest ((n - missed) / n falls as missed grows), so its count stops there: such a candidate
    -- could not be chosen, and most candidates share just one band.
    local spare = 0
    while spare < n and (n - (spare + 1)) / n >= threshold do spare = spare + 1 end
    for c = 1, #cands do
      local root, cstory, csig = nil, nil, nil
      if stored[c] then root, cstory, csig = info(stored[c]) end
      if csig and csig ~= '' then
        local same, missed = 0, 0
        for v = 1, n do
          if mine[v] == sub(csig, v * 8 - 7, v * 8) then
            same = same + 1
          else
            missed = missed + 1
            if missed > spare then break end
          end
        end
        local sim = same / n
        if sim >= threshold and sim > bestsim then
          best, bestsim = ((root ~= '') and root or cands[c]), sim
          story = cstory
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
  -- A band another event shares is where expired members pile up; a band of this event alone
  -- expires with its key.
  for _, key in ipairs(shared) do
    redis.call('ZREMRANGEBYSCORE', key, '-inf', cutoff)
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
        calls: list[Call] = []
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
            calls.append((keys, args))
        # In order in one round trip: a later event of the batch sees the earlier ones.
        replies = run_pipelined(self._redis, _ANNOTATE, self._script.sha, calls)
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
