"""A consumer killed with entries pending: a live consumer of the same group takes them over."""

from __future__ import annotations

import pytest
import redis

from services.consumer import StreamConsumer
from services.keys import Keys
from services.settings import Settings
from tests.faults import harness, scenarios


@pytest.mark.timeout(60)
def test_a_live_consumer_reclaims_what_a_killed_one_left_pending(settings: Settings) -> None:
    result = scenarios.consumer_reclaim(settings, events=60, read_by_dying=30)
    assert result.ledger.ok, result.ledger.summary()
    assert result.figures["reclaimed"] == 15  # the half the dead consumer read and never acked
    assert result.figures["pending_after"] == 0


@pytest.mark.timeout(30)
def test_pending_entries_trimmed_by_maxlen_are_counted_and_leave_the_pending_list(
    settings: Settings, keys: Keys, r: redis.Redis
) -> None:
    harness.publish_events(r, keys, 20)
    first = StreamConsumer(r, keys.events, group="trim", name="first", from_start=True, batch=50)
    assert len(first.read(block_ms=100)) == 20  # all 20 now pending for `first`
    r.xtrim(keys.events, maxlen=5, approximate=False)  # what MAXLEN does to a group far behind

    # The same consumer after a restart: 5 entries left to handle, 15 acknowledged as lost.
    again = StreamConsumer(r, keys.events, group="trim", name="first", batch=4)
    assert len(again.pending()) == 5
    assert again.trimmed == 15
    assert r.xpending(keys.events, "trim")["pending"] == 5

    # Another consumer reclaiming them sees no trimmed entry left, and takes the 5.
    other = StreamConsumer(r, keys.events, group="trim", name="other", claim_idle_ms=0, batch=4)
    assert len(other.claim_stale()) == 5
    assert other.trimmed == 0


@pytest.mark.timeout(30)
def test_a_reclaiming_consumer_counts_entries_trimmed_while_pending_elsewhere(
    settings: Settings, keys: Keys, r: redis.Redis
) -> None:
    harness.publish_events(r, keys, 12)
    dead = StreamConsumer(r, keys.events, group="trim2", name="dead", from_start=True, batch=50)
    assert len(dead.read(block_ms=100)) == 12
    r.xtrim(keys.events, maxlen=4, approximate=False)
    other = StreamConsumer(r, keys.events, group="trim2", name="other", claim_idle_ms=0, batch=5)
    assert len(other.claim_stale()) == 4
    assert other.trimmed == 8
    assert r.xpending(keys.events, "trim2")["pending"] == 4
