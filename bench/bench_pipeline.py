"""End to end: generated dumps enqueued -> all events on the stream, beside a no-op task and a plain loop.

    .venv/bin/python bench/bench_pipeline.py            # ~2 minutes on 2 cores
    .venv/bin/python bench/bench_pipeline.py --quick    # smoke run, a few seconds per scenario

Baselines, measured in the same run on the same private Redis:
- noop: the same batches through the same producer path (Enqueuer) to a Celery task that only
  counts them (bench/noop.py), with the same worker layout: what Celery alone allows.
- plain loop: the same parse -> validate -> enrich -> publish code in one process, no Celery.
"""

from __future__ import annotations

import argparse
import sys
import time
import uuid
from collections.abc import Sequence
from pathlib import Path

import redis

if __package__ in (None, ""):  # run as a script: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import corpus
from bench.common import Worker, bench_settings, client, private_redis, ratio, report
from bench.noop import NOOP_COUNTER, NOOP_TASK
from schemas import RawDocument
from services.keys import Keys
from services.queue import Enqueuer
from services.sink import Sink
from services.sink.duplicates import annotate_and_route
from workers.pipeline import process

TARGET_DOCS_PER_S = 2000
TARGET_RATIO_TO_PLAIN_LOOP = 0.5
# Single-document warm-up tasks: enough for every pool process to load its models.
WARM_UP = 8


def documents(count: int, seed: int) -> list[RawDocument]:
    """`count` generated dumps as RawDocuments, as `newswire ingest` would make them."""
    return [
        RawDocument.create(data, channel="cli", content_type="text/plain", filename=f"bench-{seed}-{i}.txt")
        for i, data in enumerate(corpus.dumps(count, seed))
    ]


def celery_run(
    redis_url: str,
    work: Path,
    docs: Sequence[RawDocument],
    warm: Sequence[RawDocument],
    *,
    workers: int,
    batch: int,
    noop: bool,
) -> dict[str, float]:
    """Start a worker, warm it up, then time enqueue -> all documents done. Returns docs/s and more."""
    settings = bench_settings(redis_url, f"bench-{uuid.uuid4().hex[:8]}")
    keys = Keys.from_settings(settings)
    r = client(redis_url)
    label = "noop" if noop else "pipeline"
    enqueuer = Enqueuer(settings, task_name=NOOP_TASK if noop else None)

    def done() -> int:
        # Documents the worker finished: a repeat would publish nothing, so never wait on XLEN.
        counter = NOOP_COUNTER if noop else "documents_processed"
        return int(r.hget(keys.counters, counter) or 0)

    try:
        with Worker(
            settings, work / f"{label}-c{workers}-b{batch}.log", concurrency=workers, noop=noop
        ) as worker:
            # Warm-up: every pool process builds its runtime and loads its models before the clock starts.
            for raw in warm:
                enqueuer.submit([raw])
            worker.wait(lambda: done() >= len(warm), timeout=60, what=f"{label} warm-up")
            base, base_events = done(), int(r.xlen(keys.events))
            cpu_before, producer_before = worker.cpu_seconds(), time.process_time()
            started = time.perf_counter()
            for _ in enqueuer.submit_many(docs, batch):
                pass
            enqueued = time.perf_counter() - started
            worker.wait(
                lambda: done() >= base + len(docs), timeout=300, what=f"{label}: {len(docs)} documents"
            )
            elapsed = time.perf_counter() - started
            worker_cpu, producer_cpu = (
                worker.cpu_seconds() - cpu_before,
                time.process_time() - producer_before,
            )
            # Give a late duplicate the chance to show: the count must stay exactly N.
            time.sleep(0.2)
            total = done() - base
            events = int(r.xlen(keys.events)) - base_events
            rejected = int(r.xlen(keys.rejected))
    finally:
        enqueuer.close()
        r.close()
    published = len(docs) if noop else events
    if total != len(docs) or published != len(docs) or rejected:
        raise RuntimeError(
            f"{label}: {len(docs)} documents gave {total} done, {published} events, {rejected} dead letters"
        )
    return {
        "docs_per_s": len(docs) / elapsed,
        "seconds": elapsed,
        "enqueue_docs_per_s": len(docs) / enqueued,
        # CPU per document does not depend on what the neighbours on a shared machine are doing.
        "worker_cpu_ms": worker_cpu / len(docs) * 1000,
        "producer_cpu_ms": producer_cpu / len(docs) * 1000,
    }


def plain_loop(
    redis_url: str, docs: Sequence[RawDocument], warm: Sequence[RawDocument], *, batch: int
) -> dict[str, float]:
    """The task's stages, duplicate index and sink in one process, batch by batch: docs/s and CPU."""
    settings = bench_settings(redis_url, f"bench-{uuid.uuid4().hex[:8]}")
    keys = Keys.from_settings(settings)
    r = client(redis_url)
    raw_client = redis.Redis.from_url(redis_url)
    sink = Sink(raw_client, keys, maxlen=settings.stream_maxlen, dedup_ttl=600, status_ttl=600)

    def run(raws: Sequence[RawDocument]) -> None:
        for i in range(0, len(raws), batch):
            outcomes = [process(raw) for raw in raws[i : i + batch]]
            events = [event for outcome in outcomes for event in outcome.events]
            events, routes = annotate_and_route(raw_client, keys, settings, events)
            sink.publish(events, extra_streams=routes)
            sink.record_status([(o.doc_id, {"state": "published"}) for o in outcomes])

    try:
        run(warm)  # outside the clock: models, caches, the Lua script
        base = r.xlen(keys.events)
        started, cpu = time.perf_counter(), time.process_time()
        run(docs)
        elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
        published = r.xlen(keys.events) - base
    finally:
        raw_client.close()
        r.close()
    if published != len(docs):
        raise RuntimeError(f"plain loop: expected {len(docs)} events, got {published}")
    return {"docs_per_s": len(docs) / elapsed, "cpu_ms": cpu / len(docs) * 1000}


