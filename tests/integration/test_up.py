"""`newswire up` end to end: embedded Redis, real roles, bundled samples on the stream, clean stop."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import psutil
import pytest
import redis

from services.embedded import free_port
from services.samples import sample_documents
from services.settings import Settings
from tests.support import env_for, wait_for
from workers.pipeline import process

pytestmark = pytest.mark.slow


@dataclass
class Up:
    """A running `newswire up` and where to look at it."""

    process: subprocess.Popen[bytes]
    folder: Path
    stderr: Path
    metrics_port: int
    api_port: int
    env: dict[str, str]

    def err(self) -> str:
        return self.stderr.read_text(encoding="utf-8", errors="replace")

    def state(self) -> dict[str, object] | None:
        try:
            return json.loads((self.folder / ".newswire" / "up.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None

    def descendants(self) -> list[psutil.Process]:
        return psutil.Process(self.process.pid).children(recursive=True)

    def cli(self, *args: str) -> str:
        return subprocess.run(
            [sys.executable, "-m", "services.cli", *args],
            cwd=self.folder, env=self.env, capture_output=True, text=True, timeout=30, check=True,
        ).stdout  # fmt: skip


def _clean_env(**extra: str) -> dict[str, str]:
    # No NEWSWIRE_* or REDIS_URL from the caller: up must decide on its own to embed Redis.
    env = {k: v for k, v in os.environ.items() if not k.startswith(("NEWSWIRE_", "REDIS_URL"))}
    env.update(PYTHONUNBUFFERED="1", NEWSWIRE_LOG_FORMAT="json", **extra)
    return env


def _start_up(folder: Path, env: dict[str, str], *args: str) -> Up:
    stderr = folder / "up.stderr"
    metrics_port, api_port = free_port(), free_port()
    argv = [sys.executable, "-m", "services.cli", "up", "--api-port", str(api_port)]
    argv += ["--worker-metrics-port", str(metrics_port), "-c", "1", *args]
    with stderr.open("wb") as err:
        process = subprocess.Popen(argv, cwd=folder, env=env, stdout=subprocess.DEVNULL, stderr=err)
    return Up(process, folder, stderr, metrics_port, api_port, env)


@pytest.fixture
def up_factory(tmp_path: Path) -> Iterator[list[Up]]:
    """Started `up` processes, killed (with their process trees) if a test left one running."""
    started: list[Up] = []
    yield started
    for up in started:
        if up.process.poll() is None:
            for child in up.descendants():
                child.kill()
            up.process.kill()
            up.process.wait()


def _gone(processes: list[psutil.Process]) -> bool:
    for proc in processes:
        try:
            if proc.is_running() and proc.status() != psutil.STATUS_ZOMBIE:
                return False
        except psutil.NoSuchProcess:
            continue
    return True


def _answers(url: str) -> bool:
    try:
        httpx.get(url.replace("/v1/documents", "/healthz"), timeout=1)
    except httpx.TransportError:
        return False
    return True


def _expected_event_ids() -> set[str]:
    return {event.id for doc in sample_documents() for event in process(doc).events}


def test_up_without_redis_url_publishes_the_samples_and_sigint_stops_every_process(
    tmp_path: Path, up_factory: list[Up]
) -> None:
    up = _start_up(tmp_path, _clean_env())
    up_factory.append(up)
    state = wait_for(up.state, timeout=60, what=f"up.json (stderr: {up.stderr})")
    url = str(state["redis_url"])
    assert url.startswith("redis://127.0.0.1:")
    assert not url.startswith("redis://127.0.0.1:6379/")  # the shared Redis is never ours
    client = redis.Redis.from_url(url, decode_responses=True)
    try:
        expected = _expected_event_ids()
        assert expected, "the bundled samples must produce events"
        wait_for(
            lambda: {fields["id"] for _, fields in client.xrange("newswire:events")} == expected,
            timeout=60, what=f"the samples' events on the stream (stderr: {up.err()[-2000:]})",
        )  # fmt: skip
        wait_for(lambda: client.xlen("newswire:rejected") == 1, what="the not-news sample dead-lettered")

        # A consumer group that read 2 events: status shows its lag (the embedded Redis 6 has no
        # XINFO lag field, so this is the counted fallback) and its pending entries.
        client.xgroup_create("newswire:events", "readers", id="0")
        client.xreadgroup("readers", "r1", {"newswire:events": ">"}, count=2)
        snapshot = json.loads(up.cli("status", "--json"))
        assert snapshot["documents_in"] == {"sample": len(sample_documents())}
        assert snapshot["events_published"] == len(expected)
        assert snapshot["events_length"] == len(expected)
        assert snapshot["rejected"] == 1
        assert [(g["name"], g["pending"], g["lag"]) for g in snapshot["groups"]] == [
            ("readers", 2, len(expected) - 2)
        ]

        # The worker's metrics sum its pool processes' counts, and read the queue from Redis.
        page = httpx.get(f"http://127.0.0.1:{up.metrics_port}/metrics", timeout=5).text
        assert (
            f'newswire_worker_documents_processed_total{{channel="sample"}} {len(sample_documents())}.0'
            in page
        )
        assert f"newswire_worker_events_published_total {len(expected)}.0" in page
        assert 'newswire_worker_rejected_total{code="too_short",stage="validate"} 1.0' in page
        assert 'newswire_worker_stage_seconds_count{stage="parse"}' in page
        assert 'newswire_consumer_group_lag{group="readers",stream="newswire:events"}' in page

        # No credentials were configured: up made a bearer token, and the API takes it.
        token = (tmp_path / ".newswire" / "api-token").read_text(encoding="utf-8").strip()
        api = f"http://127.0.0.1:{up.api_port}/v1/documents"
        wait_for(lambda: _answers(api), timeout=30, what="the API listening")
        assert (
            httpx.post(api, content=b"x", headers={"Content-Type": "text/plain"}, timeout=5).status_code
            == 401
        )
        dump = (
            " date 2024-04-04 Bus routes extended\n\nAKTOBE. KAZINFORM – "
            + "The city extends bus routes. " * 12
        )
        posted = httpx.post(
            api,
            content=dump.encode(),
            headers={"Content-Type": "text/plain", "Authorization": f"Bearer {token}"},
            timeout=10,
        )
        assert posted.status_code == 202, posted.text
        wait_for(lambda: client.xlen("newswire:events") == len(expected) + 1, what="the posted dump's event")

        worker_log = (tmp_path / ".newswire" / "logs" / "worker.log").read_text(encoding="utf-8")
        doc_ids = {doc.id for doc in sample_documents()}
        logged = [json.loads(line) for line in worker_log.splitlines() if line.startswith("{")]
        assert doc_ids <= {entry.get("doc_id") for entry in logged}
    finally:
        client.close()

    tree = up.descendants()
    assert any("redis-server" in proc.name() for proc in tree)
    assert len(tree) >= 3  # redis-server, the worker and its pool process at least
    up.process.send_signal(signal.SIGINT)
    assert up.process.wait(90) == 0, up.err()
    wait_for(lambda: _gone(tree), timeout=10, what="every child and the embedded Redis gone")
    with pytest.raises(redis.ConnectionError):
        redis.Redis.from_url(url, socket_connect_timeout=1).ping()
    assert up.state() is None
    assert (tmp_path / ".newswire" / "redis" / "appendonly.aof").stat().st_size > 0
    err = up.err()
    assert "SIGINT: stopping" in err
    assert "worker: stopped (exit code 0)" in err
    assert "embedded Redis: stopped" in err


def test_up_reports_a_dead_child_and_exits_non_zero_after_stopping_the_rest(
    tmp_path: Path, up_factory: list[Up]
) -> None:
    up = _start_up(tmp_path, _clean_env(), "--no-samples")
    up_factory.append(up)
    state = wait_for(up.state, timeout=60, what=f"up.json (stderr: {up.stderr})")
    roles = state["roles"]
    assert isinstance(roles, dict)
    wait_for(lambda: "running" in up.err(), what="up running")
    tree = up.descendants()
    os.kill(int(roles["worker"]), signal.SIGKILL)

    assert up.process.wait(60) == 1
    wait_for(lambda: _gone(tree), timeout=10, what="every other child and the embedded Redis gone")
    err = up.err()
    assert "worker was killed by SIGKILL; stopping the rest" in err
    assert "embedded Redis: stopped" in err


def test_up_with_a_redis_url_uses_that_redis_and_starts_none(
    settings: Settings, r: redis.Redis, tmp_path: Path, up_factory: list[Up]
) -> None:
    env = _clean_env(**{k: v for k, v in env_for(settings).items() if k.startswith("NEWSWIRE_")})
    up = _start_up(tmp_path, env)
    up_factory.append(up)
    expected = _expected_event_ids()
    wait_for(
        lambda: {fields["id"] for _, fields in r.xrange(settings.events_stream_name)} == expected,
        timeout=60, what=f"the samples' events in the test namespace (stderr: {up.stderr})",
    )  # fmt: skip
    assert not any("redis-server" in proc.name() for proc in up.descendants())
    assert f"using Redis at {settings.redis_url}" in up.err()
    up.process.send_signal(signal.SIGTERM)
    assert up.process.wait(90) == 0, up.err()
    assert r.ping()  # the shared Redis is not ours to stop
