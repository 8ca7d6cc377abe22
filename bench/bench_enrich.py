"""Enrichment cost per 400-word English article (median, one core) against a tokenisation baseline.

Run: .venv/bin/python bench/bench_enrich.py [--runs N]. Prints the median time of enrich() and of
each enricher, and their ratio to a plain tokenisation pass over the same text measured in the
same run. The target is a median enrich() at or under 0.5 ms.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from schemas import RawDocument
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
_WORD = re.compile(r"\w+")


def article_of(words: int) -> bytes:
    """A dump of about `words` words made of the English fixture articles' paragraphs."""
    paragraphs: list[str] = []
    for path in sorted(CORPUS.glob("en*.txt")):
        body = path.read_text(encoding="utf-8").split("\n\n", 1)[1]
        for paragraph in body.split("\n\n")[1:]:
            if sum(len(p.split()) for p in paragraphs) >= words:
                break
            paragraphs.append(paragraph.strip())
    text = " date 2024-05-14 Kazakhstan and Uzbekistan agree to expand transit cooperation\n\n"
    return (text + "ASTANA. KAZINFORM – " + "\n\n".join(paragraphs) + "\n").encode("utf-8")


def median_ms(fn: Callable[[], object], runs: int) -> float:
    """Median wall time of fn in milliseconds."""
    for _ in range(20):
        fn()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def main() -> None:
    """Measure and print; exit 0 (the figures are for reading, not a pass/fail gate)."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=300)
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})  # one core
    raw = RawDocument.create(article_of(400), channel="cli")
    [article] = parse(raw)
    body = article.body
    text = f"{article.headline}\n{body}"
    gaz = gazetteer.load()
    finder = places.PlaceFinder(gaz)
    found = entities.recognise(text, "en", gaz, finder)
    print(f"article: {basics.word_count(body)} words, {len(body)} characters")

    baseline = median_ms(lambda: _WORD.findall(text), args.runs)
    total = median_ms(lambda: enrich(article, raw), args.runs)
    stages = {
        "language": lambda: language.detect(text),
        "entities+places lookup": lambda: entities.recognise(text, "en", gaz, finder),
        "places (to_places)": lambda: places.to_places(found.places, found.regions, "ASTANA", gaz),
        "quotes": lambda: quotes.extract(body, found.shifted(len(article.headline or "") + 1)),
        "keywords": lambda: keywords.extract(body, article.headline),
        "topics": lambda: topics.classify(body, article.headline),
        "tone": lambda: tone.score(text, "en"),
        "hash+lede+word count": lambda: (
            basics.content_hash(body),
            basics.lede(body),
            basics.word_count(body),
        ),
        "duplicate signature (task)": lambda: duplicates.signature(body),
    }
    print(f"{'baseline: tokenisation pass':34} {baseline:8.3f} ms   1.0x")
    print(
        f"{'enrich() total':34} {total:8.3f} ms {total / baseline:6.1f}x   (target <= {TARGET_MS} ms: "
        f"{'met' if total <= TARGET_MS else 'NOT met'})"
    )
    for name, fn in stages.items():
        ms = median_ms(fn, args.runs)
        print(f"  {name:32} {ms:8.3f} ms {ms / baseline:6.1f}x")


if __name__ == "__main__":
    main()
