"""Language identification (ISO 639-1) with py3langid, narrowed to Kazakh where its letters show."""

from __future__ import annotations

import re
from functools import lru_cache

_KAZAKH_CYRILLIC = re.compile(r"[әғқңөұүһіӘҒҚҢӨҰҮҺІ]")


@lru_cache(maxsize=1)
def _identifier():  # type: ignore[no-untyped-def]
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


def detect(text: str) -> tuple[str | None, float | None]:
    """(ISO 639-1 code, confidence 0..1) for the text, or (None, None) if there is none."""
    sample = text[:2000]
    if not sample.strip():
        return None, None
    # Letters only Kazakh Cyrillic uses settle it; py3langid often calls such text Russian.
    kazakh_letters = len(_KAZAKH_CYRILLIC.findall(sample))
    if kazakh_letters >= 3:
        return "kk", min(1.0, 0.7 + kazakh_letters / 100)
    code, probability = _identifier().classify(sample)
    return code, round(float(probability), 3)
