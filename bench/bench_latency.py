"""Latency: webhook 202 -> the event on the stream, p50/p99, at a steady rate (default 100 docs/s).

    .venv/bin/python bench/bench_latency.py            # ~40 s
    .venv/bin/python bench/bench_latency.py --quick

Starts a private Redis, `newswire worker -c 2` and `newswire api`, then POSTs one generated dump
at a time on an open-loop schedule (a late request does not delay the next one's slot). A reader
thread XREADs the event stream and notes when each document's event arrives; both clocks are this
process's. Baseline, same run: the time the pipeline itself takes for one document in one process
(parse -> validate -> enrich, no queue, no HTTP): the floor the latency cannot go below.
"""

from __future__ import annotations

import argparse
import json
import sys
import threading
import time
import uuid
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, cast

import httpx

if __package__ in (None, ""):  # run as a script: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import corpus
from bench.common import ApiServer, Worker, bench_settings, client, percentile, private_redis, ratio, report
from schemas import RawDocument
from services.keys import Keys
from workers.pipeline import process

TARGET_RATE = 100.0
TARGET_P99_MS = 100
# Sender threads: enough that a slow answer never delays the next slot at the rates run here.
SENDERS = 8
WARM_UP = 8


class Arrivals:
    """A thread reading the event stream, noting when each document's event arrives."""

    def __init__(self, redis_url: str, stream: str) -> None:
        self._redis = client(redis_url)
        self._stream = stream
        self.seen: dict[str, float] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        # From the start, not "$": the stream is this run's own, and an event published before the
        # first XREAD must still be seen.
        last = "0-0"
        while not self._stop.is_set():
            reply = self._redis.xread({self._stream: last}, block=100, count=500)
            for _, entries in cast(list[tuple[str, list[tuple[str, dict[str, str]]]]], reply or []):
                now = time.perf_counter()
                for entry_id, fields in entries:
                    last = entry_id
                    doc_id = json.loads(fields["data"])["provenance"]["doc_id"]
                    self.seen.setdefault(doc_id, now)

    def __enter__(self) -> Arrivals:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=10)
        self._redis.close()


def floor_ms(bodies: Sequence[bytes]) -> list[float]:
    """Milliseconds the pipeline takes per document in this process (the latency floor)."""
    for body in bodies[:WARM_UP]:  # models and caches load on the first documents: not the floor
        process(RawDocument.create(body, channel="webhook", content_type="text/plain"))
    times = []
    for body in bodies:
        raw = RawDocument.create(body, channel="webhook", content_type="text/plain")
        started = time.perf_counter()
        process(raw)
        times.append((time.perf_counter() - started) * 1000)
    return times


def send(api: ApiServer, bodies: Sequence[bytes], rate: float) -> tuple[dict[str, float], list[float], float]:
    """POST each body in its time slot (threads, so a slow answer does not delay the next request).

    Returns doc id -> time of its 202, the request times in ms, and the rate achieved.
    """
    accepted: dict[str, float] = {}
    request_ms: list[float] = []
    local = threading.local()
    clients: list[httpx.Client] = []
    lock = threading.Lock()

    def post(body: bytes) -> None:
        if not hasattr(local, "http"):
            local.http = httpx.Client(base_url=api.url, headers=api.headers, timeout=30)
            with lock:
                clients.append(local.http)
        sent = time.perf_counter()
        answer = local.http.post("/v1/documents", content=body, headers={"Content-Type": "text/plain"})
        done = time.perf_counter()
        if answer.status_code != 202:
            raise RuntimeError(f"POST /v1/documents answered {answer.status_code}: {answer.text[:500]}")
        with lock:
            for document in answer.json()["documents"]:
                accepted[document["id"]] = done
            request_ms.append((done - sent) * 1000)

    try:
        with ThreadPoolExecutor(SENDERS) as pool:
            started = time.perf_counter()
            futures = []
            for i, body in enumerate(bodies):
                if (wait := started + i / rate - time.perf_counter()) > 0:
                    time.sleep(wait)
                futures.append(pool.submit(post, body))
            for future in futures:
                future.result()
            achieved = len(bodies) / (time.perf_counter() - started)
    finally:
        for http in clients:
            http.close()
    return accepted, request_ms, achieved


