"""Fuzzing every parser: whatever the bytes, only the project's own rejection escapes, quickly.

Properties (hypothesis): `workers.parse.parse` returns articles or raises a PermanentError
subclass; the whole pipeline (`workers.pipeline.process`) never raises; each format parser
called directly keeps the same contract. Hostile shapes with known worst cases (deep nesting,
huge lines, NUL bytes, mixed encodings) are checked for time and peak memory too.
"""

from __future__ import annotations

import codecs
import contextlib
import resource
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from schemas import ParsedArticle, RawDocument
from services.errors import PermanentError
from workers.parse import article, dump, html, jsondoc, parse, text
from workers.parse.decode import decode
from workers.pipeline import process

FIXTURES = Path(__file__).parent.parent / "fixtures"
CORPUS = sorted(p for p in FIXTURES.rglob("*") if p.is_file() and p.suffix in (".txt", ".html", ".json"))

CONTENT_TYPES = [
    None,
    "text/plain",
    "text/html",
    "application/json",
    "application/xhtml+xml",
    "application/xml",
    "image/png",
    "text/plain; charset=utf-8",
    "",
    "\x00/\x00",
]
CHARSETS = [
    None,
    "utf-8",
    "cp1251",
    "latin-1",
    "utf-16",
    "koi8-r",
    "no-such-charset",
    "undefined",
    "rot13",
    "\x00",
]

# Generous bounds, for a shared 2-core CI machine: the point is "bounded", not "fast". The peak
# is the whole test process's (ru_maxrss only grows): a case that blew up memory would pass it.
MAX_SECONDS = 30.0  # half the default task soft time limit: a hostile document still fits a task
MAX_PEAK_RSS = 1536 * 1024 * 1024

FUZZ = settings(max_examples=150, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])


def _raw(content: bytes, content_type: str | None = None, charset: str | None = None) -> RawDocument:
    return RawDocument.create(content, channel="cli", content_type=content_type, charset=charset)


def _parses_or_rejects(raw: RawDocument) -> list[ParsedArticle]:
    """parse(raw), with a PermanentError counting as a proper rejection (returns [])."""
    try:
        return parse(raw)
    except PermanentError as exc:
        rejection = exc
    assert rejection.reason, "a rejection must say why"
    return []


@st.composite
def mutated_fixture(draw: st.DrawFn) -> bytes:
    """A fixture document with random damage: flipped, inserted, deleted or spliced bytes."""
    data = bytearray(draw(st.sampled_from(CORPUS)).read_bytes())
    for _ in range(draw(st.integers(1, 8))):
        op = draw(st.sampled_from(["flip", "insert", "delete", "splice", "nul", "truncate", "reencode"]))
        at = draw(st.integers(0, max(len(data) - 1, 0)))
        if op == "flip" and data:
            data[at] ^= 1 << draw(st.integers(0, 7))
        elif op == "insert":
            data[at:at] = draw(st.binary(min_size=1, max_size=64))
        elif op == "delete":
            del data[at : at + draw(st.integers(1, 200))]
        elif op == "splice":
            data[at:at] = data[: draw(st.integers(0, len(data)))]
        elif op == "nul":
            data[at:at] = b"\x00" * draw(st.integers(1, 50))
        elif op == "truncate":
            del data[at:]
        elif op == "reencode":
            # Part of the text in another encoding: the mixed-encoding dumps crawlers produce.
            codec = draw(st.sampled_from(["cp1251", "utf-16-le", "koi8-r", "latin-1"]))
            tail = bytes(data[at:]).decode("utf-8", "replace").encode(codec, "replace")
            data[at:] = tail
    return bytes(data)


@FUZZ
@given(st.binary(max_size=4096), st.sampled_from(CONTENT_TYPES), st.sampled_from(CHARSETS))
def test_random_bytes_are_parsed_or_rejected_with_a_reason(
    content: bytes, content_type: str | None, charset: str | None
) -> None:
    _parses_or_rejects(_raw(content, content_type, charset))


@FUZZ
@given(st.text(max_size=3000), st.sampled_from(CONTENT_TYPES))
def test_random_text_is_parsed_or_rejected_with_a_reason(body: str, content_type: str | None) -> None:
    _parses_or_rejects(_raw(body.encode("utf-8", "surrogatepass"), content_type))


@FUZZ
@given(mutated_fixture(), st.sampled_from(CONTENT_TYPES))
def test_mutated_fixture_dumps_never_crash_the_pipeline(content: bytes, content_type: str | None) -> None:
    outcome = process(_raw(content, content_type))
    for event in outcome.events:
        assert event.body.strip()
    for rejection in outcome.rejections:
        assert rejection.reason


@FUZZ
@given(st.text(max_size=2000), st.text(max_size=200))
def test_a_dump_header_with_any_body_is_parsed_or_rejected(body: str, head: str) -> None:
    content = f" date 2024-01-05 {head}\n\n{body}".encode("utf-8", "surrogatepass")
    _parses_or_rejects(_raw(content, "text/plain"))


