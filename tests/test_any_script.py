"""Every text stage takes any script's digits and letters without an exception.

Pages of this region carry more than ASCII digits: Arabic-Indic on Arabic-language pages
(Mauritania, Niger, Chad's neighbours), N'Ko on Manding pages, and, on pages that quote them,
Bengali, Devanagari, full-width or superscript figures. ``\\d`` and ``str.isdigit`` match them
all; code that then assumes ASCII (``encode("ascii")``, ``float``) fails the page.
"""

from __future__ import annotations

import contextlib
from datetime import datetime

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crawler.middlewares import retry_after_seconds
from workers.extract import extract_record
from workers.stages.bylines.credits import parse_credit
from workers.stages.bylines.lines import scan_body
from workers.stages.bylines.names import split_names
from workers.stages.clean.datetext import find_dates, parse_machine_date
from workers.stages.dedup.fingerprint import analyse, number_hash
from workers.stages.dedup.normalise import ascii_digits, content_hash, numbers_in
from workers.stages.page import FetchedPage

SCRIPTS = {
    "ascii": "0123456789",
    "arabic_indic": "٠١٢٣٤٥٦٧٨٩",
    "extended_arabic_indic": "۰۱۲۳۴۵۶۷۸۹",
    "nko": "߀߁߂߃߄߅߆߇߈߉",
    "bengali": "০১২৩৪৫৬৭৮৯",
    "devanagari": "०१२३४५६७८९",
    "full_width": "０１２３４５６７８９",
    "superscript": "⁰¹²³⁴⁵⁶⁷⁸⁹",
    "subscript": "₀₁₂₃₄₅₆₇₈₉",
    "circled": "①②③④⑤⑥⑦⑧⑨",
}
LETTERS = "abcdeéàçñõ" + "ابتثجح" + "ߊߋߌߍߎ" + "অআইঈ" + "अआइई" + "ＡＢＣ" + "ΑΒΓ"
SEPARATORS = " ,.:/-–\n()'\"«»%"

digits = st.sampled_from(sorted({c for chars in SCRIPTS.values() for c in chars}))
figure = st.lists(digits, min_size=1, max_size=6).map("".join)
word = st.text(alphabet=LETTERS, min_size=1, max_size=8)
piece = st.one_of(figure, word, st.sampled_from(SEPARATORS))
texts = st.lists(piece, min_size=1, max_size=60).map("".join)
# Dates of the forms the stages read, with figures in any script.
dated = st.builds(
    lambda d, m, y, sep, rest: f"{d}{sep}{m}{sep}{y} {rest}",
    figure, figure, figure, st.sampled_from(["/", "-", ".", " "]), texts,
)

CHECKS = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)


@CHECKS
@given(st.one_of(texts, dated))
def test_dedup_fingerprints_any_script(text: str) -> None:
    _, digest = analyse(text)
    assert len(digest) == 64 and content_hash(text) == digest
    for number in numbers_in(text):
        assert number.isascii() and number.isdecimal()
        assert 0 <= number_hash(number) <= 0xFFFF


def test_a_figure_is_the_same_number_in_every_script() -> None:
    hashes = {name: analyse(f"Le bilan : {chars[1:4]} morts.")[0].numbers
              for name, chars in SCRIPTS.items() if name != "circled"}
    assert set(hashes.values()) == {(number_hash("123"),)}, hashes
    assert ascii_digits("߁߉߅߉") == "1959"


@CHECKS
@given(st.one_of(texts, dated))
def test_date_text_reads_any_script(text: str) -> None:
    for found in find_dates(text):
        assert isinstance(found.value, datetime)
    parse_machine_date(text)


@CHECKS
@given(texts)
def test_bylines_read_any_script(text: str) -> None:
    parse_credit(text, site_name="Le Soleil")
    scan_body(text, site_name="Le Soleil", title=text[:20])
    split_names(text)


@CHECKS
@given(texts)
def test_retry_after_reads_any_script(text: str) -> None:
    delay = retry_after_seconds(text)
    assert delay is None or delay >= 0 or text.strip().startswith("-")


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(title=texts, body=st.lists(st.one_of(texts, dated), min_size=1, max_size=8), byline=texts)
def test_a_whole_page_in_any_script_is_extracted_or_refused_cleanly(
    title: str, body: list[str], byline: str
) -> None:
    from workers.stages.errors import StageError

    paragraphs = "".join(f"<p>{p} Le conseil des ministres a siégé ce jour.</p>" for p in body)
    html = (
        f"<html><head><title>{title}</title>"
        f"<meta property='article:published_time' content='{body[0][:20]}'></head>"
        f"<body><article><h1>{title}</h1><p class='author'>Par {byline}</p>"
        f"<time>{body[-1][:30]}</time>{paragraphs}</article></body></html>"
    )
    page = FetchedPage(
        url="https://www.aps.sn/2025/02/x.html", source="aps", body=html.encode("utf-8")
    )
    # A refusal (not an article, empty body) is an outcome, not a crash.
    with contextlib.suppress(StageError):
        extract_record(page, None)
