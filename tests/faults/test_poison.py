"""A document that crashes a stage is retried a bounded number of times, then dead-lettered once."""

from __future__ import annotations

from pathlib import Path

import pytest

from services.settings import Settings
from tests.faults import scenarios


@pytest.fixture
def bounded(settings: Settings) -> Settings:
    """Two retries, a 3 s soft time limit and a 4 s visibility timeout, so the test is quick."""
    return settings.model_copy(
        update={"task_max_retries": 2, "task_soft_time_limit": 3.0, "visibility_timeout": 4}
    )


def _check(result: scenarios.Result) -> None:
    assert result.ledger.ok, result.ledger.summary()
    # 30 documents, every 10th is chrome: 26 articles publish, 3 chrome + 1 poison dead letters.
    assert result.ledger.events == 26, result.ledger.summary()
    assert result.ledger.dead_letters == 4, result.ledger.summary()
    assert result.figures["poison_dead_letters"] == 1


@pytest.mark.slow
@pytest.mark.timeout(120)
def test_a_stage_that_raises_is_retried_then_dead_lettered_once(bounded: Settings, tmp_path: Path) -> None:
    result = scenarios.poison(bounded, tmp_path, mode="raise")
    _check(result)
    assert result.figures["poison_attempts"] == 3
    assert result.figures["crashes_logged"] == 3


@pytest.mark.slow
@pytest.mark.timeout(120)
def test_a_document_that_kills_the_worker_process_is_dead_lettered_and_its_batch_published(
    bounded: Settings, tmp_path: Path
) -> None:
    result = scenarios.poison(bounded, tmp_path, mode="kill")
    _check(result)
    # 3 deaths (task_max_retries + 1); one more when, on a loaded machine, the visibility sweep
    # also restored a copy of the message (celery#5935) before the dead worker's requeue.
    assert result.figures["poison_attempts"] in (3, 4)


@pytest.mark.slow
@pytest.mark.timeout(120)
def test_a_document_that_hangs_the_stage_is_dead_lettered_and_its_batch_published(
    bounded: Settings, tmp_path: Path
) -> None:
    result = scenarios.poison(bounded, tmp_path, mode="hang")
    _check(result)
