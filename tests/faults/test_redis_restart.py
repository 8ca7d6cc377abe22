"""Redis killed and restarted (AOF on) while documents flow: nothing accepted is lost or doubled."""

from __future__ import annotations

from pathlib import Path

import pytest

from services.settings import Settings
from tests.faults import scenarios


@pytest.mark.slow
@pytest.mark.timeout(180)
def test_workers_reconnect_after_redis_restarts_and_every_accepted_document_comes_out_once(
    settings: Settings, tmp_path: Path
) -> None:
    fast = settings.model_copy(update={"visibility_timeout": 4})
    result = scenarios.redis_restart(
        fast, tmp_path / "redis", tmp_path, documents=150, restarts=2, appendfsync="always"
    )
    assert result.ledger.ok, result.ledger.summary()
    assert result.ledger.events == 135
    assert result.ledger.dead_letters == 15
