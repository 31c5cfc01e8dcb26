"""The language of the article text, as an ISO 639-1 code (py3langid, model shipped)."""

from __future__ import annotations

from functools import lru_cache

from py3langid.langid import MODEL_FILE, LanguageIdentifier

# Below this probability the detector is guessing; the outlet's declared language is better.
_MIN_CONFIDENCE = 0.8
_MIN_LETTERS = 20
# The detector's cost is linear in its input (a pure-Python byte loop); a thousand characters
# of prose (150-odd words) are more than it needs to be sure, and give the same answers on
# every fixture.
_SAMPLE_CHARS = 1000


@lru_cache(maxsize=1)
def _identifier() -> LanguageIdentifier:
    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


# The same text is often classified twice per page (clean stage, then the record without its
# byline lines, whose first _SAMPLE_CHARS are usually unchanged): remember recent samples.
@lru_cache(maxsize=64)
def _classify(sample: str) -> tuple[str, float]:
    code, probability = _identifier().classify(sample)
    return str(code), float(probability)


def detect_language(text: str, fallback: str | None = None) -> str | None:
    """ISO 639-1 code of ``text``; ``fallback`` (the outlet's language) when unsure or too short."""
    sample = text[:_SAMPLE_CHARS]
    if sum(map(str.isalpha, sample)) < _MIN_LETTERS:
        return fallback
    code, probability = _classify(sample)
    if probability < _MIN_CONFIDENCE and fallback:
        return fallback
    return code
