"""Fixtures: a real Redis server, a private namespace per test, and a real Celery worker."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis

from services.embedded import EmbeddedRedis
from services.keys import Keys
from services.settings import Settings
from tests.support import WorkerProcess

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real Redis: REDIS_URL if set, else 127.0.0.1:6379 if it answers, else an embedded one."""
    if url := os.environ.get("REDIS_URL"):
        yield url
        return
    try:
        if redis.Redis(socket_connect_timeout=0.5).ping():
            yield "redis://127.0.0.1:6379/0"
            return
    except redis.ConnectionError:
        pass
    with EmbeddedRedis(tmp_path_factory.mktemp("redis"), appendonly=False) as server:
        yield server.url


@pytest.fixture
def settings(redis_url: str) -> Iterator[Settings]:
    """Settings with a namespace (keys, streams, queue) of this test's own, deleted afterwards."""
    namespace = f"nwtest-{uuid.uuid4().hex[:10]}"
    settings = Settings(redis_url=redis_url, namespace=namespace, queue=namespace)  # type: ignore[arg-type]
    yield settings
    client = redis.Redis.from_url(redis_url)
    for key in client.scan_iter(match=f"{namespace}:*", count=1000):
        client.delete(key)
    client.close()


@pytest.fixture
def keys(settings: Settings) -> Keys:
    """The key names of the test's namespace."""
    return Keys.from_settings(settings)


@pytest.fixture
def r(settings: Settings) -> Iterator[redis.Redis]:
    """A client of the test Redis (responses decoded to str)."""
    client = redis.Redis.from_url(str(settings.redis_url), decode_responses=True)
    yield client
    client.close()


@pytest.fixture
def worker(settings: Settings, tmp_path: Path) -> Iterator[WorkerProcess]:
    """A real `newswire worker` process consuming the test's queue."""
    process = WorkerProcess(settings, tmp_path / "worker.log").start()
    yield process
    process.stop()
