"""Memory: peak RSS of a worker (pool children included) over 10,000 documents, and of the API.

    .venv/bin/python bench/bench_memory.py            # ~2 minutes on 2 cores
    .venv/bin/python bench/bench_memory.py --quick

The worker (`newswire worker -c 2`) gets N generated dumps in batches of 64; its process tree is
sampled with psutil while it works. Each figure stands beside the same tree's memory once warmed
up (models loaded, before the N documents): the baseline. Growth is the peak over the second half
of the documents against the peak over the first half; a leak shows as a ratio above 1.
RSS counts pages the pool children share with their parent once per process; PSS splits them.
The API (`newswire api`, when it exists) gets N single-document POST /v1/documents the same way.
"""

from __future__ import annotations

import argparse
import sys
import threading
import time
import uuid
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a script: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import corpus
from bench.common import (
    ApiServer,
    Worker,
    bench_settings,
    client,
    private_redis,
    ratio,
    report,
    tree_memory,
)
from schemas import RawDocument
from services.keys import Keys
from services.queue import Enqueuer

TARGET_MB = 250
# The figures are MiB (2**20 bytes) and the target is in MB (10**6 bytes): 250 MB is 238.4 MiB.
TARGET_MIB = TARGET_MB * 10**6 / 2**20
# Peak PSS over the second half may exceed the first half's by this much before it counts as growth
# (allocator arenas and caches settle for a while).
GROWTH_TOLERANCE = 1.05
WARM_UP = 8


@dataclass
class Sampler:
    """Samples a process tree's memory in a thread, keeping the peaks of each half of the run."""

    pid: int
    progress: Callable[[], int]
    half: int
    interval: float = 0.25
    peaks: list[dict[str, float]] = field(default_factory=lambda: [{}, {}])
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def _run(self) -> None:
        while not self._stop.is_set():
            self.sample()
            self._stop.wait(self.interval)

    def sample(self) -> None:
        """One sample, added to the peak of the half the progress is in."""
        done = self.progress()
        memory = tree_memory(self.pid)
        peak = self.peaks[0 if done < self.half else 1]
        for name in ("rss", "pss", "largest_rss"):
            peak[name] = max(peak.get(name, 0.0), memory[name])

    def __enter__(self) -> Sampler:
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self._thread:
            self._thread.join()
        self.sample()  # the state at the very end belongs to the second half


