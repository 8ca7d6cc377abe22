"""Per stage: µs per document for the task payload, decode/parse, validate, each enricher, publish.

    .venv/bin/python bench/bench_stages.py            # ~20 s
    .venv/bin/python bench/bench_stages.py --quick

Parsers and enrichers are discovered: every module in workers/parse/ and workers/enrich/ has its
public functions (and the public methods of its classes) wrapped with a timer while the real
`workers.pipeline.process` runs, and each module is charged its own time only (a call into another
timed module is charged to that one). Each figure is shown beside the whole per-document cost
measured in the same run, and against the budget the 2,000 docs/s target leaves on 2 cores.
Publishing is shown beside plain pipelined XADD of the same entries (the cost of idempotency).
"""

from __future__ import annotations

import argparse
import functools
import importlib
import inspect
import json
import pkgutil
import sys
import time
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType
from typing import Any

import redis

if __package__ in (None, ""):  # run as a script: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import workers.enrich
import workers.parse
import workers.pipeline
from bench import corpus
from bench.common import bench_settings, private_redis, ratio, report
from schemas import NewsEvent, RawDocument, StreamEntry
from services.keys import Keys
from services.sink import Sink
from services.sink.duplicates import annotate_and_route
from workers.pipeline import process

# 2,000 docs/s on 2 cores leaves each document 1,000 µs of one core, Celery and Redis included.
BUDGET_US = 2 * 1_000_000 / 2000
PIPELINE_STAGES = ("parse", "validate", "enrich")


