"""The Extractor each HTML page gets is the one `bare_extraction` would build from its arguments."""

from __future__ import annotations

import pytest
from trafilatura.settings import Extractor

from workers.parse import html


@pytest.mark.parametrize("url", [None, "https://example.kz/news/1", "https://example.kz/\udcff"])
@pytest.mark.parametrize("fast", [False, True])
def test_text_options_are_what_bare_extraction_builds(url: str | None, fast: bool) -> None:
    # The arguments bare_extraction passes on, with the values newswire used to give it.
    built = Extractor(output_format="python", fast=fast, comments=False, tables=False, url=url)
    given = html._text_options(url, fast=fast)
    assert given is not html._TEXT_OPTIONS
    for name in Extractor.__slots__:
        assert getattr(given, name) == getattr(built, name), name


def test_each_page_gets_its_own_copy() -> None:
    html._text_options("https://example.kz/a", fast=True)
    assert html._TEXT_OPTIONS.url is None
    assert html._TEXT_OPTIONS.fast is False
