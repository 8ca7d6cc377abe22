"""Lua scripts run many times in one round trip, without redis-py's SCRIPT EXISTS before each batch."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import redis
from redis.exceptions import NoScriptError

# One script call: its KEYS and its ARGV.
Call = tuple[Sequence[str], Sequence[str | int | float]]


def run_pipelined(client: redis.Redis, source: str, sha: str, calls: Sequence[Call]) -> list[Any]:
    """Run the script once per call in one pipelined round trip; the replies in order.

    redis-py's Script on a pipeline sends SCRIPT EXISTS before every execute: a second round trip
    (in py-spy ~1 in 10 of a one-document task's time per script) for a script that is nearly
    always loaded. So EVALSHA goes out directly, and only the calls Redis answers NOSCRIPT (a
    restarted or flushed Redis) are sent again, in their order, once the script is loaded: a call
    answered NOSCRIPT did not run, so sending it again runs it once. Any other error is raised,
    as `pipe.execute()` would have raised it.
    """
    replies = _evalsha_all(client, sha, calls)
    missing = [i for i, reply in enumerate(replies) if isinstance(reply, NoScriptError)]
    if missing:
        client.script_load(source)
        retried = _evalsha_all(client, sha, [calls[i] for i in missing])
        for i, reply in zip(missing, retried, strict=True):
            replies[i] = reply
    for reply in replies:
        if isinstance(reply, Exception):
            raise reply
    return replies


def _evalsha_all(client: redis.Redis, sha: str, calls: Sequence[Call]) -> list[Any]:
    pipe = client.pipeline(transaction=False)
    for keys, args in calls:
        pipe.evalsha(sha, len(keys), *keys, *args)
    return list(pipe.execute(raise_on_error=False))
