"""Text repair and normalisation shared by every extracted string."""

from __future__ import annotations

import re
import unicodedata

import ftfy

# Mojibake leaves tell-tale pairs: UTF-8 read as Latin-1/cp1252 ("Ã©", "â€™", "Â ").
_MOJIBAKE = re.compile(
    "[ÃÂâ][\u0080-\u00bf\u2018-\u203a\u0152\u0153\u0160\u0161\u017d\u017e\u0178]"
)
_MOJIBAKE_LEADS = ("Ã", "Â", "â")
# Every Unicode space variant (no-break, French narrow no-break before ; : ! ?, thin, figure…)
# becomes a plain space: copies of one story differ in them, and dedup/tokenisers must not care.
_SPACES = re.compile("[\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000\t\r\f\v]+")
# Invisible characters that only break words apart (zero-width, soft hyphen, BOM).
_INVISIBLE = re.compile("[\u200b\u200c\u200d\u2060\u00ad\ufeff]")
_RUN_OF_SPACES = re.compile(" {2,}")


def looks_like_mojibake(text: str) -> bool:
    """True when the text carries typical UTF-8-read-as-Latin-1 sequences."""
    # Every sequence starts with one of three characters that few texts hold: looking for
    # them with ``in`` (a memchr) is ten times cheaper than the regex's scan of a whole page.
    if text.isascii() or not any(lead in text for lead in _MOJIBAKE_LEADS):
        return False
    return _MOJIBAKE.search(text) is not None


def repair(text: str) -> str:
    """Repair mojibake (ftfy) only where it is seen, and compose characters (NFC)."""
    if looks_like_mojibake(text):
        text = ftfy.fix_text(text, unescape_html=False, uncurl_quotes=False, fix_line_breaks=False)
    return unicodedata.normalize("NFC", text)


def normalise_line(text: str) -> str:
    """One paragraph: repaired, NFC, invisible characters gone, spaces collapsed, trimmed."""
    text = repair(text)
    text = _INVISIBLE.sub("", text)
    text = _SPACES.sub(" ", text.replace("\n", " "))
    return _RUN_OF_SPACES.sub(" ", text).strip()


def join_paragraphs(paragraphs: list[str]) -> str:
    """Paragraphs separated by one blank line (the article-record text format)."""
    return "\n\n".join(p for p in paragraphs if p)


# Scripts written without spaces between words: Han, Hiragana, Katakana, Hangul syllables, Thai.
_UNSPACED = re.compile("[\u0e00-\u0e7f\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af]")
# About this many characters of those scripts make a word of a spaced language.
_UNSPACED_CHARS_PER_WORD = 2


def count_words(text: str) -> int:
    """Words of ``text``, for length thresholds: space-separated tokens, and for scripts written
    without spaces (Chinese, Japanese, Thai…) one word per two characters."""
    unspaced = len(_UNSPACED.findall(text))
    if not unspaced:
        return len(text.split())
    spaced = len(_UNSPACED.sub(" ", text).split())
    return spaced + unspaced // _UNSPACED_CHARS_PER_WORD