def _direct_parsers() -> list[tuple[str, Callable[[str, RawDocument], list[ParsedArticle]]]]:
    def as_dump(decoded: str, raw: RawDocument) -> list[ParsedArticle]:
        lines = article.to_lines(decoded)
        found = dump.header(lines)
        return dump.parse_dump(lines, found, raw) if found else text.parse_text(lines, raw)

    return [
        ("html", html.parse_html),
        ("json", jsondoc.parse_json),
        ("text", lambda decoded, raw: text.parse_text(article.to_lines(decoded), raw)),
        ("dump", as_dump),
    ]


@pytest.mark.parametrize(("name", "parser"), _direct_parsers(), ids=[n for n, _ in _direct_parsers()])
@FUZZ
@given(content=st.one_of(mutated_fixture(), st.binary(max_size=2048)))
def test_each_format_parser_only_raises_the_projects_rejection(
    name: str, parser: Callable[[str, RawDocument], list[ParsedArticle]], content: bytes
) -> None:
    raw = _raw(content)
    with contextlib.suppress(PermanentError):
        parser(decode(content), raw)


def hostile(scale: float = 0.25) -> dict[str, tuple[bytes, str | None]]:
    """Hostile documents by name. At scale 1 the sizes sit just under the parsers' own limits
    (1M characters of HTML, 2M of text), so the parsers really run on them instead of refusing
    them as too large; CI runs them at a quarter of that, bench/faults.py at full size."""

    def n(full: int) -> int:
        return max(1, int(full * scale))

    sentence = "The regional court in Oral heard the case on Monday, the press office said. "
    ru = "Суд в Уральске рассмотрел дело в понедельник, сообщила пресс-служба. "
    return {
        "deep_html": (b"<html><body>" + b"<div>" * n(80_000) + b"text" + b"</div>" * n(80_000), "text/html"),
        "deep_html_unclosed": (b"<html><body>" + b"<p><b><i><span>" * n(60_000), "text/html"),
        "deep_html_article": (
            b"<html><body>" + b"<div>" * 5_000 + f"<p>{sentence * 10}</p>".encode() + b"</div>" * 5_000,
            "text/html",
        ),
        "deep_json": (b"[" * 100_000 + b"]" * 100_000, "application/json"),
        "deep_json_object": (b'{"a":' * 100_000 + b"1" + b"}" * 100_000, None),
        "deep_json_in_body": (b'{"headline": "x", "body": ' + b"[" * 50_000 + b"]" * 50_000 + b"}", None),
        "huge_line": ((" date 2024-01-05 Head\n\n" + sentence * n(20_000)).encode(), "text/plain"),
        "huge_line_no_spaces": (b"a" * n(1_900_000), "text/plain"),
        "many_lines": (("x\n" * n(900_000)).encode(), "text/plain"),
        "many_short_paragraphs": ((" date 2024-01-05 Head\n\n" + "Word.\n\n" * n(200_000)).encode(), None),
        "nul_bytes": (b" date 2024-01-05 Head\n\n" + b"\x00" * n(1_000_000), "text/plain"),
        "nuls_between_words": ((" date 2024-01-05 Head\n\n" + "\x00".join(sentence * 200)).encode(), None),
        "mixed_utf8_cp1251": (
            (" date 2024-01-05 Заголовок новости\n\n" + sentence * 20).encode("utf-8")
            + (ru * 30).encode("cp1251"),
            "text/plain",
        ),
        "mixed_with_utf16": (
            (" date 2024-01-05 Head\n\n" + sentence * 20).encode()
            + codecs.BOM_UTF16_LE
            + ("Сот дүйсенбі күні істі қарады. " * 30).encode("utf-16-le"),
            "text/plain",
        ),
        "utf16_without_bom": (("Сот дүйсенбі күні істі қарады. " * 200).encode("utf-16-le"), "text/plain"),
        "many_listing_markers": (("01.02.2024, 10:15 345\n" * n(80_000)).encode(), "text/plain"),
        "many_quotes": (("«" * n(200_000) + "»" * n(200_000)).encode(), "text/plain"),
        "many_tag_attributes": (b"<p " + b'a="' * n(200_000) + b">", "text/html"),
        "oversized": (b"a " * 6_000_000, "text/plain"),
    }


@pytest.fixture(scope="module", autouse=True)
def _warm() -> None:
    # The first document loads the enrichment data (seconds); keep that out of the time bound.
    process(_raw(next(p for p in CORPUS if p.suffix == ".txt").read_bytes()))


@pytest.mark.parametrize("case", list(hostile()))
@pytest.mark.timeout(60)
def test_hostile_shapes_are_handled_within_bounded_time_and_memory(case: str) -> None:
    content, content_type = hostile()[case]
    seconds, answered = measure(_raw(content, content_type))
    assert answered  # every document gets an event or a rejection with a reason
    assert seconds < MAX_SECONDS, f"{case}: {seconds:.1f} s"
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    assert peak < MAX_PEAK_RSS, f"{case}: the process peaked at {peak / 2**20:.0f} MiB"


def measure(raw: RawDocument) -> tuple[float, bool]:
    """Seconds the whole pipeline takes on a document, and whether it gave an answer."""
    started = time.perf_counter()
    outcome = process(raw)
    return time.perf_counter() - started, bool(outcome.events or outcome.rejections)
