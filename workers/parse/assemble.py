"""From a page's lines to ParsedArticles: strip chrome, split listings, build each article."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from schemas import Dateline, ParsedArticle, RawDocument
from schemas.article import ParserName
from services.errors import ParseError
from workers.parse import article, chrome, listing


@dataclass(frozen=True)
class Context:
    """What the document (not its text) says: ids, URL, the dump date, the format."""

    raw: RawDocument
    parser: ParserName
    dump_date: datetime | None = None
    language_hint: str | None = None

    @property
    def reference(self) -> datetime:
        """The date a day-and-month dateline is placed against: the dump date, else arrival."""
        return self.dump_date or self.raw.received_at


def from_lines(lines: list[str], *, head: str | None, context: Context) -> list[ParsedArticle]:
    """Every article in a text page (dump or plain text); ParseError when there is none."""
    segments = listing.split(chrome.clean(lines))
    several = listing.is_listing(segments)
    drafts: list[tuple[article.Draft, datetime | None]] = []
    for number, segment in enumerate(segments):
        offered, source = _headline_offer(head if number == 0 else None, segment, several=several)
        draft = article.build(segment.lines, head=offered, source=source, reference=context.reference)
        if draft is not None:
            drafts.append((draft, segment.stated))
    if not drafts and head and not several:
        only = article.build([], head=head, source="resolve", reference=context.reference)
        drafts.extend([(only, None)] if only else [])
    if not drafts:
        raise no_article(context.raw)
    parser: ParserName = "listing" if len(drafts) > 1 else context.parser
    return [
        to_parsed(draft, context, index=index, stated=stated, parser=parser)
        for index, (draft, stated) in enumerate(drafts)
    ]


def _headline_offer(
    head: str | None, segment: listing.Segment, *, several: bool
) -> tuple[str | None, article.HeadlineSource]:
    """What the ` date` line offers this segment as its headline, and how far to trust it.

    The ` date` line names the page. On a single article, or on a page's main article above a
    listing of related ones, that is the article's headline; on a listing it is at most a
    fallback for the first entry, and not even that when it names a section (`Latest news`).
    """
    if not several or segment.stated is None:
        return head, "resolve"
    return (head if _could_be_headline(head) else None), "fallback"


def _could_be_headline(head: str | None) -> bool:
    """A listing's page title may be its first article's headline, unless it names a section."""
    if not head or chrome.kind(head) is not chrome.Kind.CONTENT:
        return False
    return article.headline_like(head) and len(head.split()) >= 4


def no_article(raw: RawDocument) -> ParseError:
    """The error for a page that is all chrome (menus, notices, widgets) and no article."""
    return ParseError(
        "no article text: the document holds only site chrome (menus, language switchers, notices, "
        "widgets, footers), too short to be a news article",
        doc_id=raw.id,
        url=raw.url,
        code="no_article",
    )


def to_parsed(
    draft: article.Draft,
    context: Context,
    *,
    index: int = 0,
    stated: datetime | None = None,
    parser: ParserName | None = None,
) -> ParsedArticle:
    """The ParsedArticle for a draft: the listing line's date first, then the text's, then the dump's."""
    raw = context.raw
    return ParsedArticle(
        doc_id=raw.id,
        index=index,
        parser=parser or context.parser,
        headline=draft.headline,
        body="\n\n".join(draft.body),
        published_at=stated or draft.own_date or context.dump_date,
        dump_date=context.dump_date,
        dateline=Dateline(place=draft.place, agency=draft.agency) if draft.dateline_found else None,
        url=raw.url,
        source_name=raw.source_name,
        language_hint=context.language_hint,
        truncated=draft.truncated,
    )