def worker_memory(
    url: str, work: Path, docs: Sequence[RawDocument], warm: Sequence[RawDocument], concurrency: int
) -> dict[str, Any]:
    """Warm-up baseline and per-half peaks of a worker with `concurrency` pool processes over `docs`."""
    settings = bench_settings(url, f"mem-{uuid.uuid4().hex[:8]}")
    keys = Keys.from_settings(settings)
    r = client(url)
    enqueuer = Enqueuer(settings)
    try:
        with Worker(settings, work / "memory-worker.log", concurrency=concurrency) as worker:
            for raw in warm:
                enqueuer.submit([raw])
            worker.wait(lambda: r.xlen(keys.events) >= len(warm), timeout=60, what="warm-up")
            assert worker.process is not None
            baseline = tree_memory(worker.process.pid)
            started = time.perf_counter()

            def progress() -> int:
                # Documents finished (not events: a repeated article would publish nothing).
                return int(r.hget(keys.counters, "documents_processed") or 0) - len(warm)

            with Sampler(worker.process.pid, progress, half=len(docs) // 2) as sampler:
                for _ in enqueuer.submit_many(docs, 64):
                    pass
                worker.wait(lambda: progress() >= len(docs), timeout=600, what=f"{len(docs)} documents")
            elapsed = time.perf_counter() - started
    finally:
        enqueuer.close()
        r.close()
    return {
        "baseline": baseline,
        "peaks": sampler.peaks,
        "seconds": elapsed,
        "processes": baseline["processes"],
    }


def api_memory(url: str, work: Path, docs: Sequence[bytes]) -> dict[str, Any]:
    """Warm-up baseline and per-half peaks of `newswire api` over one POST per document."""
    import httpx

    settings = bench_settings(url, f"memapi-{uuid.uuid4().hex[:8]}")
    sent = [0]
    lock = threading.Lock()
    with ApiServer(settings, work / "memory-api.log") as api:
        assert api.process is not None
        local = threading.local()

        def post(body: bytes) -> None:
            if not hasattr(local, "http"):
                local.http = httpx.Client(base_url=api.url, headers=api.headers, timeout=30)
                clients.append(local.http)
            answer = local.http.post("/v1/documents", content=body, headers={"Content-Type": "text/plain"})
            if answer.status_code != 202:
                raise RuntimeError(f"POST /v1/documents answered {answer.status_code}: {answer.text[:500]}")
            with lock:
                sent[0] += 1

        clients: list[httpx.Client] = []
        try:
            with ThreadPoolExecutor(4) as pool:
                list(pool.map(post, docs[:WARM_UP]))
                baseline = tree_memory(api.process.pid)
                started = time.perf_counter()
                with Sampler(
                    api.process.pid, lambda: sent[0] - WARM_UP, half=(len(docs) - WARM_UP) // 2
                ) as sampler:
                    list(pool.map(post, docs[WARM_UP:]))
                elapsed = time.perf_counter() - started
        finally:
            for http in clients:
                http.close()
    return {"baseline": baseline, "peaks": sampler.peaks, "seconds": elapsed, "requests": sent[0] - WARM_UP}


def _rows(role: str, n: int, figures: dict[str, Any]) -> list[list[Any]]:
    base = figures["baseline"]
    first, second = figures["peaks"]
    return [
        [f"{role}: warmed up (baseline)", "-", base["rss"], base["largest_rss"], base["pss"], 1.0],
        [f"{role}: peak, first {n // 2:,}", n // 2, first["rss"], first["largest_rss"], first["pss"],
         ratio(first["pss"], base["pss"])],
        [f"{role}: peak, {n // 2:,} to {n:,}", n, second["rss"], second["largest_rss"], second["pss"],
         ratio(second["pss"], base["pss"])],
    ]  # fmt: skip


def _figures(figures: dict[str, Any]) -> dict[str, Any]:
    base = figures["baseline"]
    first, second = figures["peaks"]
    out: dict[str, Any] = {"processes": base["processes"], "seconds": round(figures["seconds"], 1)}
    for name in ("rss", "largest_rss", "pss"):
        out[f"baseline_{name}_mb"] = round(base[name], 1)
        out[f"peak_first_half_{name}_mb"] = round(first[name], 1)
        out[f"peak_second_half_{name}_mb"] = round(second[name], 1)
    out["growth_second_to_first_half"] = ratio(second["pss"], first["pss"])
    # The machine's cost is the tree's PSS (shared pages once), so the target is judged on it.
    peak = max(first["pss"], second["pss"])
    out["target_met"] = peak <= TARGET_MIB and out["growth_second_to_first_half"] <= GROWTH_TOLERANCE
    return out


def main(argv: Sequence[str] | None = None) -> int:
    """Measure the worker, then the API, and print the table and the JSON line."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--n", type=int, default=10_000, help="documents for the worker, requests for the API"
    )
    parser.add_argument("--concurrency", type=int, default=2, help="worker pool processes")
    parser.add_argument("--seed", type=int, default=8)
    parser.add_argument("--no-api", action="store_true", help="skip the API")
    parser.add_argument("--quick", action="store_true", help="smoke run: tiny N")
    args = parser.parse_args(argv)
    if args.quick:
        args.n = min(args.n, 200)

    pool = corpus.dumps(args.n + WARM_UP, args.seed)
    raws = [RawDocument.create(d, channel="cli", content_type="text/plain") for d in pool]
    rows: list[list[Any]] = []
    result: dict[str, Any] = {
        "n": args.n,
        "target_mb": TARGET_MB,
        "target_mib": round(TARGET_MIB, 1),
        "concurrency": args.concurrency,
    }
    with private_redis() as (url, work):
        worker = worker_memory(url, work, raws[: args.n], raws[args.n :], args.concurrency)
        rows += _rows(f"worker -c {args.concurrency}", args.n, worker)
        result["worker"] = _figures(worker)
        if args.no_api or not ApiServer.available():
            note = "skipped (--no-api)" if args.no_api else "skipped: no services/api/ in this tree yet"
            rows.append(["api", "-", note, "-", "-", "-"])
            result["api"] = None
        else:
            api = api_memory(url, work, pool)
            rows += _rows("api", args.n, api)
            result["api"] = _figures(api)
    header = ["process tree", "docs", "RSS sum MiB", "largest RSS MiB", "PSS MiB", "PSS x baseline"]
    report("memory", rows, header, result)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
