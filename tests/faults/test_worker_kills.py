"""Killed and stopped workers: every accepted document ends up exactly once on the streams."""

from __future__ import annotations

from pathlib import Path

import pytest

from services.settings import Settings
from tests.faults import scenarios


@pytest.fixture
def fast_redelivery(settings: Settings) -> Settings:
    """Settings whose broker redelivers an unacked task after 4 s instead of an hour."""
    return settings.model_copy(update={"visibility_timeout": 4})


@pytest.mark.slow
@pytest.mark.timeout(180)
def test_sigkilled_workers_lose_and_duplicate_nothing(fast_redelivery: Settings, tmp_path: Path) -> None:
    result = scenarios.kill_workers(
        fast_redelivery, tmp_path, documents=200, kills=4, batch_size=5, pause=0.2
    )
    assert result.faults >= 4
    assert result.ledger.ok, result.ledger.summary()
    assert result.ledger.events == 180
    assert result.ledger.dead_letters == 20


@pytest.mark.slow
@pytest.mark.timeout(120)
def test_sigterm_with_tasks_in_flight_hands_them_to_another_worker(
    fast_redelivery: Settings, tmp_path: Path
) -> None:
    result = scenarios.sigterm_in_flight(fast_redelivery, tmp_path, documents=60)
    assert result.figures["unacked_at_sigterm"] >= 1  # the SIGTERM landed with tasks held
    assert result.figures["finished_by_first"] >= 1  # running tasks were finished, not dropped
    assert result.figures["finished_by_second"] >= 1  # the rest went back to the queue
    assert result.ledger.ok, result.ledger.summary()
    assert result.ledger.events == 54
    assert result.ledger.dead_letters == 6