class Timers:
    """Inclusive and exclusive (self) time per label, for nested timed calls."""

    def __init__(self) -> None:
        self.inclusive: dict[str, float] = defaultdict(float)
        self.exclusive: dict[str, float] = defaultdict(float)
        self._children: list[float] = []

    def wrap(self, label: str, func: Callable[..., Any]) -> Callable[..., Any]:
        """`func`, timed under `label`."""

        @functools.wraps(func)
        def timed(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            self._children.append(0.0)
            try:
                return func(*args, **kwargs)
            finally:
                elapsed = time.perf_counter() - started
                children = self._children.pop()
                self.inclusive[label] += elapsed
                self.exclusive[label] += elapsed - children
                if self._children:
                    self._children[-1] += elapsed

        timed.__wrapped_by_bench__ = True  # type: ignore[attr-defined]
        return timed


def stage_modules() -> list[ModuleType]:
    """Every module of workers/parse/ and workers/enrich/ (what exists now)."""
    found = []
    for package in (workers.parse, workers.enrich):
        for info in pkgutil.iter_modules(package.__path__, package.__name__ + "."):
            found.append(importlib.import_module(info.name))
    return found


def _label(module: ModuleType) -> str:
    return module.__name__.removeprefix("workers.")


def _targets(module: ModuleType) -> Iterator[tuple[Any, str, Callable[..., Any]]]:
    """(owner, attribute, function) for each public function and class method the module defines."""
    for name, value in vars(module).items():
        if name.startswith("_") and name != "__call__":
            continue
        if inspect.isfunction(value) and value.__module__ == module.__name__:
            if not inspect.isgeneratorfunction(value):  # a generator's work happens in its caller
                yield module, name, value
        elif (
            inspect.isclass(value)
            and value.__module__ == module.__name__
            and not hasattr(value, "model_fields")
        ):
            for attr, member in vars(value).items():
                if (not attr.startswith("_") or attr == "__call__") and inspect.isfunction(member):
                    yield value, attr, member


@contextmanager
def instrumented(timers: Timers) -> Iterator[None]:
    """Patch every stage module's functions (and names other modules imported them under) with timers."""
    modules = stage_modules()
    replaced: dict[int, Callable[..., Any]] = {}
    patches: list[tuple[Any, str, Any]] = []
    for module in modules:
        for owner, name, func in _targets(module):
            wrapper = timers.wrap(_label(module), func)
            replaced[id(func)] = wrapper
            patches.append((owner, name, func))
            setattr(owner, name, wrapper)
    # `from workers.enrich.language import detect` binds the original: rebind those names too.
    for module in [*modules, workers.pipeline, workers.parse, workers.enrich]:
        for name, value in list(vars(module).items()):
            if id(value) in replaced and getattr(module, name) is value:
                patches.append((module, name, value))
                setattr(module, name, replaced[id(value)])
    # The pipeline's own view of the stages: inclusive stage totals.
    for stage in PIPELINE_STAGES:
        if hasattr(workers.pipeline, stage):
            current = getattr(workers.pipeline, stage)
            patches.append((workers.pipeline, stage, current))
            setattr(workers.pipeline, stage, timers.wrap(f"stage:{stage}", current))
    try:
        yield
    finally:
        for owner, name, original in reversed(patches):
            setattr(owner, name, original)


def per_doc_us(func: Callable[[], Any], count: int) -> float:
    """µs per document of one call of `func` that handles `count` documents."""
    started = time.perf_counter()
    func()
    return (time.perf_counter() - started) / count * 1e6


def _plain_xadd(client: redis.Redis, stream: str, chunks: Sequence[Sequence[NewsEvent]]) -> None:
    for chunk in chunks:
        pipe = client.pipeline(transaction=False)
        for event in chunk:
            pipe.xadd(stream, StreamEntry.wrap(event).fields(), maxlen=100_000, approximate=True)  # type: ignore[arg-type]
        pipe.execute()


def _record_all(sink: Sink, statuses: Sequence[list[tuple[str, dict[str, str]]]]) -> None:
    for chunk in statuses:
        sink.record_status(chunk)


def _wrap_all(events: Sequence[NewsEvent]) -> None:
    for event in events:
        StreamEntry.wrap(event).fields()


def publish_figures(redis_url: str, events: Sequence[NewsEvent], batch: int) -> dict[str, float]:
    """µs per event: duplicate index, Sink.publish (Lua, pipelined), plain pipelined XADD, status writes."""
    settings = bench_settings(redis_url, f"stages-{uuid.uuid4().hex[:8]}")
    keys = Keys.from_settings(settings)
    client = redis.Redis.from_url(redis_url)
    chunks = [events[i : i + batch] for i in range(0, len(events), batch)]
    count = len(events)
    try:
        sink = Sink(client, keys, maxlen=settings.stream_maxlen, dedup_ttl=600, status_ttl=600)
        sink.publish(events[:1])  # loads the script outside the clock
        publish = lambda: [sink.publish(chunk) for chunk in chunks]  # noqa: E731
        statuses = [[(e.provenance.doc_id, {"state": "published"}) for e in chunk] for chunk in chunks]
        return {
            "wrap": per_doc_us(lambda: _wrap_all(events), count),
            "duplicates": per_doc_us(
                lambda: [annotate_and_route(client, keys, settings, c) for c in chunks], count
            ),
            "publish": per_doc_us(publish, count),
            # The same events again is the redelivery path: the script finds the markers.
            "republish": per_doc_us(publish, count),
            "xadd": per_doc_us(lambda: _plain_xadd(client, keys.stream("plain"), chunks), count),
            "status": per_doc_us(lambda: _record_all(sink, statuses), count),
        }
    finally:
        client.close()


def payload_figures(docs: Sequence[RawDocument]) -> dict[str, float]:
    """µs per document for the task payload: producer model_dump + JSON, worker JSON + validation."""
    dicts = [doc.model_dump(mode="json") for doc in docs]
    text = json.dumps(dicts)
    return {
        "producer": per_doc_us(lambda: json.dumps([doc.model_dump(mode="json") for doc in docs]), len(docs)),
        "worker": per_doc_us(lambda: [RawDocument.model_validate(d) for d in json.loads(text)], len(docs)),
    }


def main(argv: Sequence[str] | None = None) -> int:
    """Time every stage over the generated corpus and print the table and the JSON line."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--n", type=int, default=1000, help="documents")
    parser.add_argument("--batch", type=int, default=64, help="events per publish pipeline")
    parser.add_argument("--seed", type=int, default=8)
    parser.add_argument("--quick", action="store_true", help="smoke run: tiny N")
    args = parser.parse_args(argv)
    if args.quick:
        args.n = min(args.n, 100)

    docs = [
        RawDocument.create(d, channel="cli", content_type="text/plain")
        for d in corpus.dumps(args.n, args.seed)
    ]
    process(docs[0])  # load models outside the clock
    events: list[NewsEvent] = []
    plain = per_doc_us(lambda: events.extend(e for raw in docs for e in process(raw).events), len(docs))
    timers = Timers()
    with instrumented(timers):
        instrumented_total = per_doc_us(lambda: [process(raw) for raw in docs], len(docs))
    payload = payload_figures(docs)
    with private_redis() as (url, _):
        sink = publish_figures(url, events, args.batch)

    def us(seconds: float) -> float:
        return seconds / len(docs) * 1e6

    stages: dict[str, float] = {
        "payload: producer (model_dump + JSON)": payload["producer"],
        "payload: worker (JSON + validate)": payload["worker"],
    }
    for stage in PIPELINE_STAGES:
        if f"stage:{stage}" in timers.inclusive:
            stages[f"{stage} (whole stage)"] = us(timers.inclusive[f"stage:{stage}"])
    for label in sorted(timers.exclusive):
        if not label.startswith("stage:"):
            stages[f"  {label}"] = us(timers.exclusive[label])
    stages["duplicates: MinHash index + routes (Redis)"] = sink["duplicates"]
    stages["wrap (StreamEntry + event JSON)"] = sink["wrap"]
    stages["publish (Lua, pipelined, incl. wrap)"] = sink["publish"]
    stages["publish again (dedup hit)"] = sink["republish"]
    stages["status writes"] = sink["status"]
    whole = (
        plain
        + payload["producer"]
        + payload["worker"]
        + sink["duplicates"]
        + sink["publish"]
        + sink["status"]
    )
    rows = [
        [name, round(value, 1), ratio(value, whole), ratio(value, BUDGET_US)]
        for name, value in stages.items()
    ]
    rows.append(["plain XADD, pipelined (baseline for publish)", round(sink["xadd"], 1), "-", "-"])
    rows.append(["process() uninstrumented", round(plain, 1), ratio(plain, whole), ratio(plain, BUDGET_US)])
    rows.append(["whole per-document cost", round(whole, 1), 1.0, ratio(whole, BUDGET_US)])
    report(
        "stages",
        rows,
        ["stage", "µs/doc", "x whole", "x budget"],
        {
            "n": args.n,
            "us_per_doc": {name.strip(): round(value, 2) for name, value in stages.items()},
            "process_us": round(plain, 2),
            "process_instrumented_us": round(instrumented_total, 2),
            "whole_us": round(whole, 2),
            "budget_us": BUDGET_US,
            "publish_ratio_to_xadd": ratio(sink["publish"], sink["xadd"]),
            "modules": sorted(label for label in timers.exclusive if not label.startswith("stage:")),
        },
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
