"""The large fault run (`make faults`): every scenario at full size, printed as one table.

Each scenario runs in a namespace of its own on the Redis at NEWSWIRE_REDIS_URL (default
127.0.0.1:6379; the Redis-restart scenarios start private servers on free ports) and deletes its
keys afterwards. The exit status is 1 if any scenario lost, duplicated or let through anything.

    .venv/bin/python bench/faults.py            # everything (about 4-6 minutes)
    .venv/bin/python bench/faults.py kill poison  # some scenarios
"""

from __future__ import annotations

import sys
import tempfile
import uuid
from collections.abc import Callable
from pathlib import Path

import redis

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from schemas import RawDocument
from services.settings import Settings
from tests.faults import scenarios
from tests.fuzz.test_parsers import MAX_SECONDS, hostile, measure


def _settings(**overrides: object) -> Settings:
    namespace = f"nwfaults-{uuid.uuid4().hex[:8]}"
    base = Settings(namespace=namespace, queue=namespace, visibility_timeout=5, task_max_retries=2)
    return base.model_copy(update={"task_soft_time_limit": 4.0, **overrides})


def _cleanup(settings: Settings) -> None:
    client = redis.Redis.from_url(str(settings.redis_url))
    for key in client.scan_iter(match=f"{settings.namespace}:*", count=1000):
        client.delete(key)
    client.close()


def _run(build: Callable[[Settings, Path], scenarios.Result]) -> scenarios.Result:
    settings = _settings()
    with tempfile.TemporaryDirectory(prefix="newswire-faults-") as folder:
        try:
            return build(settings, Path(folder))
        finally:
            _cleanup(settings)


def kill(results: list[scenarios.Result]) -> None:
    """Baseline without faults, then >= 10 SIGKILLs during 1,200 documents."""
    for kills, name in ((0, "no faults (baseline)"), (12, "kill -9 workers")):
        result = _run(lambda s, d, k=kills: scenarios.kill_workers(s, d, documents=1200, kills=k, pause=0.1))
        result.name = name
        results.append(result)


def sigterm(results: list[scenarios.Result]) -> None:
    """SIGTERM with tasks in flight."""
    results.append(_run(lambda s, d: scenarios.sigterm_in_flight(s, d, documents=200)))


def redis_restart(results: list[scenarios.Result]) -> None:
    """Redis kill -9 and restart, with each appendfsync policy worth running."""
    for policy in ("always", "everysec"):
        result = _run(
            lambda s, d, p=policy: scenarios.redis_restart(
                s, d / "redis", d, documents=600, restarts=3, appendfsync=p, pause=0.1
            )
        )
        result.name += f" ({policy})"
        results.append(result)


def consumer(results: list[scenarios.Result]) -> None:
    """A consumer killed with 200 entries pending."""
    results.append(_run(lambda s, d: scenarios.consumer_reclaim(s, events=1000, read_by_dying=400)))


def poison(results: list[scenarios.Result]) -> None:
    """A document that raises, one that kills its process, one that hangs."""
    for mode in ("raise", "kill", "hang"):
        results.append(_run(lambda s, d, m=mode: scenarios.poison(s, d, mode=m, documents=100)))


def webhook(results: list[scenarios.Result]) -> None:
    """10,000 hostile webhook requests."""
    results.append(_run(lambda s, d: scenarios.hostile_webhook(s, d, requests=10_000)))


def parsers(results: list[scenarios.Result]) -> None:
    """The hostile documents at full size (just under the parsers' limits)."""
    from tests.faults.harness import Ledger

    worst = ("", 0.0)
    slow = []
    for case, (content, content_type) in hostile(scale=1.0).items():
        raw = RawDocument.create(content, channel="cli", content_type=content_type)
        seconds, answered = measure(raw)
        worst = max(worst, (case, seconds), key=lambda pair: pair[1])
        if seconds >= MAX_SECONDS or not answered:
            slow.append(f"{case} {seconds:.1f} s")
    ledger = Ledger(expected=0, unexpected=slow)
    note = f"slowest: {worst[0]} {worst[1]:.1f} s" + (f"; over {MAX_SECONDS:.0f} s: {slow}" if slow else "")
    results.append(scenarios.Result("hostile documents, full size", ledger, len(hostile()), 0.0, note))


SCENARIOS = {
    "kill": kill,
    "sigterm": sigterm,
    "redis": redis_restart,
    "consumer": consumer,
    "poison": poison,
    "webhook": webhook,
    "parsers": parsers,
}


def main(names: list[str]) -> int:
    """Run the scenarios named (all by default), print the table; 1 if any failed."""
    results: list[scenarios.Result] = []
    for name in names or list(SCENARIOS):
        print(f"running {name} ...", file=sys.stderr, flush=True)
        SCENARIOS[name](results)
    baseline = next((r.seconds for r in results if r.name == "no faults (baseline)"), None)
    header = (
        "scenario",
        "faults",
        "expected",
        "events",
        "dead",
        "lost",
        "dup",
        "s",
        "vs base",
        "ok",
        "notes",
    )
    rows = []
    for r in results:
        ratio = (
            f"{r.seconds / baseline:.2f}x" if baseline and r.name.startswith(("kill", "no faults")) else ""
        )
        rows.append(
            (
                r.name,
                str(r.faults),
                str(r.ledger.expected),
                str(r.ledger.events),
                str(r.ledger.dead_letters),
                str(len(r.ledger.missing)),
                str(len(r.ledger.duplicated) + r.ledger.duplicate_event_ids),
                f"{r.seconds:.1f}",
                ratio,
                "yes" if r.ledger.ok else "NO",
                r.note,
            )
        )
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header) - 1)]
    for row in [header, *rows]:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=False)) + "  " + row[-1])
    return 0 if all(r.ledger.ok for r in results) else 1


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
