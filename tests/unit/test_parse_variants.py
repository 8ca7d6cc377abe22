"""Each input variant the parsers handle, by name: headline sources, datelines, listings, chrome, formats."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from schemas import ParsedArticle, RawDocument
from services.errors import ParseError
from workers.parse import dateline, parse

FIXTURES = Path(__file__).parents[1] / "fixtures"


def parse_text(text: str, content_type: str | None = "text/plain", **extra: str) -> list[ParsedArticle]:
    return parse(RawDocument.create(text.encode("utf-8"), channel="cli", content_type=content_type, **extra))


def parse_fixture(name: str) -> list[ParsedArticle]:
    content = (FIXTURES / name).read_bytes()
    content_type = {"html": "text/html", "json": "application/json"}.get(name.split("/")[0], "text/plain")
    return parse(RawDocument.create(content, channel="cli", content_type=content_type))


def only(articles: list[ParsedArticle]) -> ParsedArticle:
    assert len(articles) == 1, [a.headline for a in articles]
    return articles[0]


BODY = (
    "The ministry said the work would be finished before the end of the year, and that residents "
    "would be told."
)


# --- what follows ` date YYYY-MM-DD` ---------------------------------------------------------------


def test_headline_on_the_date_line_becomes_the_headline() -> None:
    article = only(parse_text(f" date 2023-06-29 Bridge reopens after repairs\n\nASTANA. KAZINFORM – {BODY}"))
    assert article.headline == "Bridge reopens after repairs"
    assert article.body == BODY
    assert article.dump_date == article.published_at == datetime(2023, 6, 29, tzinfo=UTC)


def test_dateline_straight_after_the_date_gives_no_headline_and_keeps_the_paragraph() -> None:
    article = only(parse_text(f" date 2023-06-29 ASTANA. KAZINFORM – {BODY}\n\nSecond paragraph here."))
    assert article.headline is None
    assert article.dateline is not None
    assert (article.dateline.place, article.dateline.agency) == ("ASTANA", "KAZINFORM")
    assert article.body == f"{BODY}\n\nSecond paragraph here."


def test_first_body_sentence_after_the_date_is_body_not_headline() -> None:
    article = only(parse_text(f" date 2023-06-29 {BODY}\n\nThe second paragraph follows."))
    assert article.headline is None
    assert article.body.startswith(BODY)


def test_date_line_cut_copy_of_the_first_paragraph_is_not_a_headline() -> None:
    article = only(
        parse_text(f" date 2023-06-29 ASTANA. KAZINFORM – {BODY[:60]}\n\nASTANA. KAZINFORM – {BODY}")
    )
    assert article.headline is None
    assert article.body == BODY


@pytest.mark.parametrize(
    "chrome", ["EN", "Go to the main site", "17:05", "By Trend", "3.", "2. Snow expected on Sunday"]
)
def test_site_chrome_after_the_date_is_skipped_and_the_real_headline_found(chrome: str) -> None:
    article = only(
        parse_text(f" date 2023-06-29 {chrome}\n\nBridge reopens after repairs\n\nASTANA – {BODY}")
    )
    assert article.headline == "Bridge reopens after repairs"
    assert article.dateline is not None
    assert article.dateline.place == "ASTANA"


def test_by_trend_on_the_date_line_names_the_agency() -> None:
    article = only(parse_text(f" date 2024-04-02 By Trend\n\nBAKU, Azerbaijan, April 2\n\n{BODY}"))
    assert article.dateline is not None
    assert (article.dateline.place, article.dateline.agency) == ("BAKU", "Trend")


def test_headline_site_suffix_is_dropped() -> None:
    article = only(parse_text(f" date 2023-06-29 Bridge reopens after repairs | Kazinform\n\n{BODY}"))
    assert article.headline == "Bridge reopens after repairs"


def test_headline_repeated_as_a_caption_is_removed_from_the_body() -> None:
    text = f" date 2023-06-29 Bridge reopens after repairs\n\nBridge reopens after repairs\n\nASTANA – {BODY}"
    article = only(parse_text(text))
    assert article.body == BODY
    assert article.dateline is not None


def test_dump_without_date_line_takes_its_first_line_as_headline_and_no_date() -> None:
    article = only(parse_text(f"Bridge reopens after repairs\n\nASTANA – {BODY}"))
    assert article.parser == "text"
    assert article.headline == "Bridge reopens after repairs"
    assert article.published_at is None
    assert article.dump_date is None


# --- datelines -------------------------------------------------------------------------------------


@pytest.mark.parametrize("dash", ["–", "-", "—", ""])
def test_kazinform_dateline_with_any_dash_or_none_gives_place_and_agency(dash: str) -> None:
    article = only(parse_text(f" date 2021-02-08 Schools open\n\nNUR-SULTAN. KAZINFORM {dash} {BODY}"))
    assert article.dateline is not None
    assert (article.dateline.place, article.dateline.agency) == ("NUR-SULTAN", "KAZINFORM")
    assert article.body == BODY


def test_tass_dateline_gives_place_and_agency_and_its_date_in_the_dump_year() -> None:
    article = only(parse_text(f" date 2023-06-27 Gas deal\n\nMOSCOW, June 26. /TASS/. {BODY}"))
    assert article.dateline is not None
    assert (article.dateline.place, article.dateline.agency) == ("MOSCOW", "TASS")
    assert article.published_at == datetime(2023, 6, 26, tzinfo=UTC)
    assert article.dump_date == datetime(2023, 6, 27, tzinfo=UTC)
    assert article.body == BODY


def test_december_dateline_in_a_january_dump_belongs_to_the_previous_year() -> None:
    article = only(parse_text(f" date 2024-01-03 Budget signed\n\nMOSCOW, December 30. /TASS/. {BODY}"))
    assert article.published_at == datetime(2023, 12, 30, tzinfo=UTC)


def test_trend_dateline_on_its_own_line_takes_the_agency_from_the_byline_below() -> None:
    text = f" date 2024-03-30 Ferry line\n\nBAKU, Azerbaijan, Mar.29\n\nBy Trend\n\n{BODY}"
    article = only(parse_text(text))
    assert article.dateline is not None
    assert (article.dateline.place, article.dateline.agency) == ("BAKU", "Trend")
    assert article.published_at == datetime(2024, 3, 29, tzinfo=UTC)
    assert article.body == BODY


def test_kazakhstan_today_dateline_gives_place_date_and_agency() -> None:
    text = (
        " date 2024-03-12 Дорога\n\n"
        "Актау. 11 марта. KAZAKHSTAN TODAY - В области завершили ремонт дороги, сообщили в управлении."
    )
    article = only(parse_text(text))
    assert article.dateline is not None
    assert (article.dateline.place, article.dateline.agency) == ("Актау", "KAZAKHSTAN TODAY")
    assert article.published_at == datetime(2024, 3, 11, tzinfo=UTC)
    assert article.body.startswith("В области")


def test_place_with_dash_and_no_agency_gives_place_only() -> None:
    article = only(parse_text(f" date 2024-01-22 Cold night\n\nASTANA – {BODY}"))
    assert article.dateline is not None
    assert (article.dateline.place, article.dateline.agency) == ("ASTANA", None)


def test_article_without_dateline_has_none_and_keeps_its_first_paragraph() -> None:
    article = only(
        parse_text(f" date 2023-08-11 Weightlifter wins gold\n\nKEGOC – the grid operator – said it. {BODY}")
    )
    assert article.dateline is None
    assert article.body.startswith("KEGOC – the grid operator")


@pytest.mark.parametrize(
    ("opening", "place", "agency"),
    [
        ("АСТАНА. ҚазАқпарат –", "АСТАНА", "ҚазАқпарат"),
        ("МОСКВА, 26 июня. /ТАСС/.", "МОСКВА", "ТАСС"),
        ("ТАШКЕНТ, 3 мая – РИА Новости.", "ТАШКЕНТ", "РИА Новости"),
        ("ALMATY, Kazakhstan (Reuters) -", "ALMATY", "Reuters"),
        ("LONDON (AP) —", "LONDON", "AP"),
        ("Қарағанды. 5 сәуір. KAZAKHSTAN TODAY -", "Қарағанды", "KAZAKHSTAN TODAY"),
    ],
)
def test_other_agency_dateline_styles_give_place_and_agency(opening: str, place: str, agency: str) -> None:
    found = dateline.find(f"{opening} Text of the article starts here.")
    assert found is not None
    assert (found.place, found.agency, found.rest) == (place, agency, "Text of the article starts here.")


@pytest.mark.parametrize(
    "paragraph",
    [
        "UN Secretary-General arrives in Astana.",
        "COVID-19 – cases fall again",
        "BREAKING: news",
        "Kazakhstan, a big country.",
    ],
)
def test_sentences_that_only_look_like_datelines_are_not_datelines(paragraph: str) -> None:
    assert dateline.find(paragraph) is None


# --- listing pages ---------------------------------------------------------------------------------


def test_listing_page_yields_one_event_per_article() -> None:
    articles = parse_fixture("dumps/en_listing_3.txt")
    assert [a.index for a in articles] == [0, 1, 2]
    assert [a.published_at for a in articles] == [
        datetime(2023, 6, 28, 17, 5, tzinfo=UTC),
        datetime(2023, 6, 29, 11, 20, tzinfo=UTC),
        datetime(2023, 6, 30, 8, 45, tzinfo=UTC),
    ]
    assert all(a.dump_date == datetime(2023, 6, 30, tzinfo=UTC) for a in articles)
    assert "relevant news" not in " ".join(a.body for a in articles)


def test_listing_after_novosti_po_teme_splits_each_related_article() -> None:
    articles = parse_fixture("dumps/ru_listing_novosti_po_teme.txt")
    assert len(articles) == 3
    assert all("новости по теме" not in a.body for a in articles)


def test_listing_with_headlines_above_the_date_lines_keeps_each_headline_with_its_article() -> None:
    articles = parse_fixture("dumps/en_listing_headline_first.txt")
    assert [a.headline for a in articles] == [
        "Kostanay plant begins exports of tractors to Uzbekistan",
        "Aktobe students win robotics olympiad in Seoul",
        "Semey restores historic wooden houses",
        "Oral hosts regional chess championship",
    ]
    assert all(a.headline not in a.body for a in articles if a.headline)


def test_page_title_of_a_listing_is_not_taken_as_its_first_headline() -> None:
    articles = parse_fixture("dumps/ru_listing_5.txt")
    assert len(articles) == 5
    assert articles[0].headline is None


def test_listing_date_line_on_a_single_article_gives_its_date() -> None:
    article = only(parse_fixture("dumps/en_listing_date_single.txt"))
    assert article.published_at == datetime(2023, 7, 1, 9, 40, tzinfo=UTC)
    assert article.dump_date == datetime(2023, 7, 3, tzinfo=UTC)
    assert article.parser == "dump"


def test_article_with_related_teasers_yields_the_article_and_each_teaser() -> None:
    text = (
        f" date 2023-06-29 Budget approved\n\nASTANA. KAZINFORM – {BODY}\n\nновости по теме\n"
        "28.06.2023, 12:00 890\nRevenue grew in May\n27.06.2023, 09:00 100\nTaxes rose in April\n"
    )
    articles = parse_text(text)
    assert [a.headline for a in articles] == ["Budget approved", "Revenue grew in May", "Taxes rose in April"]
    assert [a.body == "" for a in articles] == [False, True, True]


# --- chrome, noise, truncation ---------------------------------------------------------------------


def test_menus_widgets_related_lists_comments_and_footers_are_stripped() -> None:
    article = only(parse_fixture("dumps/en_noise_widgets.txt"))
    for noise in (
        "USD",
        "EUR",
        "°C",
        "Related news",
        "Hotel construction",
        "Comments",
        "©",
        "Photo:",
        "Read also",
    ):
        assert noise not in article.body, noise
    assert article.body.count("\n\n") == 2  # the three paragraphs of the article


def test_russian_cookie_notice_popular_list_and_comments_are_stripped() -> None:
    article = only(parse_fixture("dumps/ru_noise.txt"))
    for noise in ("cookie", "Популярное", "Курс доллара", "Комментарии", "Читайте также", "USD", "Фото:"):
        assert noise not in article.body, noise


def test_text_cut_mid_word_is_marked_truncated() -> None:
    assert only(parse_fixture("dumps/en_truncated.txt")).truncated
    assert only(parse_fixture("dumps/kk_truncated.txt")).truncated
    assert not only(parse_fixture("dumps/en_kazinform_endash.txt")).truncated


def test_hard_wrapped_paragraphs_are_joined() -> None:
    article = only(parse_fixture("dumps/en_wrapped_lines.txt"))
    assert article.body.count("\n\n") == 2
    assert "Ekibastuz\nwill" not in article.body


@pytest.mark.parametrize(
    "name", ["dumps/reject_menu_only.txt", "dumps/reject_ru_menu.txt", "dumps/reject_cookie_notice.txt"]
)
def test_page_of_only_chrome_is_a_parse_error_saying_so(name: str) -> None:
    with pytest.raises(ParseError) as caught:
        parse_fixture(name)
    assert caught.value.code == "no_article"
    assert "chrome" in caught.value.reason


# --- other formats ---------------------------------------------------------------------------------


def test_html_page_gives_headline_date_dateline_and_clean_body() -> None:
    article = only(parse_fixture("html/en_article.html"))
    assert article.parser == "html"
    assert article.headline == "Kazakhstan opens new border crossing with China"
    assert article.published_at is not None
    assert article.published_at.date().isoformat() == "2023-08-17"
    assert article.dateline is not None
    assert article.dateline.agency == "KAZINFORM"
    assert article.language_hint == "en"
    assert "All rights reserved" not in article.body
    assert "Popular" not in article.body


def test_html_page_declared_as_windows_1251_decodes() -> None:
    article = only(parse_fixture("html/ru_article_cp1251.html"))
    assert article.headline == "В Актобе открыли новый завод по выпуску ферросплавов"


def test_html_larger_than_the_limit_is_refused_with_a_reason() -> None:
    page = "<html><body>" + "<p>Some words of text.</p>" * 40_000 + "</body></html>"
    with pytest.raises(ParseError) as caught:
        parse_text(page, "text/html")
    assert caught.value.code == "too_large"
    assert "limit" in caught.value.reason


def test_ninjs_json_gives_headline_body_uri_and_versioncreated() -> None:
    article = only(parse_fixture("json/en_ninjs.json"))
    assert article.parser == "json"
    assert article.url == "https://newswire.invalid/en/article/zhambyl-wind-farm"
    assert article.published_at == datetime(2023, 5, 30, 8, 15, tzinfo=UTC)
    assert article.dateline is not None
    assert article.dateline.place == "TARAZ"
    assert article.body.startswith("A wind farm")
    assert article.language_hint == "en"


def test_ninjs_json_with_body_html_keeps_its_paragraphs() -> None:
    article = only(parse_fixture("json/ru_ninjs_body_html.json"))
    assert article.body.count("\n\n") == 2
    assert "<p>" not in article.body


@pytest.mark.parametrize(
    ("document", "code"),
    [
        ([{"headline": "a"}], "not_a_document"),
        ("just a string", "not_a_document"),
        ({"name": "frontend", "version": "2.4.1"}, "not_a_document"),
        ({"headline": "Wind farm", "body_text": BODY, "versioncreated": "yesterday"}, "bad_date"),
    ],
)
def test_json_that_is_not_a_news_document_is_a_parse_error_with_a_reason(document: object, code: str) -> None:
    with pytest.raises(ParseError) as caught:
        parse_text(json.dumps(document), "application/json")
    assert caught.value.code == code
    assert caught.value.reason


def test_invalid_and_deeply_nested_json_are_parse_errors() -> None:
    for text in ('{"headline": ', "[" * 100_000 + "]" * 100_000):
        with pytest.raises(ParseError) as caught:
            parse_text(text, "application/json")
        assert caught.value.code == "bad_json"


@pytest.mark.parametrize("content", [b"", b"   \n\n ", bytes(range(256)) * 4])
def test_empty_or_binary_bytes_are_parse_errors(content: bytes) -> None:
    with pytest.raises(ParseError) as caught:
        parse(RawDocument.create(content, channel="cli"))
    assert caught.value.code in ("empty", "binary")
