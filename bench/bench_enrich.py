"""Enrichment cost per 400-word English article (one core) against a tokenisation baseline.

Run: .venv/bin/python bench/bench_enrich.py [--runs N]. Eight distinct ~400-word English dumps
(paragraphs of the English fixture articles, each starting at a different article) are enriched
in turn, `--runs` times each. Printed per article: median and p90 wall time of enrich() and of each
enricher, the median CPU time of the thread (less disturbed by other processes on a shared
machine), and the ratio to a plain tokenisation pass (`\\w+` findall) over the same text measured
in the same run. A last row clears the word-form caches before every article: the cost of text
whose every name and word the process has never seen. The target is a median enrich() at or
under 0.5 ms. Ends with one JSON line.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import workers.enrich
from schemas import ParsedArticle, RawDocument
from workers.enrich import (
    basics,
    duplicates,
    enrich,
    entities,
    gazetteer,
    keywords,
    language,
    places,
    quotes,
    tone,
    topics,
)
from workers.parse import parse

CORPUS = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "enrich"
TARGET_MS = 0.5
ARTICLES = 8
_WORD = re.compile(r"\w+")


def article_of(words: int, first: int = 0) -> bytes:
    """A dump of about `words` words made of the English fixture articles' paragraphs, from the `first`th."""
    files = sorted(CORPUS.glob("en*.txt"))
    paragraphs: list[str] = []
    for path in files[first:] + files[:first]:
        body = path.read_text(encoding="utf-8").split("\n\n", 1)[1]
        for paragraph in body.split("\n\n")[1:]:
            if sum(len(p.split()) for p in paragraphs) >= words:
                break
            paragraphs.append(paragraph.strip())
    text = " date 2024-05-14 Kazakhstan and Uzbekistan agree to expand transit cooperation\n\n"
    dateline = "ASTANA. KAZINFORM – "  # noqa: RUF001 (the dump format's en dash)
    return (text + dateline + "\n\n".join(paragraphs) + "\n").encode("utf-8")


def word_caches() -> Iterator[Callable[..., object]]:
    """The per-word-form lru caches of the enrichers (not the one-off loaded tables and models)."""
    for name in dir(workers.enrich):
        module = getattr(workers.enrich, name)
        for value in vars(module).values() if hasattr(module, "__dict__") else ():
            info = getattr(value, "cache_info", None)
            if (
                info is not None
                and (info().maxsize or 0) > 1
                and getattr(value, "__module__", "") == module.__name__
            ):
                yield value


class Sampler:
    """Wall and thread-CPU times of calls, in milliseconds."""

    def __init__(self) -> None:
        self.wall: list[float] = []
        self.cpu: list[float] = []

    def time(self, fn: Callable[[], object], before: Callable[[], object] | None = None) -> None:
        """Run fn once and record its times (before() runs outside the clock)."""
        if before:
            before()
        cpu, wall = time.thread_time(), time.perf_counter()
        fn()
        self.wall.append((time.perf_counter() - wall) * 1000)
        self.cpu.append((time.thread_time() - cpu) * 1000)

    def figures(self) -> dict[str, float]:
        """Median and p90 wall, median CPU."""
        return {
            "median_ms": round(statistics.median(self.wall), 4),
            "p90_ms": round(statistics.quantiles(self.wall, n=10)[-1], 4),
            "cpu_median_ms": round(statistics.median(self.cpu), 4),
        }


def stages(article: ParsedArticle) -> dict[str, Callable[[], object]]:
    """Each enricher on its own, called as enrich() calls it."""
    body = article.body
    head = f"{article.headline}\n" if article.headline else ""
    text = head + body
    gaz = gazetteer.load()
    finder = places.PlaceFinder(gaz)
    found = entities.recognise(text, "en", gaz, finder)
    body_words = basics.words(body)  # enrich() finds them once, for the word count and the topics
    return {
        "language": lambda: language.detect(text),
        "entities+places lookup": lambda: entities.recognise(text, "en", gaz, finder),
        "places (to_places)": lambda: places.to_places(found.places, found.regions, "ASTANA", gaz),
        "quotes": lambda: quotes.extract(body, found.shifted(len(head))),
        "keywords": lambda: keywords.extract(body, article.headline),
        "topics": lambda: topics.classify(body, article.headline, words=body_words),
        "tone": lambda: tone.score(text, "en"),
        "hash+lede+word count": lambda: (
            basics.content_hash(body),
            basics.lede(body),
            len(basics.words(body)),
        ),
        "duplicate signature (task)": lambda: duplicates.signature(body),
    }


Doc = tuple[RawDocument, ParsedArticle, str, dict[str, Callable[[], object]]]


def measure(docs: list[Doc], runs: int) -> dict[str, Sampler]:
    """Time the baseline, enrich() and each enricher on every article, `runs` times; then cold runs."""
    caches = list(word_caches())

    def clear() -> None:
        for cache in caches:
            cache.cache_clear()  # type: ignore[attr-defined]

    samplers = {name: Sampler() for name in ("baseline", "enrich", "enrich, cold caches")}
    for raw, article, _, _ in docs:  # warm-up: tables loaded, caches filled
        enrich(article, raw)
    for _ in range(runs):
        for raw, article, text, fns in docs:
            samplers["baseline"].time(lambda text=text: _WORD.findall(text))  # type: ignore[misc]
            samplers["enrich"].time(lambda raw=raw, article=article: enrich(article, raw))  # type: ignore[misc]
            for name, fn in fns.items():
                samplers.setdefault(name, Sampler()).time(fn)
    cold = samplers["enrich, cold caches"]
    for _ in range(max(3, runs // 10)):
        for raw, article, _, _ in docs:
            cold.time(lambda raw=raw, article=article: enrich(article, raw), clear)  # type: ignore[misc]
    return samplers


def main() -> None:
    """Measure and print; exit 0 (the figures are for reading, not a pass/fail gate)."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=60, help="passes over the eight articles")
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})  # one core
    docs: list[Doc] = []
    for k in range(ARTICLES):
        raw = RawDocument.create(article_of(400, first=k * 5), channel="cli")
        [article] = parse(raw)
        docs.append((raw, article, f"{article.headline}\n{article.body}", stages(article)))
    words = statistics.median(basics.word_count(a.body) for _, a, _, _ in docs)
    print(f"{ARTICLES} articles, median {words:.0f} words; {args.runs} runs each")
    results = {name: s.figures() for name, s in measure(docs, args.runs).items()}
    base = results["baseline"]["median_ms"]
    print(f"{'':34} {'median':>8} {'p90':>8} {'CPU med':>8}  ratio to baseline (median)")
    for name, fig in results.items():
        label = name if name in ("baseline", "enrich", "enrich, cold caches") else f"  {name}"
        print(
            f"{label:34} {fig['median_ms']:8.3f} {fig['p90_ms']:8.3f} {fig['cpu_median_ms']:8.3f}"
            f"  {fig['median_ms'] / base:6.1f}x"
        )
    total = results["enrich"]["median_ms"]
    verdict = "met" if total <= TARGET_MS else "NOT met"
    print(f"target: enrich() median <= {TARGET_MS} ms: {verdict} ({total:.3f} ms)")
    print(json.dumps({"bench": "enrich", "unit": "ms", "target_ms": TARGET_MS, "results": results}))


if __name__ == "__main__":
    main()