def main(argv: Sequence[str] | None = None) -> int:
    """Run every scenario and print the table and the JSON line."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--n", type=int, default=1280, help="documents per batched scenario")
    parser.add_argument("--single-n", type=int, default=300, help="documents per single-document scenario")
    parser.add_argument("--batch", type=int, default=64, help="documents per task in the batched scenarios")
    parser.add_argument("--workers", default="1,2", help="worker process counts to run, comma-separated")
    parser.add_argument("--seed", type=int, default=8)
    parser.add_argument("--no-aof", action="store_true", help="run the private Redis without AOF")
    parser.add_argument("--quick", action="store_true", help="smoke run: tiny N")
    args = parser.parse_args(argv)
    if args.quick:
        args.n, args.single_n = min(args.n, 128), min(args.single_n, 24)
    layouts = [int(w) for w in args.workers.split(",")]

    # One pool, so warm-up documents can never repeat a measured one (a repeat publishes nothing).
    pool = documents(args.n + WARM_UP, args.seed)
    docs, warm = pool[: args.n], pool[args.n :]
    singles = docs[: args.single_n]
    runs: list[dict[str, float | int]] = []
    with private_redis(appendonly=not args.no_aof) as (url, work):
        loop = plain_loop(url, docs, warm, batch=args.batch)
        for workers in layouts:
            for batch, subset in ((args.batch, docs), (1, singles)):
                noop = celery_run(url, work, subset, warm, workers=workers, batch=batch, noop=True)
                real = celery_run(url, work, subset, warm, workers=workers, batch=batch, noop=False)
                runs.append(
                    {
                        "workers": workers,
                        "batch": batch,
                        "documents": len(subset),
                        "pipeline_docs_per_s": round(real["docs_per_s"], 1),
                        "noop_docs_per_s": round(noop["docs_per_s"], 1),
                        "ratio_to_noop": ratio(real["docs_per_s"], noop["docs_per_s"]),
                        "ratio_to_plain_loop": ratio(real["docs_per_s"], loop["docs_per_s"]),
                        "enqueue_docs_per_s": round(real["enqueue_docs_per_s"], 1),
                        "worker_cpu_ms_per_doc": round(real["worker_cpu_ms"], 2),
                        "producer_cpu_ms_per_doc": round(real["producer_cpu_ms"], 2),
                        "noop_worker_cpu_ms_per_doc": round(noop["worker_cpu_ms"], 2),
                        # Plain-loop CPU per doc over the worker's: how much CPU Celery's path adds.
                        "cpu_efficiency_to_plain_loop": ratio(loop["cpu_ms"], real["worker_cpu_ms"]),
                    }
                )

    best = max((run for run in runs if run["batch"] > 1), key=lambda run: run["pipeline_docs_per_s"])
    rows = [
        [f"{run['workers']} worker(s), batch {run['batch']}", run["documents"], run["pipeline_docs_per_s"],
         run["noop_docs_per_s"], run["ratio_to_noop"], run["ratio_to_plain_loop"],
         run["worker_cpu_ms_per_doc"], run["noop_worker_cpu_ms_per_doc"]]
        for run in runs
    ]  # fmt: skip
    rows.append(
        ["plain loop, 1 process", args.n, round(loop["docs_per_s"], 1), "-", "-", 1.0, loop["cpu_ms"], "-"]
    )
    # What 2 idle cores would carry at the measured CPU cost (worker + producer; Redis not counted).
    cpu_per_doc = best["worker_cpu_ms_per_doc"] + best["producer_cpu_ms_per_doc"]
    capacity = 2 * 1000 / cpu_per_doc if cpu_per_doc else float("nan")
    report(
        "pipeline",
        rows,
        [
            "scenario",
            "docs",
            "docs/s",
            "noop docs/s",
            "x noop",
            "x plain loop",
            "CPU ms/doc",
            "noop CPU ms/doc",
        ],
        {
            "n": args.n,
            "batch_size": args.batch,
            "single_n": args.single_n,
            "aof": not args.no_aof,
            "plain_loop_docs_per_s": round(loop["docs_per_s"], 1),
            "plain_loop_cpu_ms_per_doc": round(loop["cpu_ms"], 2),
            "two_idle_cores_docs_per_s": round(capacity, 1),
            "runs": runs,
            "targets": {
                "docs_per_s": TARGET_DOCS_PER_S,
                "docs_per_s_met": best["pipeline_docs_per_s"] >= TARGET_DOCS_PER_S,
                "ratio_to_plain_loop": TARGET_RATIO_TO_PLAIN_LOOP,
                "ratio_to_plain_loop_met": best["ratio_to_plain_loop"] >= TARGET_RATIO_TO_PLAIN_LOOP,
            },
        },
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