def run(
    api: ApiServer, worker: Worker, arrivals: Arrivals, bodies: Sequence[bytes], rate: float
) -> dict[str, Any]:
    """One steady load: latency and request percentiles, in ms."""
    accepted, request_ms, achieved = send(api, bodies, rate=rate)
    # A saturated pipeline drains its backlog after the load stops: wait for it, it is the latency.
    worker.wait(lambda: accepted.keys() <= arrivals.seen.keys(), timeout=300, what=f"{len(bodies)} events")
    latencies = [(arrivals.seen[doc] - at) * 1000 for doc, at in accepted.items()]
    return {
        "rate": rate,
        "achieved_rate": round(achieved, 1),
        "documents": len(bodies),
        "latency_ms": _percentiles(latencies, ("p50", 50), ("p99", 99), ("max", 100)),
        "request_ms": _percentiles(request_ms, ("p50", 50), ("p99", 99)),
    }


def _percentiles(values: Sequence[float], *which: tuple[str, float]) -> dict[str, float]:
    return {name: round(percentile(values, q), 1) for name, q in which}


def main(argv: Sequence[str] | None = None) -> int:
    """Run the steady load and print the table and the JSON line."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rates", default="100,25", help="steady rates to run, docs/s, comma-separated")
    parser.add_argument("--seconds", type=float, default=15.0, help="how long each load lasts")
    parser.add_argument("--concurrency", type=int, default=2, help="worker pool processes")
    parser.add_argument("--seed", type=int, default=8)
    parser.add_argument("--quick", action="store_true", help="smoke run: 2 seconds at 20 docs/s")
    args = parser.parse_args(argv)
    if args.quick:
        args.rates, args.seconds = "20", 2.0
    if not ApiServer.available():
        report("latency", [["webhook -> stream", "skipped: no services/api/ in this tree yet"]], ["", ""], {})
        return 0

    rates = [float(rate) for rate in args.rates.split(",")]
    counts = [max(1, int(rate * args.seconds)) for rate in rates]
    bodies = corpus.dumps(sum(counts) + WARM_UP, args.seed)
    floor = floor_ms(bodies[: min(len(bodies), 300)])
    runs = []
    with private_redis() as (url, work):
        settings = bench_settings(url, f"latency-{uuid.uuid4().hex[:8]}")
        keys = Keys.from_settings(settings)
        worker = Worker(settings, work / "latency-worker.log", concurrency=args.concurrency)
        with (
            worker,
            ApiServer(settings, work / "latency-api.log") as api,
            Arrivals(url, keys.events) as arrivals,
        ):
            run(api, worker, arrivals, bodies[-WARM_UP:], rate=20)
            offset = 0
            for rate, count in zip(rates, counts, strict=True):
                runs.append(run(api, worker, arrivals, bodies[offset : offset + count], rate))
                offset += count

    floor_p = _percentiles(floor, ("p50", 50), ("p99", 99))
    rows = []
    for figures in runs:
        lat = figures["latency_ms"]
        figures["p50_ratio_to_floor"] = ratio(lat["p50"], floor_p["p50"])
        figures["p99_ratio_to_floor"] = ratio(lat["p99"], floor_p["p99"])
        rows.append(
            [
                f"202 -> event, {figures['rate']:.0f} docs/s offered ({figures['achieved_rate']:.0f} sent)",
                lat["p50"],
                lat["p99"],
                figures["p50_ratio_to_floor"],
                figures["p99_ratio_to_floor"],
            ]
        )
        rows.append([f"  POST /v1/documents -> 202 at {figures['rate']:.0f} docs/s",
                     figures["request_ms"]["p50"], figures["request_ms"]["p99"], "-", "-"])  # fmt: skip
    rows.append(["pipeline alone, one process (floor)", floor_p["p50"], floor_p["p99"], 1.0, 1.0])
    target = next((f for f in runs if f["rate"] == TARGET_RATE), None)
    met = None if target is None else target["latency_ms"]["p99"] < TARGET_P99_MS  # None: rate not run
    report(
        "latency",
        rows,
        ["ms", "p50", "p99", "p50 x floor", "p99 x floor"],
        {
            "workers": args.concurrency,
            "seconds": args.seconds,
            "runs": runs,
            "floor_ms": floor_p,
            "target": {
                "rate": TARGET_RATE,
                "p99_ms": TARGET_P99_MS,
                "met": met,
            },
        },
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
