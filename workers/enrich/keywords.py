"""Keywords: the article's most salient terms, scored by frequency and position (headline, lede).

A light YAKE-like statistic: YAKE itself was measured at about 19 ms per 400-word article, forty
times the enrichment budget, so this keeps its two strongest signals (term frequency and early
position) and drops the rest.
"""

from __future__ import annotations

import re
from collections import Counter
from itertools import compress
from operator import itemgetter

from workers.enrich import lexicon

_WORD = re.compile(r"[^\W\d_][\w-]*", re.UNICODE)
_STOP = (
    frozenset(
        """about above after again against also although among another because been before being
    below between both could does doing down during each even ever every from further have having
    here however into itself just last least less made make many more most much must near need
    next only other over same several should since some still such than that their them then
    there these they this those through under until upon very were what when where which while
    will with within would year years your said says told added noted according including
    percent people time week month today yesterday first second third new
    также который которые которая которого этом этого того чтобы было были будет может более
    после года году сообщил сообщает отметил заявил однако кроме между через время рамках
    течение всего около более менее тысяч миллионов миллиардов процентов
    және үшін бойынша туралы бұл осы деді атап өтті болды жылы сондай-ақ кезінде арқылы""".split()
    )
    | lexicon.STOP_CAPITALS
)
_TOP = 8


def extract(body: str, headline: str | None = None) -> list[str]:
    """Up to 8 keywords, most salient first (lower case unless always written capitalised)."""
    words = _WORD.findall(body)
    if not words:
        return []
    lower = list(map(str.lower, words))
    # dict/zip over reversed lists keep each key's first position, at C speed; the word at that
    # position is the key's first spelling.
    first = dict(zip(reversed(lower), range(len(lower) - 1, -1, -1), strict=True))
    counts = Counter(lower)
    headline_words = {w.lower() for w in _WORD.findall(headline or "")}
    # Only a word seen twice or in the headline can be a keyword, and each of those outscores
    # (score >= 2) every other word (score < 2), so only they need ranking.
    candidates = [
        k for k, c in counts.items() if (c > 1 or k in headline_words) and len(k) >= 4 and k not in _STOP
    ]
    lowered = set(compress(lower, map(str.islower, map(itemgetter(0), words))))
    n = len(words)

    def rank(key: str) -> tuple[float, int]:
        """Best first: frequency x early position (x 2 in the headline), then the earlier word."""
        at = first[key]
        position = 1.0 + (1.0 - at / n)
        return -(counts[key] * position * (2.0 if key in headline_words else 1.0)), at

    ranked = sorted(candidates, key=rank)
    # Keep the capital of names ("Astana") but not of a sentence's first word.
    return [words[first[k]] if k not in lowered else k for k in ranked[:_TOP]]
