"""Near-duplicate signatures: MinHash over word 4-gram shingles, banded for LSH look-ups.

Pure: the Redis-backed index that compares signatures lives in services/sink/duplicates.py.
Shingles of case-folded words survive reordered paragraphs, a changed sentence or a new
dateline; the share of equal MinHash values estimates the Jaccard similarity of two texts.
"""

from __future__ import annotations

import re
import zlib
from dataclasses import dataclass

import numpy as np

from schemas import NewsEvent
from workers.enrich.text import fold

PERMUTATIONS = 64
BANDS = 16  # 16 bands of 4 values: texts with Jaccard 0.5 share a band with p ~ 0.65, 0.8 with p > 0.99
ROWS = PERMUTATIONS // BANDS
SHINGLE = 4
_WORD = re.compile(r"\w+", re.UNICODE)
# Fixed seeds: every worker process must compute the same signature for the same text.
_RNG = np.random.default_rng(20240229)
_A = (_RNG.integers(1, 2**63, PERMUTATIONS, dtype=np.uint64) | np.uint64(1)).reshape(1, -1)
_B = _RNG.integers(0, 2**63, PERMUTATIONS, dtype=np.uint64).reshape(1, -1)
_MIX = np.array([0x9E3779B1, 0x85EBCA77, 0xC2B2AE3D, 0x27D4EB2F], dtype=np.uint64)


@dataclass(frozen=True)
class Signature:
    """A text's MinHash values (hex, 8 digits each) and its LSH band keys."""

    values: str
    bands: tuple[str, ...]


def signature(text: str) -> Signature | None:
    """The MinHash signature of a text, or None when it has fewer words than one shingle."""
    words = _WORD.findall(text.casefold())
    if len(words) < SHINGLE:
        return None
    hashes = np.fromiter(map(zlib.crc32, map(str.encode, words)), dtype=np.uint64, count=len(words))
    count = len(words) - SHINGLE + 1
    shingles = np.zeros(count, dtype=np.uint64)
    for k in range(SHINGLE):
        shingles = shingles * np.uint64(0x100000001B3) + hashes[k : k + count] * _MIX[k]
    column = shingles.reshape(-1, 1)  # repeated shingles cannot change a minimum: no dedup needed
    # Multiply-shift hashing: the top 32 bits of a*x + b (mod 2**64) for an odd random a. The shift
    # keeps order, so it is applied to the 64 minima rather than to every shingle's values.
    hashed = column * _A
    hashed += _B
    mins = (hashed.min(axis=0) >> np.uint64(32)).astype(np.uint32)
    values = mins.astype(">u4").tobytes().hex()
    width = ROWS * 8
    bands = tuple(f"{b}:{values[b * width : (b + 1) * width]}" for b in range(BANDS))
    return Signature(values, bands)


def similarity(a: str, b: str) -> float:
    """Estimated Jaccard similarity of two signatures' texts (share of equal MinHash values)."""
    same = sum(a[i : i + 8] == b[i : i + 8] for i in range(0, min(len(a), len(b)), 8))
    return same / PERMUTATIONS


def story_keys(event: NewsEvent) -> list[str]:
    """Keys two events about the same story share: a key person, a key place and the main topic.

    Key people and places are the two most mentioned of each (cities before countries, which
    name too much); an article with no people keys on its main organisation instead.
    """
    people = [fold(p.name) for p in sorted(event.persons, key=lambda p: -p.mentions)[:2]]
    if not people:
        people = [fold(o.name) for o in sorted(event.organizations, key=lambda o: -o.mentions)[:1]]
    ranked = sorted(event.places, key=lambda p: (p.kind == "country", -p.mentions))
    places = [fold(p.name) for p in ranked[:2]]
    topic = event.topics[0].code if event.topics else ""
    return [f"{who}|{where}|{topic}" for who in people for where in places]
