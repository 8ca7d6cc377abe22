"""Bench-only Celery app: the production app and config plus a no-op task, Celery's per-task floor.

Run as `celery -A bench.noop worker ...`; production workers never import this module.
"""

from __future__ import annotations

from typing import Any

from services.settings import get_settings
from workers.app import create_app
from workers.runtime import get_runtime

NOOP_TASK = "newswire.bench.noop"
NOOP_COUNTER = "noop_documents"

app = create_app(get_settings())


@app.task(name=NOOP_TASK, acks_late=True, reject_on_worker_lost=True)
def noop(documents: list[dict[str, Any]]) -> None:
    """Take a batch like process_documents does and only count it (one Redis call, so it is seen)."""
    runtime = get_runtime()
    runtime.redis.hincrby(runtime.keys.counters, NOOP_COUNTER, len(documents))
