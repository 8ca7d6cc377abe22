"""Dates written in news text: month names (en, ru, kk Cyrillic and Latin), numeric forms, years."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

# Month stems; a suffix (`марта`, `маусымда`, `March`) may follow. Longest stems first in the regex.
_STEMS: dict[str, int] = {
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6,
    "jul": 7, "aug": 8, "sep": 9, "oct": 10, "nov": 11, "dec": 12,
    "янв": 1, "фев": 2, "мар": 3, "апр": 4, "май": 5, "мая": 5, "июн": 6,
    "июл": 7, "авг": 8, "сен": 9, "окт": 10, "ноя": 11, "дек": 12,
    "қаңтар": 1, "ақпан": 2, "наурыз": 3, "сәуір": 4, "мамыр": 5, "маусым": 6,
    "шілде": 7, "тамыз": 8, "қыркүйек": 9, "қазан": 10, "қараша": 11, "желтоқсан": 12,
    "qańtar": 1, "qantar": 1, "aqpan": 2, "naýryz": 3, "nauryz": 3, "sáýir": 4, "sauir": 4,
    "mamyr": 5, "maýsym": 6, "mausym": 6, "shilde": 7, "tamyz": 8, "qyrkúiek": 9,
    "qyrkuiek": 9, "qazan": 10, "qarasha": 11, "jeltoqsan": 12,
}  # fmt: skip
_STEMS_LONGEST_FIRST = sorted(_STEMS, key=len, reverse=True)
_MONTH = "(?:" + "|".join(sorted(map(re.escape, _STEMS), key=len, reverse=True)) + r")\w{0,8}\.?"
MONTH_DAY = rf"(?P<month>{_MONTH})\s*(?P<day>\d{{1,2}})\b"
DAY_MONTH = rf"(?P<day>\d{{1,2}})\s*(?P<month>{_MONTH})"
_TIME = r"(?:[,\s]+(?:в\s+)?(?P<hour>\d{1,2})[:.](?P<minute>\d{2}))?"
_YEAR = r"(?P<year>(?:19|20)\d{2})"

# Lines that are only a date (maybe a label, a time and a view count): the article's own date.
_LABEL = r"(?:(?:published|posted|updated|date|опубликовано|обновлено|дата|жарияланды|жаңартылды)\s*:?\s*)?"
_VIEWS = r"(?:\s+\D{0,3}\s*\d[\d\s]*)?"
_DATE_ONLY = [
    re.compile(rf"^{_LABEL}(?P<day>\d{{1,2}})\.(?P<mon>\d{{1,2}})\.{_YEAR}{_TIME}{_VIEWS}$", re.I),
    re.compile(
        rf"^{_LABEL}(?P<hour>\d{{1,2}}):(?P<minute>\d{{2}}),?\s+(?P<day>\d{{1,2}})\.(?P<mon>\d{{1,2}})\.{_YEAR}$",
        re.I,
    ),
    re.compile(
        rf"^{_LABEL}{_YEAR}-(?P<mon>\d{{2}})-(?P<day>\d{{2}})(?:[T\s]+(?P<hour>\d{{1,2}}):(?P<minute>\d{{2}})\S*)?$",
        re.I,
    ),
    re.compile(rf"^{_LABEL}{DAY_MONTH},?\s+{_YEAR}(?:\s*(?:г\.|года|ж\.))?{_TIME}$", re.I),
    re.compile(rf"^{_LABEL}{MONTH_DAY},?\s+{_YEAR}{_TIME}$", re.I),
    re.compile(rf"^{_LABEL}{_YEAR}\s*(?:жылғы|jylǵy|jylgy)?\s+{DAY_MONTH}{_TIME}$", re.I),
    re.compile(rf"^{_LABEL}(?P<hour>\d{{1,2}}):(?P<minute>\d{{2}}),?\s+{DAY_MONTH},?\s+{_YEAR}$", re.I),
]
# The line that opens each article of a listing page: `29.06.2023, 17:05 1520` (time, view count).
LISTING_LINE = re.compile(
    r"^(\d{1,2})\.(\d{1,2})\.((?:19|20)\d{2}),?\s+(\d{1,2}):(\d{2})(?:\s+\D{0,3}\s*\d[\d\s]*)?$"
)
_DIGIT = re.compile(r"\d")
_TIME_ONLY = re.compile(
    r"^(?:(?:today|yesterday|сегодня|вчера|бүгін|кеше|búgin|keshe),?\s*)?\d{1,2}:\d{2}$", re.I
)


def month_number(word: str) -> int | None:
    """1..12 for a month name or abbreviation in English, Russian or Kazakh, else None."""
    word = word.lower().rstrip(".")
    for stem in _STEMS_LONGEST_FIRST:
        if word.startswith(stem):
            return _STEMS[stem]
    return None


def make(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime | None:
    """A UTC datetime, or None when the parts are not a real date."""
    try:
        return datetime(year, month, day, hour, minute, tzinfo=UTC)
    except ValueError:
        return None


def date_only(line: str) -> datetime | None:
    """The date of a line that holds nothing but a date (and maybe a time, a label, views)."""
    line = line.strip()
    if len(line) > 60 or not _DIGIT.search(line):
        return None
    for pattern in _DATE_ONLY:
        if match := pattern.match(line):
            return _from_groups(match.groupdict())
    return None


def listing_date(line: str) -> datetime | None:
    """The date of a listing page's article-opening line, `DD.MM.YYYY, HH:MM <views>`, else None."""
    match = LISTING_LINE.match(line.strip())
    if not match:
        return None
    day, month, year, hour, minute = (int(g) for g in match.groups())
    return make(year, month, day, hour, minute)


def is_time_only(line: str) -> bool:
    """A bare clock time (`17:05`, `Today, 17:05`): site chrome next to a headline."""
    return bool(_TIME_ONLY.match(line.strip()))


def with_year(month: int, day: int, reference: datetime) -> datetime | None:
    """A day and month written without a year, placed in the year of `reference` (the dump date).

    A date more than a week after the reference belongs to the previous year (a December
    dateline in a dump taken in January).
    """
    candidate = make(reference.year, month, day)
    if candidate is None:
        return None
    if candidate > reference + timedelta(days=7):
        return make(reference.year - 1, month, day)
    return candidate


def _from_groups(groups: dict[str, str | None]) -> datetime | None:
    numeric = groups.get("mon")
    month = int(numeric) if numeric else month_number(groups.get("month") or "")
    if month is None or not groups.get("year") or not groups.get("day"):
        return None
    hour, minute = int(groups.get("hour") or 0), int(groups.get("minute") or 0)
    if hour > 23 or minute > 59:
        hour, minute = 0, 0
    return make(int(groups["year"] or 0), month, int(groups["day"] or 0), hour, minute)
