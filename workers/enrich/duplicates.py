"""Near-duplicate signatures: MinHash over word 4-gram shingles, banded for LSH look-ups.

Pure: the Redis-backed index that compares signatures lives in services/sink/duplicates.py.
Shingles of case-folded words survive reordered paragraphs, a changed sentence or a new
dateline; the share of equal MinHash values estimates the Jaccard similarity of two texts.
"""

from __future__ import annotations

import re
import zlib
from dataclasses import dataclass
from functools import lru_cache

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
# One row per permutation: a permutation's values over all shingles lie in one contiguous row,
# which numpy takes the minimum of faster than of a strided column.
_A = (_RNG.integers(1, 2**63, PERMUTATIONS, dtype=np.uint64) | np.uint64(1)).reshape(-1, 1)
_B = _RNG.integers(0, 2**63, PERMUTATIONS, dtype=np.uint64).reshape(-1, 1)
_MIX = np.array([0x9E3779B1, 0x85EBCA77, 0xC2B2AE3D, 0x27D4EB2F], dtype=np.uint64)
_FNV_PRIME = np.uint64(0x100000001B3)


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
    hashes = np.fromiter(map(_word_hash, words), dtype=np.uint64, count=len(words))
    count = len(words) - SHINGLE + 1
    # shingle = ((h0*m0)*p + h1*m1)*p + ... (mod 2**64), built in place.
    shingles = hashes[:count] * _MIX[0]
    for k in range(1, SHINGLE):
        shingles *= _FNV_PRIME
        shingles += hashes[k : k + count] * _MIX[k]
    # Multiply-shift hashing: the top 32 bits of a*x + b (mod 2**64) for an odd random a. The shift
    # keeps order, so it is applied to the 64 minima rather than to every shingle's values.
    # Repeated shingles cannot change a minimum: no dedup needed.
    hashed = _A * shingles
    hashed += _B
    mins = (hashed.min(axis=1) >> np.uint64(32)).astype(np.uint32)
    values = mins.astype(">u4").tobytes().hex()
    width = ROWS * 8
    bands = tuple(f"{b}:{values[b * width : (b + 1) * width]}" for b in range(BANDS))
    return Signature(values, bands)


@lru_cache(maxsize=100_000)
def _word_hash(word: str) -> int:
    """crc32 of a word's UTF-8: words repeat across articles, so their hashes are cached."""
    return zlib.crc32(word.encode())


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
