"""Documents in through the CLI, events out on the stream, through a real Celery worker."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import redis

from services.keys import Keys
from services.settings import Settings
from tests.support import WorkerProcess, env_for, wait_for

ARTICLE = (
    " date 2024-02-{day:02d} Library in {town} opens a reading room for children\n\n"
    "{town_upper}. KAZINFORM – The central library in {town} opened a new reading room for children "
    "on Tuesday, with more than three thousand books in Kazakh, Russian and English, the city "
    "administration said. Parents can register their children for free at the front desk.\n"
)
TOWNS = ["Taraz", "Shymkent", "Oral", "Atyrau", "Semey"]


def _write_corpus(folder: Path) -> None:
    folder.mkdir()
    for day, town in enumerate(TOWNS, start=1):
        text = ARTICLE.format(day=day, town=town, town_upper=town.upper())
        (folder / f"{town.lower()}.txt").write_text(text, encoding="utf-8")
    (folder / "menu.txt").write_text("Home\nNews\nContacts\n", encoding="utf-8")


def _cli(settings: Settings, *args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "services.cli", *args],
        env=env_for(settings),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=True,
    )


def test_ingest_then_subscribe_prints_each_event_once_and_rejects_the_non_news(
    settings: Settings, keys: Keys, r: redis.Redis, worker: WorkerProcess, tmp_path: Path
) -> None:
    corpus = tmp_path / "corpus"
    _write_corpus(corpus)

    _cli(settings, "ingest", str(corpus))
    wait_for(
        lambda: r.xlen(keys.events) == 5 and r.xlen(keys.rejected) == 1, what="5 events and 1 dead letter"
    )

    printed = _cli(
        settings, "subscribe", "--from-start", "--count", "5", "--group", "e2e"
    ).stdout.splitlines()
    headlines = sorted(json.loads(line)["headline"] for line in printed)
    assert headlines == sorted(f"Library in {t} opens a reading room for children" for t in TOWNS)
    assert r.xpending(keys.events, "e2e")["pending"] == 0  # subscribe acked what it printed

    # The same files again: processed again, published nothing new.
    _cli(settings, "ingest", str(corpus))
    wait_for(lambda: int(r.hget(keys.counters, "documents_in:cli") or 0) == 12, what="second ingest counted")
    wait_for(lambda: _processed(r, keys) >= 12, what="second ingest processed")
    assert r.xlen(keys.events) == 5
    [(_, letter)] = r.xrange(keys.rejected)
    assert "too short" in letter["reason"]


def _processed(r: redis.Redis, keys: Keys) -> int:
    return int(r.hget(keys.counters, "documents_processed") or 0)
