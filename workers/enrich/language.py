"""Language identification (ISO 639-1): function-word profiles for en/ru/kk, py3langid for the rest.

Kazakh is told apart by its letters (Cyrillic ә ғ қ ң ө ұ ү һ і; Latin á ǵ ń ó ú ı ş ç ğ ñ ü) and
function words, in both scripts; py3langid reads Latin Kazakh as Turkish or Crimean Tatar.
"""

from __future__ import annotations

import re
from collections import Counter
from functools import lru_cache

_WORD = re.compile(r"\w+", re.UNICODE)
# і is Ukrainian and Belarusian too, so only the letters no other Cyrillic language has count.
_KAZAKH_CYRILLIC = re.compile(r"[әғқңөұүһ]", re.IGNORECASE)
_KAZAKH_LATIN = re.compile(r"[áǵńóúıýşçğñüöä]", re.IGNORECASE)
_PROFILES: dict[str, frozenset[str]] = {
    "en": frozenset(
        "the of and to in a is that for on with as was by at from it are be has have said will".split()
    ),
    "ru": frozenset("и в на что с по не из к о от для как это за также его он а года году при до".split()),
    "kk": frozenset("және мен бен пен бұл осы үшін бойынша туралы деді жылы да де ол еді болды мен".split()),
    "kk-latn": frozenset(
        "jáne men ben pen bul osy úshin boıynsha týraly dedi jyly da de ol edi boldy jane".split()
    ),
}
_SAMPLE = 600


@lru_cache(maxsize=1)
def _identifier():  # type: ignore[no-untyped-def]
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


def detect(text: str) -> tuple[str | None, float | None]:
    """(ISO 639-1 code, confidence 0..1) for the text, or (None, None) if it has no words."""
    words = list(map(str.lower, _WORD.findall(text[: _SAMPLE * 3])[:200]))
    if len(words) < 3:
        return None, None
    counts = Counter(words)
    shares = {
        lang: sum(counts[w] for w in profile & counts.keys()) / len(words)
        for lang, profile in _PROFILES.items()
    }
    sample = " ".join(words)
    kazakh_cyr = len(_KAZAKH_CYRILLIC.findall(sample))
    kazakh_lat = len(_KAZAKH_LATIN.findall(sample))
    if kazakh_cyr >= 3 and kazakh_cyr / max(1, len(words)) >= 0.05:
        return "kk", round(min(0.99, 0.75 + shares["kk"] + kazakh_cyr / 400), 3)
    if shares["kk-latn"] >= 0.04 and kazakh_lat >= 3:
        return "kk", round(min(0.99, 0.7 + shares["kk-latn"] + kazakh_lat / 400), 3)
    best = max(("en", "ru"), key=lambda lang: shares[lang])
    # Function words make up a quarter or more of running English or Russian prose.
    if shares[best] >= 0.15:
        return best, round(min(0.99, 0.6 + 1.5 * shares[best]), 3)
    code, probability = _identifier().classify(text[:_SAMPLE])
    return code, round(float(probability), 3)
