"""Hostile webhook requests against a real `newswire api` process: refused, never enqueued."""

from __future__ import annotations

from pathlib import Path

import pytest

from services.settings import Settings
from tests.faults import scenarios


@pytest.mark.slow
@pytest.mark.timeout(120)
def test_hostile_requests_are_all_refused_with_4xx_and_nothing_is_enqueued(
    settings: Settings, tmp_path: Path
) -> None:
    result = scenarios.hostile_webhook(settings, tmp_path, requests=1300)
    assert result.figures["not_4xx"] == 0, result.note
    assert result.figures["enqueued"] == 0
    assert result.figures["control_status"] == 202  # a genuine request still gets through
    assert result.figures["control_queued"] == 1
    # Flat: a leak of even 10 KiB per request would show as 13 MiB here.
    assert result.figures["rss_growth_kib"] < 8 * 1024, result.note
